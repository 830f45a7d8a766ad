// Where a relay keeps its state (DESIGN.md "Home dir"): `--home`, else PUSH_RELAY_HOME, else the OS's
// per-user app-data dir. The tray app sets Electron's userData to this same dir, so tray and daemon share it.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomeEnv {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  homedir?: () => string;
}

export function resolveHome(flag: string | undefined, io: HomeEnv = {}): string {
  const env = io.env ?? process.env;
  if (flag) return resolve(flag);
  if (env.PUSH_RELAY_HOME) return resolve(env.PUSH_RELAY_HOME);
  return defaultHome(io);
}

/** Same base dirs as Electron's `app.getPath('appData')`. */
export function defaultHome(io: HomeEnv = {}): string {
  const platform = io.platform ?? process.platform;
  const env = io.env ?? process.env;
  const home = (io.homedir ?? homedir)();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Push Relay');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Push Relay');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'push-relay');
}

/** Files inside a home dir; one place so hooks, daemon and tray agree. */
export function homePaths(home: string) {
  return {
    home,
    settings: join(home, 'settings.json'),
    localToken: join(home, 'local-token'),
    relayJson: join(home, 'relay.json'),
    lock: join(home, 'relay.lock'),
    inbox: join(home, 'inbox'),
    logs: join(home, 'logs'),
    /** Per-session state of the hooks (idle-wake locks, stop-chain counters). */
    hooks: join(home, 'hooks'),
    demoServer: join(home, 'demo-server'),
  };
}
export type HomePaths = ReturnType<typeof homePaths>;
