import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  type MenuItemConstructorOptions,
  screen,
  shell,
  utilityProcess,
} from 'electron';
import { startFileDrag } from './drag-out.ts';
import { EngineHostSupervisor } from './engine-host-supervisor.ts';
import { registerImageProtocol, registerImageScheme } from './image-protocol.ts';
import { registerIpcRouter } from './ipc-router.ts';
import { clampToDisplays, readWindowState, writeWindowState } from './window-state.ts';

// The desktop shell. It only owns windows and OS integration; the engine runs in a utility
// process (see ../shared/DESIGN.md) and reaches the renderer through the preload's transport.
const MIN_SIZE = { width: 960, height: 640 };
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const windowStateFile = (): string => path.join(app.getPath('userData'), 'window-state.json');

function createWindow(): BrowserWindow {
  const saved = readWindowState(windowStateFile());
  const bounds = saved
    ? clampToDisplays(
        saved.bounds,
        screen.getAllDisplays().map((d) => d.workArea),
        MIN_SIZE,
      )
    : null;
  const win = new BrowserWindow({
    ...(bounds ?? { width: 1280, height: 800 }),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Lookalike',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  if (saved?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    writeWindowState(windowStateFile(), { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  });
  // No in-app navigation or pop-ups: links open in the person's browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(path.join(import.meta.dirname, '../renderer/index.html'));
  return win;
}

function buildMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** The engine utility process, restarted when it dies (see engine-host-supervisor.ts). */
function startEngineHost(): EngineHostSupervisor {
  const supervisor = new EngineHostSupervisor({
    fork: () =>
      utilityProcess.fork(path.join(import.meta.dirname, 'engine-host.js'), [], {
        serviceName: 'Lookalike engine',
        stdio: 'inherit',
      }),
  });
  supervisor.start();
  return supervisor;
}

app.enableSandbox();
registerImageScheme();

void app.whenReady().then(() => {
  const host = startEngineHost();
  registerImageProtocol(host);
  registerIpcRouter({
    host,
    windows: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    devServerUrl,
    showItemInFolder: (p) => shell.showItemInFolder(p),
    openPath: (p) => shell.openPath(p),
    startDrag: (sender, p) => startFileDrag(sender, p),
    pickFolder: async (sender) => {
      const win = BrowserWindow.fromWebContents(sender);
      const options = { properties: ['openDirectory' as const] };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    pickModelFile: async (sender) => {
      const win = BrowserWindow.fromWebContents(sender);
      const options = {
        properties: ['openFile' as const],
        filters: [{ name: 'Models (ONNX, TensorFlow Lite)', extensions: ['onnx', 'tflite'] }],
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });

  // On quit, let the engine stop its background work and close the library first (bounded wait).
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    if (!host.alive) {
      // Nothing to wait for; only keep a pending restart from starting a host during quit.
      void host.close();
      return;
    }
    closing = true;
    event.preventDefault();
    const timeout = new Promise((resolve) => setTimeout(resolve, 8000));
    void Promise.race([host.close().catch(() => undefined), timeout]).finally(() => app.quit());
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
