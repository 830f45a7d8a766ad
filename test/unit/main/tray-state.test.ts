// Tray state and image from the relay's status: each kind, its unread variant, template images on macOS.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trayView, type TrayFacts, type TrayStatusInput } from '../../../main/tray-state.js';

const TRAY_DIR = fileURLToPath(new URL('../../../build/tray/', import.meta.url));
const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const fmt = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function status(state: TrayStatusInput['upstream']['state'], extra: Partial<TrayStatusInput['upstream']> = {}): TrayStatusInput {
  return { mode: 'server', server: 'https://api.pact.place', upstream: { state, stopped: false, lastError: null, ...extra } };
}

function view(partial: Partial<TrayFacts>) {
  return trayView({ status: status('open'), pausedUntil: null, unread: 0, now: NOW, platform: 'linux', formatTime: fmt, ...partial });
}

describe('tray state from relay status', () => {
  it.each([
    ['open', 'connected', 'Connected to api.pact.place'],
    ['connecting', 'reconnecting', 'Connecting to api.pact.place…'],
    ['reconnecting', 'reconnecting', 'Reconnecting to api.pact.place…'],
    ['offline', 'reconnecting', 'Offline: cannot reach api.pact.place'],
    ['unauthorized', 'error', 'Not authorized by api.pact.place: check the API key in Settings'],
    ['paused', 'paused', 'Connection paused (api.pact.place)'],
  ] as const)('upstream %s → %s', (state, kind, line) => {
    const v = view({ status: status(state) });
    expect(v.kind).toBe(kind);
    expect(v.statusLine).toBe(line);
    expect(v.tooltip).toBe(`Push Relay — ${line}`);
    expect(v.image).toEqual({ file: `tray-linux-${kind}.png`, template: false });
  });

  it('says "demo server" in demo mode', () => {
    expect(view({ status: { ...status('open'), mode: 'demo', server: 'http://127.0.0.1:41234' } }).statusLine).toBe('Connected to demo server');
  });

  it('paused notifications show as paused, with the end time', () => {
    const v = view({ pausedUntil: NOW + 3_600_000 });
    expect(v.kind).toBe('paused');
    expect(v.statusLine).toBe('Notifications paused until 13:00');
  });

  it('an expired pause is not a pause', () => {
    expect(view({ pausedUntil: NOW - 1 }).kind).toBe('connected');
  });

  it('a connection problem outranks a pause: the person must learn events are not arriving', () => {
    expect(view({ status: status('unauthorized'), pausedUntil: NOW + 60_000 }).kind).toBe('error');
    expect(view({ status: status('reconnecting'), pausedUntil: NOW + 60_000 }).kind).toBe('reconnecting');
  });

  it('a relay that failed to start is an error with its message; before the start it is "Starting…"', () => {
    expect(view({ status: null, fatal: 'local port 47831 is in use' })).toMatchObject({ kind: 'error', statusLine: 'Error: local port 47831 is in use' });
    expect(view({ status: null })).toMatchObject({ kind: 'reconnecting', statusLine: 'Starting…' });
    expect(view({ status: status('open', { stopped: true }) }).kind).toBe('error');
  });

  it.each(['connected', 'reconnecting', 'error', 'paused'] as const)('%s has an unread variant, with the count in the status line', (kind) => {
    const facts: Partial<TrayFacts> = {
      connected: {},
      reconnecting: { status: status('reconnecting') },
      error: { status: status('unauthorized') },
      paused: { pausedUntil: NOW + 60_000 },
    }[kind];
    const read = view({ ...facts, unread: 0 });
    const unread = view({ ...facts, unread: 3 });
    expect(read.kind).toBe(kind);
    expect(unread.kind).toBe(kind);
    expect(unread.unread).toBe(3);
    expect(unread.image.file).toBe(`tray-linux-${kind}-unread.png`);
    expect(unread.statusLine).toBe(`${read.statusLine} · 3 unread`);
    expect(view({ ...facts, unread: 250 }).statusLine).toMatch(/ · 99\+ unread$/);
  });

  it('macOS uses template images (black + alpha; the menu bar tints them)', () => {
    expect(view({ platform: 'darwin' }).image).toEqual({ file: 'tray-connectedTemplate.png', template: true });
    expect(view({ platform: 'darwin', unread: 1, status: status('unauthorized') }).image).toEqual({ file: 'tray-error-unreadTemplate.png', template: true });
    expect(view({ platform: 'win32' }).image).toEqual({ file: 'tray-win32-connected.png', template: false });
    expect(view({ platform: 'freebsd' }).image.file).toBe('tray-linux-connected.png');
  });

  it('every image a view can name exists in build/tray, with its @2x twin', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const facts of [{}, { status: status('reconnecting') }, { status: status('unauthorized') }, { pausedUntil: NOW + 1 }]) {
        for (const unread of [0, 1]) {
          const { file } = view({ ...facts, unread, platform }).image;
          expect(existsSync(join(TRAY_DIR, file)), file).toBe(true);
          expect(existsSync(join(TRAY_DIR, file.replace('.png', '@2x.png'))), file).toBe(true);
        }
      }
    }
  });
});
