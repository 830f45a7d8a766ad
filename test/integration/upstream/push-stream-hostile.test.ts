// PushStream against a push server that is hostile in size and pace (a push server is untrusted): an SSE
// event that never ends must cost a bounded amount of memory and the connection, not the daemon; a server
// that answers every connection with subscription.lag must not get a reconnect per round trip.
import { afterEach, describe, expect, it } from 'vitest';
import { frame, METHOD } from '../../../relay/protocol/frames.js';
import { encodeSseFrame } from '../../../relay/protocol/sse.js';
import { PUSH_ENDPOINT } from '../../../relay/protocol/tools.js';
import { httpFetch, type StreamFetch } from '../../../relay/upstream/http-fetch.js';
import { LAG_IMMEDIATE_MAX } from '../../../relay/upstream/lag-reconnects.js';
import type { PushStream } from '../../../relay/upstream/push-stream.js';
import { MAX_PENDING_EVENT_CHARS } from '../../../relay/protocol/limits.js';
import { manualClock } from '../../helpers/manual-clock.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CLIENT, flood, makeStream, storedIds, tinyServer, waitForStatus, type TinyServer } from './harness.js';

const servers: TinyServer[] = [];
const streams: PushStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) await s.stop();
  for (const s of servers.splice(0)) await s.close();
});

const MiB = 1024 * 1024;
/** What the hostile server offers to send on one connection if nobody stops it. */
const HOSTILE_BYTES = 300 * MiB;

const openFrame = (cursor: number) => encodeSseFrame(frame(METHOD.open, { client_id: CLIENT, subscriptions: [], cursor }));
const eventFrame = (id: number) =>
  encodeSseFrame(
    frame(METHOD.event, { subscription_id: 's', event_id: id, topic: 'custom.test', category: 'custom', occurred_at: '2026-11-21T00:00:00.000Z', payload: { id } }),
    id,
  );

/** The default transport, counting the body bytes the relay actually took in per connection. */
function countingTransport(): { fetch: StreamFetch; received: number[] } {
  const received: number[] = [];
  const fetch: StreamFetch = async (input, init) => {
    const res = await httpFetch(input, init);
    const i = received.push(0) - 1;
    if (!res.body) return res;
    const reader = res.body.getReader();
    const counted = {
      read: async () => {
        const chunk = await reader.read();
        if (!chunk.done) received[i]! += chunk.value.length;
        return chunk;
      },
      cancel: () => reader.cancel(),
    };
    return { ...res, headers: res.headers, body: { getReader: () => counted, cancel: () => res.body!.cancel() } };
  };
  return { fetch, received };
}

describe('PushStream: an SSE event without end', () => {
  const shapes: [string, string, Buffer][] = [
    ['a data line that never ends', 'data: ', Buffer.alloc(64 * 1024, 'x')],
    ['data lines and no blank line', '', Buffer.from(`data: ${'x'.repeat(1000)}\n`.repeat(64))],
    ['a comment line that never ends', ': ', Buffer.alloc(64 * 1024, 'x')],
  ];
  for (const [name, start, piece] of shapes) {
    it(`${name}: dropped as oversize with bounded bytes taken in, counted, resumed from the durable cursor`, async () => {
      const lastEventIds: (string | undefined)[] = [];
      const sent = { bytes: 0, closed: false };
      const server = await tinyServer((req, res) => {
        if (new URL(req.url ?? '/', 'http://x').pathname !== PUSH_ENDPOINT) return void res.writeHead(404).end();
        lastEventIds.push(req.headers['last-event-id'] as string | undefined);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (lastEventIds.length === 1) {
          // One real event first, so the resume point is a durable one, then the flood.
          res.write(openFrame(0) + eventFrame(1) + start);
          flood(res, piece, HOSTILE_BYTES, sent);
        } else {
          res.write(openFrame(1));
        }
      });
      servers.push(server);
      const transport = countingTransport();
      const h = makeStream(server, { fetch: transport.fetch });
      streams.push(h.stream);
      h.stream.start();

      const reopened = await waitForStatus(h.stream, (s) => s.state === 'open' && s.connects === 2, 'the drop and the reconnect', 60_000);
      expect(reopened.lastError).toMatchObject({ code: 'oversize' });
      expect(reopened.oversizeDrops).toBe(1);
      expect(reopened.malformed.oversize).toBe(0); // not a skipped frame: the connection went
      expect(storedIds(h.memory)).toEqual([1]);
      expect(lastEventIds).toEqual([undefined, '1']);
      // The relay took in at most the cap and one read more (plus the frames before the flood)…
      expect(transport.received[0]!).toBeLessThanOrEqual(MAX_PENDING_EVENT_CHARS + 2 * piece.length);
      // …and let go long before the server was done (what it wrote beyond that sat in socket buffers).
      await waitFor(() => sent.closed, { what: 'the server to see the connection closed' });
      expect(sent.bytes).toBeLessThan(HOSTILE_BYTES / 4);
      expect(h.logs.some((l) => /oversize: .*without ending it; dropped the connection; retry in \d+ ms/.test(l))).toBe(true);
    }, 90_000);
  }
});

describe('PushStream: a server that answers every connection with subscription.lag', () => {
  it('a few immediate reconnects, then the backoff: few connections over two minutes', async () => {
    let connections = 0;
    const server = await tinyServer((req, res) => {
      connections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(openFrame(0) + encodeSseFrame(frame(METHOD.lag, { subscription_id: null, dropped_count: 1, buffer_capacity: 1, last_event_id: 0, detail: 'always' })));
    });
    servers.push(server);
    // The clock of the stream's timers moves only here, so "two minutes" is exact whatever the machine's load.
    const clock = manualClock();
    const h = makeStream(server, { clock, random: () => 0.5, backoff: { baseMs: 500, capMs: 60_000 } });
    streams.push(h.stream);
    const start = clock.now();
    h.stream.start();
    await waitForStatus(h.stream, (s) => s.lastError?.code === 'lag_storm' && s.nextRetryAt !== null, 'the lag_storm state');
    expect(connections).toBe(LAG_IMMEDIATE_MAX + 1);
    expect(h.stream.status().state).toBe('reconnecting');

    for (;;) {
      const next = clock.pending()[0];
      if (next === undefined || next > start + 120_000) break;
      const lags = h.stream.status().lag.count;
      clock.runNext();
      await waitForStatus(h.stream, (s) => s.lag.count === lags + 1 && s.nextRetryAt !== null, `lag ${lags + 1} handled`);
    }
    // 4 at once, then retries after 1, 1.75, 2.9, 4.6, 7.1, 10.9, 16.6, 25.1 and 30.3 s (decorrelated jitter,
    // random 0.5): 13 connections in two minutes, where an immediate reconnect made thousands per second.
    expect(connections).toBe(13);
    expect(h.stream.status().lag.count).toBe(13);
  });
});
