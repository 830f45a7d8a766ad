// The node-notifier adapter without a desktop: how it decides there is none (and says why), what it hands
// node-notifier, and how it reads node-notifier's errors. The real thing runs in test/e2e/notify.
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classify,
  forNotifySend,
  NO_BUS,
  NO_NOTIFY_SEND,
  NO_SERVICE,
  NodeNotifierAdapter,
  type NodeNotifierLike,
  type ProbeResult,
} from '../../../relay/notify/node-notifier.js';
import { NotifierError } from '../../../relay/notify/notifier.js';
import { tempDir } from '../../helpers/tmp.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

/** A PATH dir holding executables named `names` (never run: the probe runner is a fake). */
async function binDir(...names: string[]): Promise<string> {
  const dir = await tempDir('notify-bin-');
  cleanup.add(dir.cleanup);
  for (const n of names) {
    writeFileSync(join(dir.path, n), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir.path, n), 0o755);
  }
  return dir.path;
}

function fakeRun(answers: Record<string, ProbeResult>) {
  const calls: string[][] = [];
  const run = (file: string, args: string[]) => {
    calls.push([file, ...args]);
    const method = args.find((a) => a.startsWith('org.freedesktop.DBus.'))?.slice('org.freedesktop.DBus.'.length) ?? '';
    return Promise.resolve(answers[method] ?? { code: 1, stdout: '', stderr: 'unexpected' });
  };
  return { run, calls };
}

