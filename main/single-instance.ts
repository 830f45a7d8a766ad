// One tray app per home: Electron's single-instance lock lives in userData, which the tray sets to the
// relay's home first. A second launch exits at once and the first one shows its inbox window instead.
import type { AppApi } from './electron-api.js';

/** True when this process is the first instance; false means: quit now, the first one was told. */
export function claimSingleInstance(app: Pick<AppApi, 'requestSingleInstanceLock' | 'on'>, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondInstance());
  return true;
}
