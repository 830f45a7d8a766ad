// A private desktop for notification tests: its own X server (Xvfb on a free display), its own D-Bus session
// bus (no service activation, so only our dunst can answer org.freedesktop.Notifications), dunst on that bus,
// and a capture of every `Notify` method call on it (`dbus-monitor --binary`, decoded here: the text output
// of dbus-monitor does not escape quotes or newlines inside strings, so it cannot be parsed reliably).
// Every child process is killed in `close()` (and, as a last resort, when the test process exits).
// Missing packages are an error, never a skip: CI installs them (.ci/run).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** One `org.freedesktop.Notifications.Notify` call seen on the bus. */
export interface NotifyCall {
  appName: string;
  replacesId: number;
  icon: string;
  summary: string;
  body: string;
  actions: string[];
  /** performance.now() when the call reached this process. */
  at: number;
}

export interface DesktopSession {
  /** `:N` */
  readonly display: string;
  readonly busAddress: string;
  /** DISPLAY and DBUS_SESSION_BUS_ADDRESS of this session, for child processes. */
  readonly env: { DISPLAY: string; DBUS_SESSION_BUS_ADDRESS: string };
  /** Notify calls seen so far, oldest first. */
  readonly calls: NotifyCall[];
  /** Calls `listener` for each Notify call as it is seen. Returns an unsubscribe. */
  onCall(listener: (call: NotifyCall) => void): () => void;
  /** Resolves with the calls once `predicate` holds over them; rejects after `timeoutMs`. */
  waitFor(predicate: (calls: NotifyCall[]) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<NotifyCall[]>;
  close(): Promise<void>;
}

const PACKAGES: Record<string, string> = {
  Xvfb: 'xvfb',
  'dbus-daemon': 'dbus',
  'dbus-monitor': 'dbus',
  'dbus-send': 'dbus',
  dunst: 'dunst',
  'notify-send': 'libnotify-bin',
};

/** Throws, naming the Debian packages, when a program the session needs is missing. */
export function assertDesktopTools(): void {
  const missing = Object.keys(PACKAGES).filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => PACKAGES[m]))].join(' ');
    throw new Error(`the desktop notification tests need ${missing.join(', ')}: apt-get install ${pkgs}`);
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort if a test process ends without close(): never leave an X server or a bus behind.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return child;
}

function spawnTracked(file: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const child = spawn(file, args, options);
  child.on('error', () => undefined); // surfaced through `exit` and the readiness checks
  return track(child);
}

