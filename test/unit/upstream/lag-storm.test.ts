// Lag reconnects (lag-reconnects.ts, push-stream.ts): immediate the first times within a minute, then through
// the failure backoff. A transport in memory that answers every connection with subscription.open and a
// subscription.lag frame, and a clock that moves only when the test says, so each delay is exact.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { frame, METHOD } from '../../../relay/protocol/frames.js';
import { encodeSseFrame } from '../../../relay/protocol/sse.js';
import { LAG_IMMEDIATE_MAX, LAG_WINDOW_MS, LagReconnects } from '../../../relay/upstream/lag-reconnects.js';
import { PushStream } from '../../../relay/upstream/push-stream.js';
import { manualClock } from '../../helpers/manual-clock.js';
import { waitFor } from '../../helpers/wait-for.js';
import { memoryTransport } from './memory-transport.js';

const LAG_ANSWER = Buffer.from(
  encodeSseFrame(frame(METHOD.open, { client_id: 'c', subscriptions: [], cursor: 0 })) +
    encodeSseFrame(frame(METHOD.lag, { subscription_id: null, dropped_count: 5, buffer_capacity: 10, last_event_id: 0, detail: 'full' })),
);

/** Every connection is answered with the lag answer, then nothing until the relay lets go. */
function lagTransport() {
  return memoryTransport(() => {
    let sent = false;
    return () => (sent ? undefined : ((sent = true), new Uint8Array(LAG_ANSWER)));
  });
}

const streams: PushStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) await s.stop();
});

function lagStream() {
  const transport = lagTransport();
  const clock = manualClock();
  const logs: string[] = [];
  const stream = new PushStream({
    server: 'http://127.0.0.1:1',
    apiKey: 'key-0123456789',
    clientId: 'c',
    source: { server: 'http://127.0.0.1:1', tenant: 't' },
    inbox: new MemoryInbox(),
    fetch: transport.fetch,
    clock,
    random: () => 0.5,
    log: (line) => logs.push(line),
  });
  streams.push(stream);
  return { stream, transport, clock, logs };
}

const lagsSeen = (stream: PushStream, n: number) =>
  waitFor(() => stream.status().lag.count === n && !stream.status().queued && stream.status().nextRetryAt !== null, { what: `lag frame ${n} handled` });

describe('LagReconnects', () => {
  it('a storm begins past the limit within a minute and lasts until a minute passes without a lag', () => {
    const w = new LagReconnects();
    expect([w.note(0), w.note(10), w.note(20), w.note(30)]).toEqual([false, false, false, true]);
    expect(w.recent(30)).toBe(4);
    // Lags 50 s apart: only two within any minute, but the storm goes on (the backoff has grown that far).
    expect([w.note(50_030), w.note(100_030)]).toEqual([true, true]);
    expect(w.recent(100_030)).toBe(2);
    expect(w.storming(100_030 + LAG_WINDOW_MS - 1)).toBe(true);
    expect(w.storming(100_030 + LAG_WINDOW_MS)).toBe(false);
    // A quiet minute ended it: immediate again, up to the limit.
    expect([w.note(200_000), w.note(200_001), w.note(200_002), w.note(200_003)]).toEqual([false, false, false, true]);
  });
});

describe('PushStream: lag reconnects', () => {
  it(`the first ${LAG_IMMEDIATE_MAX} within a minute are immediate; then each waits out the growing backoff`, async () => {
    const { stream, transport, clock, logs } = lagStream();
    stream.start();
    // Immediate: no timer runs between the first four connections.
    const storm = await waitFor(() => (stream.status().lastError?.code === 'lag_storm' ? stream.status() : undefined), { what: 'the lag_storm state' });
    expect(transport.requests).toBe(LAG_IMMEDIATE_MAX + 1);
    expect(storm.state).toBe('reconnecting');
    expect(storm.lastError!.message).toMatch(/keeps answering with subscription\.lag \(4 within 60 s/);
    // Decorrelated jitter with random 0.5 from a 500 ms base: 1000, then 500 + (3·prev − 500)/2.
    const delays: number[] = [storm.nextRetryAt! - clock.now()];
    expect(clock.pending()).toEqual([storm.nextRetryAt]); // the retry only: no watchdog, no other timer
    for (let n = LAG_IMMEDIATE_MAX + 2; n <= LAG_IMMEDIATE_MAX + 4; n++) {
      const before = logs.length;
      clock.runNext();
      await lagsSeen(stream, n);
      expect(transport.requests).toBe(n);
      delays.push(stream.status().nextRetryAt! - clock.now());
      // One line per backed-off reconnect: connecting, connected and state lines stay quiet in a storm.
      expect(logs.slice(before)).toHaveLength(1);
      expect(logs.at(-1)).toMatch(/lag_storm: .*; retry in \d+ ms/);
    }
    expect(delays).toEqual([1000, 1750, 2875, 4563]);
  });

  it('a minute without a lag makes them immediate again', async () => {
    const { stream, transport, clock } = lagStream();
    stream.start();
    await waitFor(() => stream.status().lastError?.code === 'lag_storm', { what: 'the lag_storm state' });
    await stream.pause();
    clock.advanceTo(clock.now() + LAG_WINDOW_MS);
    stream.resume();
    await waitFor(() => transport.requests === 2 * (LAG_IMMEDIATE_MAX + 1) && stream.status().nextRetryAt !== null, { what: 'four more connections' });
    expect(stream.status().lastError?.code).toBe('lag_storm');
    expect(stream.status().lag.count).toBe(2 * (LAG_IMMEDIATE_MAX + 1));
  });
});
