// The decoder every reader of the relay's /v1/stream shares (the inbox UI, the MCP channel feed, `push-relay
// watch`): messages whole, whatever the chunking.
import { describe, expect, it } from 'vitest';
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
