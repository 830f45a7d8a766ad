// "Open at login". macOS and Windows: Electron's setLoginItemSettings. Linux, where that call is a no-op:
// an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/push-relay.desktop` (~/.config/autostart by default).
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AppApi } from './electron-api.js';

export interface LoginItem {
  readonly supported: boolean;
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

export interface LoginItemOptions {
  platform: NodeJS.Platform;
  app: Pick<AppApi, 'getLoginItemSettings' | 'setLoginItemSettings' | 'isPackaged' | 'getAppPath'>;
  env?: NodeJS.ProcessEnv;
  homedir?: () => string;
  /** The Electron binary (process.execPath). */
  execPath: string;
}

const AUTOSTART_FILE = 'push-relay.desktop';

export function createLoginItem(options: LoginItemOptions): LoginItem {
  if (options.platform === 'darwin' || options.platform === 'win32') {
    const app = options.app;
    return {
      supported: true,
      isEnabled: () => app.getLoginItemSettings().openAtLogin,
      setEnabled: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
    };
  }
  return xdgAutostart(options);
}

export function autostartPath(env: NodeJS.ProcessEnv, home: () => string): string {
  return join(env.XDG_CONFIG_HOME || join(home(), '.config'), 'autostart', AUTOSTART_FILE);
}

function xdgAutostart(options: LoginItemOptions): LoginItem {
  const env = options.env ?? process.env;
  const file = autostartPath(env, options.homedir ?? homedir);
  return {
    supported: true,
    isEnabled() {
      try {
        const text = readFileSync(file, 'utf8');
        return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
      } catch {
        return false;
      }
    },
    setEnabled(enabled) {
      if (!enabled) {
        if (existsSync(file)) unlinkSync(file);
        return;
      }
      mkdirSync(join(file, '..'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, desktopEntry(launchCommand(options, env)), { mode: 0o644 });
      renameSync(tmp, file);
    },
  };
}

/** What autostart runs: the AppImage itself (its execPath is a temporary mount), the packaged binary, or in
 * development the Electron binary with the app directory. */
export function launchCommand(options: Pick<LoginItemOptions, 'app' | 'execPath'>, env: NodeJS.ProcessEnv): string[] {
  if (env.APPIMAGE) return [env.APPIMAGE];
  if (options.app.isPackaged) return [options.execPath];
  return [options.execPath, options.app.getAppPath()];
}

export function desktopEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Push Relay',
    'Comment=MCP push events as desktop notifications',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=push-relay',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Desktop Entry Specification, "The Exec key": an argument with reserved characters is double-quoted, and
 * inside quotes `"`, `` ` ``, `$` and `\` are backslash-escaped; `%` is doubled (field codes). The file's
 * own string escaping then doubles each backslash once more.
 */
export function quoteExecArg(arg: string): string {
  const field = arg.replaceAll('%', '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(field)) return field;
  const quoted = `"${field.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replaceAll('\\', '\\\\');
}
