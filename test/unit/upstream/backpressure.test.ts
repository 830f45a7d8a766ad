// PushStream stops reading while events wait for a slow inbox — by count, and by size: a server's events are
// up to the frame limit each, so a thousand queued ones could be a gigabyte (push-stream.ts maxQueuedChars).
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import type { AppendResult, IncomingEvent } from '../../../relay/inbox/types.js';
import { frame, METHOD } from '../../../relay/protocol/frames.js';
import { encodeSseFrame } from '../../../relay/protocol/sse.js';
import { PushStream } from '../../../relay/upstream/push-stream.js';
import { waitFor } from '../../helpers/wait-for.js';
import { eventLoopTurns, memoryTransport } from './memory-transport.js';

const streams: PushStream[] = [];
let release: () => void = () => undefined;
afterEach(async () => {
  release();
  for (const s of streams.splice(0)) await s.stop();
});

const BLOB = 'x'.repeat(100 * 1024);
const eventText = (id: number) =>
  encodeSseFrame(frame(METHOD.event, { subscription_id: 's', event_id: id, topic: 'custom.t', category: 'custom', occurred_at: '2026-11-21T00:00:00.000Z', payload: { blob: BLOB } }), id);

describe('PushStream: backpressure by size', () => {
  it('with 100 KiB events and a 1 MiB bound, 11 wait for the inbox, whatever the count bound', async () => {
    // An endless stream of 100 KiB events, one per read.
    let id = 0;
    const transport = memoryTransport(() => {
      let opened = false;
      return () => new Uint8Array(Buffer.from(opened ? eventText(++id) : ((opened = true), encodeSseFrame(frame(METHOD.open, { client_id: 'c', subscriptions: [], cursor: 0 })))));
    });
    const memory = new MemoryInbox();
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      append: async (events: IncomingEvent[]): Promise<AppendResult> => {
        await gate; // the disk is slow until the test says otherwise
        return memory.append(events);
      },
      resumeCursor: memory.resumeCursor.bind(memory),
      raiseResumeCursor: memory.raiseResumeCursor.bind(memory),
    };
    const stream = new PushStream({
      server: 'http://127.0.0.1:1',
      apiKey: 'key-0123456789',
      clientId: 'c',
      source: { server: 'http://127.0.0.1:1', tenant: 't' },
      inbox: slow,
      fetch: transport.fetch,
      maxQueuedEvents: 1000,
      maxQueuedChars: 1024 * 1024,
    });
    streams.push(stream);
    stream.start();
    // One event is in the stuck append; the next ones queue until their text reaches the bound. The frame's
    // data line is what counts (its JSON), so the bound is met by exactly this many:
    const perEvent = eventText(1).split('\n').find((l) => l.startsWith('data: '))!.length - 'data: '.length;
    const bound = Math.ceil((1024 * 1024) / perEvent);
    expect(bound).toBe(11);
    await waitFor(() => stream.status().queued >= bound, { what: `${bound} events queued behind the slow append` });
    const reads = transport.reads;
    // In memory a read takes one turn of the event loop: had the stream kept reading, a hundred turns would
    // have brought a hundred more events.
    await eventLoopTurns(100);
    expect(transport.reads).toBe(reads);
    expect(stream.status().queued).toBe(bound);
    release();
    await waitFor(() => memory.readSince(0).length > 20, { what: 'reading to go on once the inbox caught up' });
  });
});
