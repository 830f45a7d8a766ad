// Electron entry (package.json "main": dist/main/main.js). The ONLY file of the project that imports
// 'electron': it hands the real module to the tray app, which sees it only through `ElectronApi`.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import electron from 'electron';
import ElectronStore from 'electron-store';
import { startRelay } from '../relay/core/relay.js';
import { startTrayApp } from './app.js';

startTrayApp({
  electron,
  platform: process.platform,
  env: process.env,
  argv: process.argv,
  execPath: process.execPath,
  resourcesPath: process.resourcesPath,
  mainDir: dirname(fileURLToPath(import.meta.url)),
  createStore: (options) => new ElectronStore<Record<string, unknown>>(options),
  startRelay,
}).catch((err: unknown) => {
  process.stderr.write(`push-relay tray: cannot start: ${(err as Error)?.stack ?? String(err)}\n`);
  electron.app.exit(70);
});