async function stop(child: ChildProcess, timeoutMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Resolves with the first line `stream` prints; rejects if `child` exits first or after `timeoutMs`. */
function firstLine(stream: Readable, child: ChildProcess, what: string, stderr: () => string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer);
      stream.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) done(undefined, text.slice(0, nl).trim());
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}) before it was ready: ${stderr()}`));
    const timer = setTimeout(() => done(new Error(`${what} not ready within ${timeoutMs} ms: ${stderr()}`)), timeoutMs);
    stream.on('data', onData);
    child.once('exit', onExit);
  });
}

function collect(stream: Readable | null | undefined): () => string {
  let text = '';
  stream?.on('data', (c: Buffer) => {
    if (text.length < 20_000) text += c.toString('utf8');
  });
  return () => text.trim();
}

export interface DesktopSessionOptions {
  /** Start dunst (default). Without it the bus has no notification service: the "no service" case. */
  notificationDaemon?: boolean;
}

export async function startDesktopSession(options: DesktopSessionOptions = {}): Promise<DesktopSession> {
  assertDesktopTools();
  const dir = await mkdtemp(join(tmpdir(), 'desktop-session-'));
  const children: ChildProcess[] = [];
  const closeAll = async () => {
    for (const c of children.reverse()) await stop(c);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // X: Xvfb picks a free display itself and writes its number to fd 3 (no races between parallel tests).
    const xvfb = spawnTracked('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1024x768x24'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    children.push(xvfb);
    const xErr = collect(xvfb.stderr);
    const display = `:${await firstLine(xvfb.stdio[3] as Readable, xvfb, 'Xvfb', xErr)}`;

    // A private session bus: no service directories, so nothing is auto-activated behind our back.
    const config = join(dir, 'session.conf');
    await writeFile(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
    );
    const bus = spawnTracked('dbus-daemon', ['--config-file', config, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(bus);
    const busAddress = await firstLine(bus.stdout!, bus, 'dbus-daemon', collect(bus.stderr));
    const env = { DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: busAddress };

    // The capture first, so no Notify call can slip past it.
    const calls: NotifyCall[] = [];
    const listeners = new Set<(c: NotifyCall) => void>();
    const monitor = spawnTracked('dbus-monitor', ['--binary', '--address', busAddress, "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(monitor);
    const monErr = collect(monitor.stderr);
    const monitoring = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dbus-monitor did not start monitoring within 10 s: ${monErr()}`)), 10_000);
      monitor.once('exit', (code) => reject(new Error(`dbus-monitor exited (${code}): ${monErr()}`)));
      const decoder = new MessageStream((m) => {
        if (m.member === 'NameLost') {
          // The bus drops a monitor's names while it installs the monitor's match rules: from here on,
          // every Notify call is seen.
          clearTimeout(timer);
          resolve();
        }
        if (m.type === METHOD_CALL && m.member === 'Notify' && m.iface === 'org.freedesktop.Notifications') {
          const call = decodeNotify(m);
          calls.push(call);
          for (const l of listeners) l(call);
        }
      });
      monitor.stdout!.on('data', (chunk: Buffer) => decoder.push(chunk, performance.now()));
    });
    await monitoring;

    if (options.notificationDaemon !== false) await startDunst(dir, env, children);

    let closed = false;
    return {
      display,
      busAddress,
      env,
      calls,
      onCall(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      waitFor(predicate, { timeoutMs = 10_000, what = 'Notify calls' } = {}) {
        if (predicate(calls)) return Promise.resolve(calls);
        return new Promise((resolve, reject) => {
          const check = () => {
            if (!predicate(calls)) return;
            clearTimeout(timer);
            listeners.delete(check);
            resolve(calls);
          };
          const timer = setTimeout(() => {
            listeners.delete(check);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${calls.length}: ${JSON.stringify(calls.map((c) => c.summary))}`));
          }, timeoutMs);
          listeners.add(check);
        });
      },
      async close() {
        if (closed) return;
        closed = true;
        listeners.clear();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** dunst on the session's bus and display, with its own config and none of the user's; ready once it owns the name. */
async function startDunst(dir: string, env: { DISPLAY: string; DBUS_SESSION_BUS_ADDRESS: string }, children: ChildProcess[]): Promise<void> {
  const dunstrc = join(dir, 'dunstrc');
  await writeFile(dunstrc, '[global]\n    markup = full\n    history_length = 500\n    idle_threshold = 0\n');
  const dunst = spawnTracked('dunst', ['-config', dunstrc], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
  });
  children.push(dunst);
  const dunstErr = collect(dunst.stderr);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (dunst.exitCode !== null) throw new Error(`dunst exited (${dunst.exitCode}): ${dunstErr()}`);
    if (nameHasOwner(env.DBUS_SESSION_BUS_ADDRESS, 'org.freedesktop.Notifications')) return;
    if (Date.now() > deadline) throw new Error(`dunst did not take org.freedesktop.Notifications within 10 s: ${dunstErr()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function nameHasOwner(busAddress: string, name: string): boolean {
  const r = spawnSync(
    'dbus-send',
    [`--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
    { encoding: 'utf8', timeout: 2000 },
  );
  return r.stdout?.includes('boolean true') ?? false;
}

// ---- D-Bus wire format (https://dbus.freedesktop.org/doc/dbus-specification.html#message-protocol) ----

const METHOD_CALL = 1;

interface DbusMessage {
  type: number;
  iface: string | undefined;
  member: string | undefined;
  signature: string;
  /** The whole message; offsets in the body are relative to its start (alignment is too). */
  raw: Buffer;
  little: boolean;
  bodyStart: number;
  at: number;
}

/** Splits the concatenated messages `dbus-monitor --binary` writes into messages. */
class MessageStream {
  #buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (m: DbusMessage) => void) {}

  push(chunk: Buffer, at: number): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#buf.length < 16) return;
      const little = this.#buf[0] === 0x6c; // 'l'
      const u32 = (o: number) => (little ? this.#buf.readUInt32LE(o) : this.#buf.readUInt32BE(o));
      const bodyLength = u32(4);
      const fieldsLength = u32(12);
      const bodyStart = align(16 + fieldsLength, 8);
      const total = bodyStart + bodyLength;
      if (this.#buf.length < total) return;
      const raw = this.#buf.subarray(0, total);
      this.#buf = this.#buf.subarray(total);
      this.onMessage(parseHeader(raw, little, bodyStart, at));
    }
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

class Reader {
  constructor(
    readonly buf: Buffer,
    readonly little: boolean,
    public pos: number,
  ) {}
  align(to: number): void {
    this.pos = align(this.pos, to);
  }
  byte(): number {
    return this.buf[this.pos++]!;
  }
  u32(): number {
    this.align(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): string {
    const len = this.u32();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len + 1;
    return s;
  }
  signature(): string {
    const len = this.byte();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len + 1;
    return s;
  }
}

function parseHeader(raw: Buffer, little: boolean, bodyStart: number, at: number): DbusMessage {
  const r = new Reader(raw, little, 12);
  const fieldsEnd = 16 + r.u32();
  const m: DbusMessage = { type: raw[1]!, iface: undefined, member: undefined, signature: '', raw, little, bodyStart, at };
  while (r.pos < fieldsEnd) {
    r.align(8);
    if (r.pos >= fieldsEnd) break;
    const code = r.byte();
    const sig = r.signature();
    let value: string | number;
    if (sig === 's' || sig === 'o') value = r.string();
    else if (sig === 'g') value = r.signature();
    else if (sig === 'u') value = r.u32();
    else break; // no other header field types exist in the spec
    if (code === 2) m.iface = String(value);
    else if (code === 3) m.member = String(value);
    else if (code === 8) m.signature = String(value);
  }
  return m;
}

/** Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints, i expire_timeout). */
function decodeNotify(m: DbusMessage): NotifyCall {
  if (!m.signature.startsWith('susssas')) throw new Error(`unexpected Notify signature ${m.signature}`);
  const r = new Reader(m.raw, m.little, m.bodyStart);
  const appName = r.string();
  const replacesId = r.u32();
  const icon = r.string();
  const summary = r.string();
  const body = r.string();
  const actionsLength = r.u32(); // array data starts right after its length (strings align to 4, as the length does)
  const actionsEnd = r.pos + actionsLength;
  const actions: string[] = [];
  while (r.pos < actionsEnd) actions.push(r.string());
  // hints (a{sv}) and expire_timeout follow; the tests do not need them.
  return { appName, replacesId, icon, summary, body, actions, at: m.at };
}
