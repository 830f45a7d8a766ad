// Damaged inbox files between two relay runs: the tail of the active segment truncated mid-record, its last
// record bit-flipped, garbage appended after it, and (a limitation, asserted as it is) a record damaged in
// the middle. The second run must start, cut or skip what is damaged, and fetch again from the server what the
// damage took from the tail, ending with every event exactly once.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../relay/config/home.js';
import { startRelay, type RunningRelay } from '../../relay/core/relay.js';
import { startReferenceServer, type ReferenceServer } from '../../relay/reference-server/server.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectExactlyOnce } from './harness.js';
import { useCleanups } from '../helpers/cleanups.js';

const KEY = 'tail-key';
const TENANT = 't1';

const cleanup = useCleanups({ ignoreErrors: true });

function relayIn(home: string, server: ReferenceServer): Promise<RunningRelay> {
  return startRelay({ home, server: server.url, apiKey: KEY, clientId: 'chaos-tail', localPort: 0, env: {}, notify: false, mcp: false, heartbeatMs: 200 });
}

const ids = (relay: RunningRelay) => relay.core.inbox.readSince(0, { limit: 1_000_000 }).map((e) => e.event_id);

function activeSegment(home: string): string {
  const dir = join(homePaths(home).inbox, 'segments');
  const name = readdirSync(dir).filter((n) => n.endsWith('.log')).sort().at(-1);
  if (!name) throw new Error(`no segment in ${dir}`);
  return join(dir, name);
}

/** Byte offsets of the line starts of a segment (the last entry is the file length). */
function lineStarts(buf: Buffer): number[] {
  const starts = [0];
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

/** Flips one character inside the JSON of line `n` (keeps it a complete line, so only its CRC can tell). */
function flipInLine(buf: Buffer, n: number): Buffer {
  const starts = lineStarts(buf);
  const at = starts[n]! + 9 + Math.floor((starts[n + 1]! - starts[n]! - 10) / 2);
  const out = Buffer.from(buf);
  out[at] = out[at] === 0x41 ? 0x42 : 0x41;
  return out;
}

interface Damage {
  name: string;
  edit(buf: Buffer): Buffer;
  /** Records skipped on the second open, at least. */
  skipped: number;
  /** What the second run ends with, given n events emitted: the event ids. */
  expected(n: number): number[];
}

/** The line holding event `id` (records are `<crc> {"t":"ev","ev":{…"event_id":id,…}}`). */
function lineOfEvent(buf: Buffer, id: number): number {
  const starts = lineStarts(buf);
  for (let n = 0; n < starts.length - 1; n++) {
    const json = JSON.parse(buf.subarray(starts[n]! + 9, starts[n + 1]! - 1).toString('utf8')) as { t: string; ev?: { event_id: number } };
    if (json.t === 'ev' && json.ev?.event_id === id) return n;
  }
  throw new Error(`no record of event ${id}`);
}
const all = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const DAMAGES: Damage[] = [
  {
    name: 'tail truncated in the middle of the last record',
    edit: (buf) => {
      const starts = lineStarts(buf);
      const last = starts.at(-2)!;
      return buf.subarray(0, last + Math.floor((buf.length - last) / 2));
    },
    skipped: 1,
    expected: all,
  },
  {
    name: 'last record bit-flipped (bad CRC)',
    edit: (buf) => flipInLine(buf, lineOfEvent(buf, 30)),
    skipped: 1,
    expected: all,
  },
  {
    name: 'garbage appended after the last record',
    edit: (buf) => Buffer.concat([buf, Buffer.from([0x00, 0xff, 0xfe, 0x0a]), Buffer.from('0badc0de {"t":"ev","ev":{"seq":999}}\n'), Buffer.from('deadbeef {"t":"e')]),
    skipped: 2,
    expected: all,
  },
  {
    // A damaged record that is not the tail: skipped and counted, and its event is not fetched again (the
    // resume point is past it). Disk corruption, not a crash artifact; asserted as the relay behaves today.
    name: 'a record in the middle bit-flipped (limitation: that event is not refetched)',
    edit: (buf) => flipInLine(buf, lineOfEvent(buf, 20)),
    skipped: 1,
    expected: (n) => all(n).filter((id) => id !== 20),
  },
];

describe('chaos: a damaged segment between two relay runs', () => {
  it.each(DAMAGES)('$name', async (damage) => {
    const server = await startReferenceServer({ tokens: { [KEY]: TENANT }, heartbeatMs: 200 });
    cleanup.add(() => server.close());
    const home = await tempDir('chaos-tail-');
    cleanup.add(home.cleanup);

    const first = await relayIn(home.path, server);
    cleanup.add(() => first.close());
    await first.core.control.subscribe({ topic: ['custom.*'] });
    await waitFor(() => first.core.status().upstream.state === 'open', { timeoutMs: 30_000, what: 'first run open' });
    for (let i = 0; i < 30; i++) await server.emit(TENANT, { topic: 'custom.tail', payload: { i } });
    await waitFor(() => ids(first).length === 30, { timeoutMs: 30_000, what: '30 events in the first run' });
    await first.close();

    const file = activeSegment(home.path);
    const before = readFileSync(file);
    writeFileSync(file, damage.edit(before));

    const second = await relayIn(home.path, server);
    cleanup.add(() => second.close());
    expect(second.core.inbox.stats().skippedOnOpen).toBeGreaterThanOrEqual(damage.skipped);
    await waitFor(() => second.core.status().upstream.state === 'open', { timeoutMs: 30_000, what: 'second run open' });
    for (let i = 0; i < 5; i++) await server.emit(TENANT, { topic: 'custom.tail', payload: { after: i } });
    const expected = damage.expected(35);
    const got = await waitFor(() => (ids(second).length >= expected.length ? ids(second) : undefined), {
      timeoutMs: 30_000,
      what: `${expected.length} events in the second run (have ${ids(second).length})`,
    });
    if (expected.length === 35) expectExactlyOnce(got, 35);
    else expect(got).toEqual(expected);
    expect(second.core.status().upstream).toMatchObject({ state: 'open', duplicates: 0 });

    // The repaired file reopens clean: the damage was cut (tail) for good, nothing new is skipped.
    await second.close();
    const third = await relayIn(home.path, server);
    cleanup.add(() => third.close());
    expect(ids(third)).toEqual(expected);
    if (damage.expected === all) expect(third.core.inbox.stats().skippedOnOpen).toBe(0);
    await third.close();
  }, 90_000);
});
