// The daemon's Notifier: node-notifier. On Linux/BSD it runs `notify-send`, which makes one `Notify` call on
// the D-Bus session bus to whatever notification daemon owns org.freedesktop.Notifications (dunst, GNOME,
// KDE...); on macOS and Windows it uses its bundled helpers. Loaded lazily: the relay starts without it.
//
// What `available()` checks on Linux, cheapest first, so a headless box says why in one line:
//   1. a session bus: DBUS_SESSION_BUS_ADDRESS, or the systemd user bus at $XDG_RUNTIME_DIR/bus;
//   2. `notify-send` on PATH (Debian/Ubuntu package libnotify-bin);
//   3. if `dbus-send` is there: something owns, or can be activated as, org.freedesktop.Notifications.
// The probe uses `env` (default process.env); node-notifier itself runs notify-send with process.env.
//
// Clicks: notify-send 0.8 reports a click only with `--action --wait`, which node-notifier does not pass, so
// this adapter has no `onClick`. The tray's Electron adapter (main/) has one.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NotifierError, type Availability, type Notification, type Notifier } from './notifier.js';

/** The part of node-notifier this adapter uses. */
export interface NodeNotifierLike {
  notify(options: Record<string, unknown>, callback: (err: Error | string | null, response?: string) => void): unknown;
}

export interface ProbeResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NodeNotifierAdapterOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Shown by the notification daemon as the sender. */
  appName?: string;
  /** How long a popup stays up. */
  expireSeconds?: number;
  /** Loads node-notifier; tests pass a fake. */
  load?: () => Promise<NodeNotifierLike>;
  /** Runs a probe command; tests pass a fake. */
  run?: (file: string, args: string[], env: NodeJS.ProcessEnv) => Promise<ProbeResult>;
}

export const NO_BUS = 'no notification service (no D-Bus session bus)';
export const NO_NOTIFY_SEND = 'notify-send is not installed (Debian/Ubuntu: apt install libnotify-bin)';
export const NO_SERVICE = 'no notification service on the D-Bus session bus (nothing provides org.freedesktop.Notifications; start a notification daemon such as dunst)';

const NOTIFY_SEND_PLATFORMS = new Set<NodeJS.Platform>(['linux', 'freebsd', 'openbsd', 'netbsd']);
const NOTIFICATIONS = 'org.freedesktop.Notifications';

export class NodeNotifierAdapter implements Notifier {
  readonly name: string;
  readonly markup: boolean;
  readonly #env: NodeJS.ProcessEnv;
  readonly #platform: NodeJS.Platform;
  readonly #appName: string;
  readonly #expireSeconds: number;
  readonly #load: () => Promise<NodeNotifierLike>;
  readonly #run: (file: string, args: string[], env: NodeJS.ProcessEnv) => Promise<ProbeResult>;
  #notifier: Promise<NodeNotifierLike> | undefined;

  constructor(options: NodeNotifierAdapterOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#platform = options.platform ?? process.platform;
    this.#appName = options.appName ?? 'Push Relay';
    this.#expireSeconds = options.expireSeconds ?? 10;
    this.#load = options.load ?? loadNodeNotifier;
    this.#run = options.run ?? runProbe;
    const notifySend = NOTIFY_SEND_PLATFORMS.has(this.#platform);
    this.name = notifySend ? 'notify-send' : `node-notifier (${this.#platform})`;
    // Linux daemons render body markup; macOS and Windows show text as it is.
    this.markup = notifySend;
  }

  async available(): Promise<Availability> {
    if (this.#platform === 'darwin' || this.#platform === 'win32') return { ok: true };
    if (!NOTIFY_SEND_PLATFORMS.has(this.#platform)) return { ok: false, reason: `no notification support on ${this.#platform}` };
    const env = this.#env;
    const runtimeBus = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'bus') : undefined;
    if (!env.DBUS_SESSION_BUS_ADDRESS?.trim() && !(runtimeBus && isSocket(runtimeBus))) return { ok: false, reason: NO_BUS };
    if (!findOnPath('notify-send', env.PATH)) return { ok: false, reason: NO_NOTIFY_SEND };
    const dbusSend = findOnPath('dbus-send', env.PATH);
    if (!dbusSend) return { ok: true }; // cannot ask; the first popup will tell
    const call = (method: string, ...args: string[]) =>
      this.#run(dbusSend, ['--session', '--print-reply', '--reply-timeout=2000', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', `org.freedesktop.DBus.${method}`, ...args], env);
    const owner = await call('NameHasOwner', `string:${NOTIFICATIONS}`);
    if (owner.code !== 0) return { ok: false, reason: `cannot reach the D-Bus session bus (${firstLine(owner.stderr) || `dbus-send exited ${owner.code}`})` };
    if (/boolean true/.test(owner.stdout)) return { ok: true };
    const activatable = await call('ListActivatableNames');
    if (activatable.code === 0 && activatable.stdout.includes(`"${NOTIFICATIONS}"`)) return { ok: true };
    return { ok: false, reason: NO_SERVICE };
  }

  async notify(n: Notification): Promise<void> {
    const notifier = await (this.#notifier ??= this.#load());
    const notifySend = NOTIFY_SEND_PLATFORMS.has(this.#platform);
    const title = notifySend ? forNotifySend(n.title) : n.title;
    const body = notifySend ? forNotifySend(n.body) : n.body;
    const options: Record<string, unknown> = { title, message: body || ' ', wait: false };
    if (notifySend) Object.assign(options, { 'app-name': this.#appName, timeout: this.#expireSeconds });
    await new Promise<void>((resolve, reject) => {
      notifier.notify(options, (err) => {
        // node-notifier hands notify-send's stderr over as a string `err` on success (GLib warnings): not a failure.
        if (err instanceof Error) reject(classify(err));
        else resolve();
      });
    });
  }
}

/**
 * Text as notify-send must receive it to show it unchanged. notify-send runs `g_strcompress` on its
 * arguments, so a backslash sequence in event text (`\074` is `<`) would become a character after our
 * markup escaping: backslashes are doubled. node-notifier quotes for the shell itself (`" $ \` \\`). An
 * argument starting with `-` would be taken as an option: a zero-width space goes in front.
 */
export function forNotifySend(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\');
  return escaped.startsWith('-') ? `\u200b${escaped}` : escaped;
}

/** Maps node-notifier's error to the port's: `unavailable` when there is no service, else `failed`. */
export function classify(err: Error): NotifierError {
  const message = err.message ?? String(err);
  // exec errors read "Command failed: <command line>\n<stderr>"; the command line holds event text: drop it.
  const detail = message.startsWith('Command failed:') ? firstLine(message.split('\n').slice(1).join('\n')) : firstLine(message);
  if (/ServiceUnknown|not provided by any \.service|NameHasNoOwner/i.test(message)) return new NotifierError('unavailable', NO_SERVICE);
  if (/notify-send must be installed|ENOENT|notify-send: (command )?not found/i.test(message)) return new NotifierError('unavailable', NO_NOTIFY_SEND);
  if (/autolaunch|Could not connect|Failed to connect|Cannot spawn a message bus|DBUS_SESSION_BUS_ADDRESS/i.test(message)) {
    return new NotifierError('unavailable', `cannot reach the D-Bus session bus (${detail})`);
  }
  return new NotifierError('failed', `notify-send failed: ${detail || 'no detail'}`);
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** The path of an executable `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function loadNodeNotifier(): Promise<NodeNotifierLike> {
  const mod = await import('node-notifier');
  return mod.default as unknown as NodeNotifierLike;
}

function runProbe(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 3000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (err ? err.message : '') });
    });
  });
}
