// electron-store without Electron: electron-store is a thin subclass of conf that maps `name` to
// `configName` and supplies cwd/version from `app`; this factory does the same mapping over conf itself.
import Conf from 'conf';
import type { StoreFactory } from '../../../main/settings.js';

export const confFactory: StoreFactory = (o) =>
  new Conf<Record<string, unknown>>({
    cwd: o.cwd,
    configName: o.name,
    configFileMode: o.configFileMode,
    clearInvalidConfig: o.clearInvalidConfig,
    projectName: 'push-relay',
  });
