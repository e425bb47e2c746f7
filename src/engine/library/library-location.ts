import os from 'node:os';
import path from 'node:path';

/** The app's name as Electron derives its userData folder from it; CLI and app must agree. */
export const APP_FOLDER_NAME = 'Lookalike';

/** The platform's per-user app-data folder, the same one Electron's `app.getPath('userData')` gives. */
export function appDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_FOLDER_NAME);
  }
}

/** Where the library lives unless the person chooses another file. */
export function defaultLibraryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOOKALIKE_LIBRARY || path.join(appDataDir(env), 'library.db');
}
