// Runs the Events-extension cursor store contract against both implementations, and what only the file one does:
// survive a restart, write within its flush delay, stay private, refuse a symlink and start over from a bad file.
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_CURSORS_FILE, FileEventCursorStore, MemoryEventCursorStore, subscriptionKey, withRecent } from '../../relay/upstream/mcp/event-cursors.js';
import { tempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait-for.js';
import { eventCursorsContract } from './event-cursors.contract.js';

eventCursorsContract('MemoryEventCursorStore', () => new MemoryEventCursorStore());
eventCursorsContract('FileEventCursorStore', (dir) => new FileEventCursorStore(dir));

describe('FileEventCursorStore', () => {
  const dirs: TempDir[] = [];
  async function home(): Promise<string> {
    const d = await tempDir('event-cursors-file-');
    dirs.push(d);
    return d.path;
  }
  afterEach(async () => {
    for (const d of dirs.splice(0)) await d.cleanup();
  });

  it('is read back by a new store after flush, in a file only the user can read', async () => {
    const dir = await home();
    const a = new FileEventCursorStore(dir);
    a.save('up/a', { cursor: 'c-9', recentIds: ['evt-9'] });
    a.flush();
    expect(statSync(join(dir, EVENT_CURSORS_FILE)).mode & 0o777).toBe(0o600);
    expect(new FileEventCursorStore(dir).load('up/a')).toEqual({ cursor: 'c-9', recentIds: ['evt-9'] });
  });

  it('writes a save by itself within its flush delay (a burst is one write)', async () => {
    const dir = await home();
    const store = new FileEventCursorStore(dir, { flushMs: 10 });
    for (let i = 0; i < 100; i++) store.save('up/a', { cursor: `c-${i}`, recentIds: [`evt-${i}`] });
    await waitFor(() => new FileEventCursorStore(dir).load('up/a')?.cursor === 'c-99' || undefined, { what: 'the cursor written' });
  });

  it('starts from now, with a log line, when the file is not a cursor file', async () => {
    const dir = await home();
    writeFileSync(join(dir, EVENT_CURSORS_FILE), '{"version": 7', { mode: 0o600 });
    const logs: string[] = [];
    const store = new FileEventCursorStore(dir, { log: (l) => logs.push(l) });
    expect(store.load('up/a')).toBeUndefined();
    expect(logs.join('\n')).toMatch(/unreadable .*start from now/);
    // And the next save replaces it with a good one.
    store.save('up/a', { cursor: 'c', recentIds: [] });
    store.flush();
    expect(JSON.parse(readFileSync(join(dir, EVENT_CURSORS_FILE), 'utf8'))).toMatchObject({ version: 1 });
  });

  it('skips entries of the wrong shape and keeps the others', async () => {
    const dir = await home();
    const subs = { 'up/good': { cursor: 'g', recent_ids: ['e'] }, 'up/bad': { cursor: 5, recent_ids: 'no' }, 'up/ids': { cursor: null, recent_ids: [1] } };
    writeFileSync(join(dir, EVENT_CURSORS_FILE), JSON.stringify({ version: 1, subscriptions: subs }), { mode: 0o600 });
    const store = new FileEventCursorStore(dir);
    expect(store.load('up/good')).toEqual({ cursor: 'g', recentIds: ['e'] });
    expect(store.load('up/bad')).toBeUndefined();
    expect(store.load('up/ids')).toBeUndefined();
  });

  it('does not read through a symlink (says so and starts from now)', async () => {
    const dir = await home();
    const elsewhere = join(dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ version: 1, subscriptions: { 'up/a': { cursor: 'planted', recent_ids: [] } } }));
    symlinkSync(elsewhere, join(dir, EVENT_CURSORS_FILE));
    const logs: string[] = [];
    expect(new FileEventCursorStore(dir, { log: (l) => logs.push(l) }).load('up/a')).toBeUndefined();
    expect(logs.join('\n')).toMatch(/cannot read/);
  });

  it('logs a write it cannot do and keeps working in memory', async () => {
    const dir = await home();
    // A directory where the file goes: no rename can replace it, whoever runs the test (root included).
    mkdirSync(join(dir, EVENT_CURSORS_FILE));
    const logs: string[] = [];
    const store = new FileEventCursorStore(dir, { log: (l) => logs.push(l) });
    store.save('up/a', { cursor: 'c', recentIds: [] });
    expect(() => store.flush()).not.toThrow();
    expect(logs.join('\n')).toMatch(/cannot write/);
    expect(store.load('up/a')).toEqual({ cursor: 'c', recentIds: [] });
  });
});

describe('subscriptionKey and withRecent', () => {
  it('keys a subscription by upstream, type and arguments, whatever the key order of the arguments', () => {
    const a = subscriptionKey('up', 'deal.closed', { region: 'eu', min: 5 });
    expect(subscriptionKey('up', 'deal.closed', { min: 5, region: 'eu' })).toBe(a);
    expect(subscriptionKey('up', 'deal.closed', { min: 6, region: 'eu' })).not.toBe(a);
    expect(subscriptionKey('up', 'deal.opened', { min: 5, region: 'eu' })).not.toBe(a);
    expect(subscriptionKey('other', 'deal.closed', { min: 5, region: 'eu' })).not.toBe(a);
    expect(a.startsWith('up/')).toBe(true);
  });

  it('appends without repeats, oldest first', () => {
    expect(withRecent(['a', 'b', 'c'], ['b', 'd'])).toEqual(['a', 'c', 'b', 'd']);
  });
});
