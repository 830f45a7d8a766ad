// DESIGN.md 'Who uses it' 4 (Headless box): over SSH, no display, no D-Bus. The real daemon (demo mode) skips OS
// notifications with ONE clear line and keeps doing its job.
import { expect, it } from 'vitest';
import type { NotificationStatus } from '../../../relay/notify/service.js';
import { startCli } from '../../helpers/cli.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

it('headless daemon: one "OS notifications are off" line, events still reach the inbox', async () => {
  const home = await tempDir('headless-home-');
  cleanup.add(home.cleanup);
  const p = startCli(['daemon', '--home', home.path, '--local-port', '0', '--demo', '--demo-interval-ms', '20'], {
    PUSH_RELAY_HOME: '',
    DBUS_SESSION_BUS_ADDRESS: '',
    DISPLAY: '',
    WAYLAND_DISPLAY: '',
    XDG_RUNTIME_DIR: '',
  });
  cleanup.add(() => p.kill('SIGKILL'));
  const api = relayApi(await p.line('listening'), home.path);
  await waitFor(async () => (await allEvents(api)).length >= 10, { what: 'demo events in the inbox' });
  const status = await waitFor(async () => {
    const s = await api.get<NotificationStatus>('/v1/notifications');
    return s.counts.unavailable >= 1 && s;
  }, { what: 'popups counted as unavailable' });
  expect(status).toMatchObject({ notifier: 'notify-send', available: false, unavailable_reason: 'no notification service (no D-Bus session bus)' });
  expect(status.counts.delivered).toBe(0);
  expect(p.stderr().split('\n').filter((l) => l.includes('notification'))).toEqual([
    'push-relay: warn: OS notifications are off: no notification service (no D-Bus session bus); events still reach the inbox and agents',
  ]);
  expect(await p.kill('SIGTERM')).toEqual({ code: 0, signal: null });
});