describe('available() on Linux', () => {
  it('no session bus: the headless line', async () => {
    const adapter = new NodeNotifierAdapter({ platform: 'linux', env: { PATH: await binDir('notify-send') } });
    expect(await adapter.available()).toEqual({ ok: false, reason: NO_BUS });
    expect(NO_BUS).toBe('no notification service (no D-Bus session bus)');
  });

  it('an empty DBUS_SESSION_BUS_ADDRESS is no bus', async () => {
    const adapter = new NodeNotifierAdapter({ platform: 'linux', env: { DBUS_SESSION_BUS_ADDRESS: ' ', PATH: await binDir('notify-send') } });
    expect(await adapter.available()).toEqual({ ok: false, reason: NO_BUS });
  });

  it('finds the systemd user bus at $XDG_RUNTIME_DIR/bus', async () => {
    const runtime = await tempDir('notify-runtime-');
    cleanup.add(runtime.cleanup);
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(join(runtime.path, 'bus'), r));
    cleanup.add(() => new Promise((r) => server.close(r)));
    const adapter = new NodeNotifierAdapter({ platform: 'linux', env: { XDG_RUNTIME_DIR: runtime.path, PATH: await binDir('notify-send') } });
    expect(await adapter.available()).toEqual({ ok: true });
  });

  it('no notify-send on PATH', async () => {
    const adapter = new NodeNotifierAdapter({ platform: 'linux', env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x', PATH: await binDir('dbus-send') } });
    expect(await adapter.available()).toEqual({ ok: false, reason: NO_NOTIFY_SEND });
  });

  it('asks the bus through dbus-send: owned, activatable, or nobody', async () => {
    const PATH = await binDir('notify-send', 'dbus-send');
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x', PATH };
    const owned = fakeRun({ NameHasOwner: { code: 0, stdout: 'method return ...\n   boolean true\n', stderr: '' } });
    expect(await new NodeNotifierAdapter({ platform: 'linux', env, run: owned.run }).available()).toEqual({ ok: true });
    expect(owned.calls[0]).toEqual([join(PATH, 'dbus-send'), '--session', '--print-reply', '--reply-timeout=2000', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.Notifications']);

    const activatable = fakeRun({
      NameHasOwner: { code: 0, stdout: '   boolean false\n', stderr: '' },
      ListActivatableNames: { code: 0, stdout: '   array [\n      string "org.freedesktop.DBus"\n      string "org.freedesktop.Notifications"\n   ]\n', stderr: '' },
    });
    expect(await new NodeNotifierAdapter({ platform: 'linux', env, run: activatable.run }).available()).toEqual({ ok: true });

    const nobody = fakeRun({
      NameHasOwner: { code: 0, stdout: '   boolean false\n', stderr: '' },
      ListActivatableNames: { code: 0, stdout: '   array [\n      string "org.freedesktop.DBus"\n   ]\n', stderr: '' },
    });
    expect(await new NodeNotifierAdapter({ platform: 'linux', env, run: nobody.run }).available()).toEqual({ ok: false, reason: NO_SERVICE });

    const dead = fakeRun({ NameHasOwner: { code: 1, stdout: '', stderr: 'Failed to open connection to "session" message bus: Connection refused\n' } });
    expect(await new NodeNotifierAdapter({ platform: 'linux', env, run: dead.run }).available()).toEqual({
      ok: false,
      reason: 'cannot reach the D-Bus session bus (Failed to open connection to "session" message bus: Connection refused)',
    });
  });

  it('without dbus-send it cannot ask, and lets the first popup tell', async () => {
    const adapter = new NodeNotifierAdapter({ platform: 'linux', env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x', PATH: await binDir('notify-send') } });
    expect(await adapter.available()).toEqual({ ok: true });
  });

  it('other platforms', async () => {
    expect(await new NodeNotifierAdapter({ platform: 'darwin', env: {} }).available()).toEqual({ ok: true });
    expect(await new NodeNotifierAdapter({ platform: 'aix', env: {} }).available()).toEqual({ ok: false, reason: 'no notification support on aix' });
    expect(new NodeNotifierAdapter({ platform: 'linux' }).markup).toBe(true);
    expect(new NodeNotifierAdapter({ platform: 'darwin' }).markup).toBe(false);
  });
});

describe('notify()', () => {
  function fake(answer: (options: Record<string, unknown>) => Error | string | null) {
    const calls: Record<string, unknown>[] = [];
    const notifier: NodeNotifierLike = {
      notify: (options, cb) => {
        calls.push(options);
        setImmediate(() => cb(answer(options)));
        return undefined;
      },
    };
    return { calls, load: () => Promise.resolve(notifier) };
  }

  it('hands notify-send the text so that it arrives unchanged', async () => {
    const { calls, load } = fake(() => null);
    const adapter = new NodeNotifierAdapter({ platform: 'linux', load });
    await adapter.notify({ title: '-h evil', body: 'C:\\path \\074b\\076 &lt;', seq: 3 });
    expect(calls).toEqual([{ title: '\u200b-h evil', message: 'C:\\\\path \\\\074b\\\\076 &lt;', wait: false, 'app-name': 'Push Relay', timeout: 10 }]);
    await adapter.notify({ title: 'T', body: '' });
    expect(calls[1]?.message).toBe(' ');
  });

  it('passes text as it is elsewhere', async () => {
    const { calls, load } = fake(() => null);
    await new NodeNotifierAdapter({ platform: 'darwin', load }).notify({ title: '-x', body: 'a\\b' });
    expect(calls).toEqual([{ title: '-x', message: 'a\\b', wait: false }]);
  });

  it('stderr chatter on success is not a failure', async () => {
    const { load } = fake(() => '(notify-send:1): GLib-WARNING **: something');
    await expect(new NodeNotifierAdapter({ platform: 'linux', load }).notify({ title: 'T', body: 'B' })).resolves.toBeUndefined();
  });

  it('maps failures to the port: unavailable or failed, without the command line', async () => {
    const serviceUnknown = new Error(
      'Command failed: notify-send "Deal won: secret deal" "body"\nGDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications was not provided by any .service files\n',
    );
    const { load } = fake(() => serviceUnknown);
    const err = await new NodeNotifierAdapter({ platform: 'linux', load }).notify({ title: 'T', body: 'B' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifierError);
    expect(err).toMatchObject({ code: 'unavailable', message: NO_SERVICE });

    expect(classify(new Error('notify-send must be installed on the system.'))).toMatchObject({ code: 'unavailable', message: NO_NOTIFY_SEND });
    expect(classify(new Error('Command failed: notify-send "x"\nCannot autolaunch D-Bus without X11 $DISPLAY\n'))).toMatchObject({
      code: 'unavailable',
      message: 'cannot reach the D-Bus session bus (Cannot autolaunch D-Bus without X11 $DISPLAY)',
    });
    const other = classify(new Error('Command failed: notify-send "Deal won: secret deal"\nInvalid hint\n'));
    expect(other).toMatchObject({ code: 'failed', message: 'notify-send failed: Invalid hint' });
    expect(other.message).not.toContain('secret deal');
  });
});

it('forNotifySend doubles backslashes and defuses a leading dash', () => {
  expect(forNotifySend('plain')).toBe('plain');
  expect(forNotifySend('\\n')).toBe('\\\\n');
  expect(forNotifySend('--icon=/etc/x')).toBe('\u200b--icon=/etc/x');
});
