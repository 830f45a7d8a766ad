// sse-feed.ts: SSE bytes to messages, with the pending event capped whatever the server sends.
import { describe, expect, it } from 'vitest';
import type { SseMessage } from '../../../relay/upstream/frame-decoder.js';
import { createSseFeed, MAX_PENDING_EVENT_CHARS } from '../../../relay/upstream/sse-feed.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** Pushes `chunk` until the feed refuses; returns how many characters it took (what it may be holding). */
function feedUntilRefused(push: (chunk: Uint8Array) => boolean, chunk: string, limit: number): number {
  let fed = 0;
  while (fed <= limit * 2) {
    fed += chunk.length;
    if (!push(bytes(chunk))) return fed;
  }
  throw new Error(`the feed took ${fed} characters without refusing`);
}

describe('createSseFeed', () => {
  it('passes messages through: split across chunks, CRLF, a comment, a multi-byte character cut in two', () => {
    const got: SseMessage[] = [];
    const feed = createSseFeed((m) => got.push(m));
    const wire = bytes('id: 7\r\nevent: notifications.pact.heartbeat\r\n: keep-alive\r\ndata: {"a":"€"}\r\n\r\ndata: two\n\n');
    for (let i = 0; i < wire.length; i += 5) expect(feed.push(wire.subarray(i, i + 5))).toBe(true);
    expect(got).toEqual([
      { id: '7', event: 'notifications.pact.heartbeat', data: '{"a":"€"}' },
      { id: undefined, event: undefined, data: 'two' },
    ]);
  });

  // The three shapes a server can use to make a client buffer without end. The feed must refuse within one
  // chunk of the cap: everything it has taken since the event began is what it holds.
  const CHUNK = 64 * 1024;
  const shapes: [string, string, string][] = [
    ['a data line that never ends', 'data: ', 'x'.repeat(CHUNK)],
    ['data lines without the blank line', '', `data: ${'x'.repeat(CHUNK - 7)}\n`],
    ['a comment line that never ends', ': ', 'x'.repeat(CHUNK)],
    ['an unknown field line that never ends', 'padding: ', 'x'.repeat(CHUNK)],
  ];
  for (const [name, start, chunk] of shapes) {
    it(`${name}: refused past the cap, having held at most the cap plus one chunk`, () => {
      const got: SseMessage[] = [];
      const feed = createSseFeed((m) => got.push(m));
      expect(feed.push(bytes('data: before\n\n'))).toBe(true);
      expect(feed.push(bytes(start))).toBe(true);
      const held = feedUntilRefused((c) => feed.push(c), chunk, MAX_PENDING_EVENT_CHARS);
      expect(held).toBeGreaterThan(MAX_PENDING_EVENT_CHARS - chunk.length);
      // (+1 KiB: the `data: ` prefixes the parser does not keep)
      expect(held).toBeLessThanOrEqual(MAX_PENDING_EVENT_CHARS + chunk.length + 1024);
      // Refused for good: nothing after it is parsed (the stream has lost its framing).
      expect(feed.push(bytes('\n\ndata: after\n\n'))).toBe(false);
      expect(got.map((m) => m.data)).toEqual(['before']);
    });
  }

  it('a frame over the frame limit that ends is still delivered (the decoder skips it; the stream stays up)', () => {
    const got: SseMessage[] = [];
    const feed = createSseFeed((m) => got.push(m));
    expect(feed.push(bytes(`data: ${'x'.repeat(2 * 1024 * 1024)}\n\n`))).toBe(true);
    expect(got).toHaveLength(1);
    expect(got[0]!.data).toHaveLength(2 * 1024 * 1024);
  });

  it('the cap is per event: many events that each end never add up to it', () => {
    const feed = createSseFeed(() => undefined, 1000);
    for (let i = 0; i < 100; i++) expect(feed.push(bytes(`data: ${'y'.repeat(500)}\n\n`))).toBe(true);
    expect(feed.push(bytes(`data: ${'y'.repeat(2000)}`))).toBe(false);
  });
});
