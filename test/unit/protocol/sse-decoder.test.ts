// The decoder every SSE reader shares (the push stream, the control plane's SSE answers, and the readers of the
// relay's /v1/stream): messages whole, whatever the chunking; and, for untrusted servers, the pending event capped
// whatever the server sends.
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_EVENT_CHARS } from '../../../relay/protocol/limits.js';
import { SseDecoder, type SseMessage } from '../../../relay/protocol/sse-decoder.js';

const decode = (chunks: string[]): SseMessage[] => {
  const d = new SseDecoder();
  return chunks.flatMap((c) => d.feed(c));
};

describe('SseDecoder', () => {
  it('decodes messages split anywhere across chunks, with CRLF, comments and multi-line data', () => {
    const text = ': keepalive\r\n\r\nid: 7\r\nevent: event\r\ndata: {"a":1}\r\n\r\nevent: status\ndata: x\ndata: y\n\n';
    for (let split = 0; split <= text.length; split++) {
      const d = new SseDecoder();
      const out = [...d.feed(text.slice(0, split)), ...d.feed(text.slice(split))];
      expect(out).toEqual([
        { event: 'event', data: '{"a":1}', id: '7' },
        { event: 'status', data: 'x\ny', id: '7' },
      ]);
    }
  });

  it('defaults the event name to "message" and dispatches nothing without data', () => {
    const d = new SseDecoder();
    expect(d.feed('event: ping\n\ndata:plain\n\n')).toEqual([{ event: 'message', data: 'plain', id: undefined }]);
  });

  it('parses events, ids, multi-line data and comments, whatever the chunking', () => {
    const text = ': keepalive\n\nid: 7\nevent: event\ndata: {"a":1}\n\nevent: status\ndata: line1\ndata: line2\n\n';
    const expected = [
      { event: 'event', data: '{"a":1}', id: '7' },
      { event: 'status', data: 'line1\nline2', id: '7' },
    ];
    expect(decode([text])).toEqual(expected);
    expect(decode(text.split(''))).toEqual(expected);
    expect(decode([text.slice(0, 13), text.slice(13, 30), text.slice(30)])).toEqual(expected);
  });

  it('accepts CRLF and CR line ends, including a CRLF split across chunks', () => {
    expect(decode(['event: a\r', '\ndata: x\r\n\r', '\n'])).toEqual([{ event: 'a', data: 'x', id: undefined }]);
    expect(decode(['data: y\r\r'])).toEqual([{ event: 'message', data: 'y', id: undefined }]);
  });

  it('dispatches nothing for a message without data, and keeps a partial message until its blank line', () => {
    expect(decode(['event: status\n\n'])).toEqual([]);
    expect(decode(['data: partial\n'])).toEqual([]);
  });

  it('hands on a message of a CR-only stream with the chunk that ends it, not with the next one', () => {
    const d = new SseDecoder();
    expect(d.feed('event: a\rdata: 1\r\r')).toEqual([{ event: 'a', data: '1', id: undefined }]);
    expect(d.feed('\ndata: 2\r\r')).toEqual([{ event: 'message', data: '2', id: undefined }]);
  });

  it('decodes a long message that arrives in many small chunks', () => {
    const data = 'x'.repeat(200_000);
    const text = `event: event\ndata: ${data}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 64) chunks.push(text.slice(i, i + 64));
    expect(decode(chunks)).toEqual([{ event: 'event', data, id: undefined }]);
  });
});

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** Feeds `chunk` until the decoder overflows; returns how many characters it took (what it may be holding). */
function feedUntilOverflow(d: SseDecoder, chunk: string, limit: number): number {
  let fed = 0;
  while (fed <= limit * 2) {
    fed += chunk.length;
    d.feed(bytes(chunk));
    if (d.overflowed) return fed;
  }
  throw new Error(`the decoder took ${fed} characters without overflowing`);
}

describe('SseDecoder on bytes from an untrusted server (maxPendingChars)', () => {
  const capped = () => new SseDecoder({ maxPendingChars: MAX_PENDING_EVENT_CHARS });

  it('passes messages through: split across chunks, CRLF, a comment, a multi-byte character cut in two', () => {
    const d = capped();
    const wire = bytes('id: 7\r\nevent: notifications.pact.heartbeat\r\n: keep-alive\r\ndata: {"a":"€"}\r\n\r\ndata: two\n\n');
    const got: SseMessage[] = [];
    for (let i = 0; i < wire.length; i += 5) {
      got.push(...d.feed(wire.subarray(i, i + 5)));
      expect(d.overflowed).toBe(false);
    }
    expect(got).toEqual([
      { id: '7', event: 'notifications.pact.heartbeat', data: '{"a":"€"}' },
      { id: '7', event: 'message', data: 'two' },
    ]);
  });

  // The shapes a server can use to make a client buffer without end. The decoder must overflow within one
  // chunk of the cap: everything it has taken since the event began is what it holds.
  const CHUNK = 64 * 1024;
  const shapes: [string, string, string][] = [
    ['a data line that never ends', 'data: ', 'x'.repeat(CHUNK)],
    ['data lines without the blank line', '', `data: ${'x'.repeat(CHUNK - 7)}\n`],
    ['a comment line that never ends', ': ', 'x'.repeat(CHUNK)],
    ['an unknown field line that never ends', 'padding: ', 'x'.repeat(CHUNK)],
  ];
  for (const [name, start, chunk] of shapes) {
    it(`${name}: overflows past the cap, having held at most the cap plus one chunk`, () => {
      const d = capped();
      expect(d.feed(bytes('data: before\n\n')).map((m) => m.data)).toEqual(['before']);
      d.feed(bytes(start));
      const held = feedUntilOverflow(d, chunk, MAX_PENDING_EVENT_CHARS);
      expect(held).toBeGreaterThan(MAX_PENDING_EVENT_CHARS - chunk.length);
      // (+1 KiB: the `data: ` prefixes the parser does not keep)
      expect(held).toBeLessThanOrEqual(MAX_PENDING_EVENT_CHARS + chunk.length + 1024);
      // Overflowed for good: nothing after it is parsed (the stream has lost its framing).
      expect(d.feed(bytes('\n\ndata: after\n\n'))).toEqual([]);
      expect(d.overflowed).toBe(true);
    });
  }

  it('a frame over the frame limit that ends is still delivered (the frame decoder skips it; the stream stays up)', () => {
    const got = capped().feed(bytes(`data: ${'x'.repeat(2 * 1024 * 1024)}\n\n`));
    expect(got).toHaveLength(1);
    expect(got[0]!.data).toHaveLength(2 * 1024 * 1024);
  });

  it('the cap is per event: many events that each end never add up to it', () => {
    const d = new SseDecoder({ maxPendingChars: 1000 });
    for (let i = 0; i < 100; i++) {
      expect(d.feed(bytes(`data: ${'y'.repeat(500)}\n\n`))).toHaveLength(1);
      expect(d.overflowed).toBe(false);
    }
    d.feed(bytes(`data: ${'y'.repeat(2000)}`));
    expect(d.overflowed).toBe(true);
  });

  it('without a cap, nothing overflows (the relay\'s own stream)', () => {
    const d = new SseDecoder();
    d.feed(`data: ${'z'.repeat(3 * MAX_PENDING_EVENT_CHARS)}`);
    expect(d.overflowed).toBe(false);
  });
});
