import { contextBridge } from 'electron';

// The renderer's only window onto the app. It grows into the typed API client of the shared
// contract; nothing else (no Node, no ipcRenderer) is ever exposed.
contextBridge.exposeInMainWorld('lookalike', Object.freeze({ transport: 'electron' as const }));
