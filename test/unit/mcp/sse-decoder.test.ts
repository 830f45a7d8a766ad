import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../../../relay/local/mcp/sse-decoder.js';

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
});
