import { describe, expect, it } from 'vitest';
import { frame, METHOD } from '../../../relay/protocol/frames.js';
import { decodeFrame, isMalformed, MalformedCounter, MAX_FRAME_BYTES, type DecodeResult } from '../../../relay/upstream/frame-decoder.js';
import type { SseMessage } from '../../../relay/protocol/sse-decoder.js';

const msg = (data: string, event = 'message', id?: string): SseMessage => ({ data, event, id });

const eventParams = {
  subscription_id: 'sub-1',
  event_id: 7,
  topic: 'deal.won',
  category: 'crm',
  occurred_at: '2026-06-12T10:00:00',
  payload: { amount: 5 },
};

function kind(result: DecodeResult): string {
  return isMalformed(result) ? result.malformed : 'frame';
}

describe('decodeFrame', () => {
  it('decodes each of the four frames', () => {
    const open = decodeFrame(msg(JSON.stringify(frame(METHOD.open, { client_id: 'c', subscriptions: [], cursor: 3 }))));
    expect(open).toEqual({ frame: { jsonrpc: '2.0', method: METHOD.open, params: { client_id: 'c', subscriptions: [], cursor: 3 } } });
    const ev = decodeFrame(msg(JSON.stringify(frame(METHOD.event, eventParams)), 'notifications.pact.event', '7'));
    expect(ev).toEqual({ frame: { jsonrpc: '2.0', method: METHOD.event, params: eventParams } });
    const lag = decodeFrame(
      msg(JSON.stringify(frame(METHOD.lag, { subscription_id: null, dropped_count: 2, buffer_capacity: 100, last_event_id: 5, detail: 'd' }))),
    );
    expect(kind(lag)).toBe('frame');
    expect(kind(decodeFrame(msg(JSON.stringify(frame(METHOD.heartbeat, { cursor: 0 })))))).toBe('frame');
  });

  it('keeps fields a newer server adds', () => {
    const result = decodeFrame(msg(JSON.stringify(frame(METHOD.event, { ...eventParams, region: 'eu' }))));
    expect(isMalformed(result) ? undefined : result.frame.params).toMatchObject({ region: 'eu' });
  });

  it('ignores the SSE event name: the JSON envelope decides', () => {
    expect(kind(decodeFrame(msg(JSON.stringify(frame(METHOD.heartbeat, { cursor: 1 })), 'something.else')))).toBe('frame');
  });

  it('oversize: data over 1 MiB, before parsing', () => {
    const big = `{"jsonrpc":"2.0","method":"${METHOD.heartbeat}","params":{"cursor":1,"pad":"${'x'.repeat(MAX_FRAME_BYTES)}"}}`;
    const result = decodeFrame(msg(big));
    expect(result).toMatchObject({ malformed: 'oversize' });
    // counted in UTF-8 bytes: 400 Ki three-byte characters are 1.2 MiB
    expect(kind(decodeFrame(msg(`"${'€'.repeat(400 * 1024)}"`)))).toBe('oversize');
    expect(kind(decodeFrame(msg(`"${'€'.repeat(300 * 1024)}"`)))).toBe('not_jsonrpc');
    // a smaller limit can be given
    expect(kind(decodeFrame(msg(JSON.stringify(frame(METHOD.heartbeat, { cursor: 1 }))), 10))).toBe('oversize');
  });

  it('invalid_json: not JSON, truncated, binary garbage; the detail is short and printable', () => {
    for (const data of ['not json', '{"jsonrpc":"2.0",', '\u0000\u0001\uFFFD\u007f garbage', '']) {
      const result = decodeFrame(msg(data));
      expect(kind(result)).toBe('invalid_json');
      // eslint-disable-next-line no-control-regex
      if (isMalformed(result)) expect(result.detail).not.toMatch(/[\u0000-\u001f]/);
    }
    const long = decodeFrame(msg(`x${'y'.repeat(10_000)}`));
    expect(isMalformed(long) && long.detail.length).toBeLessThan(200);
  });

  it('not_jsonrpc: JSON that is not a JSON-RPC notification', () => {
    for (const data of ['42', 'null', '[1,2]', '"text"', '{}', '{"jsonrpc":"1.0","method":"x"}', '{"jsonrpc":"2.0","method":5}', '{"method":"notifications/pact/event"}']) {
      expect(kind(decodeFrame(msg(data))), data).toBe('not_jsonrpc');
    }
  });

  it('unknown_method: a valid notification we do not know', () => {
    const result = decodeFrame(msg('{"jsonrpc":"2.0","method":"notifications/pact/future","params":{}}', 'notifications.pact.future'));
    expect(result).toMatchObject({ malformed: 'unknown_method' });
    expect(isMalformed(result) && result.detail).toContain('notifications/pact/future');
  });

  it('invalid_frame: a known method whose params fail the schema', () => {
    const bad = [
      frame(METHOD.event, { ...eventParams, event_id: -1 }),
      frame(METHOD.event, { ...eventParams, payload: [] }),
      frame(METHOD.event, { topic: 'x' }),
      frame(METHOD.heartbeat, {}),
      frame(METHOD.lag, { dropped_count: 0, buffer_capacity: 1, last_event_id: 1, detail: '', subscription_id: null }),
      { jsonrpc: '2.0', method: METHOD.open },
    ];
    for (const f of bad) {
      const result = decodeFrame(msg(JSON.stringify(f)));
      expect(kind(result), JSON.stringify(f)).toBe('invalid_frame');
    }
    const result = decodeFrame(msg(JSON.stringify(frame(METHOD.event, { ...eventParams, event_id: 'seven' }))));
    expect(isMalformed(result) && result.detail).toMatch(/event_id/);
  });
});

describe('MalformedCounter', () => {
  it('counts per kind and flags the first of each kind', () => {
    const c = new MalformedCounter();
    expect(c.record('invalid_json')).toBe(true);
    expect(c.record('invalid_json')).toBe(false);
    expect(c.record('oversize')).toBe(true);
    expect(c.record('invalid_json')).toBe(false);
    expect(c.count('invalid_json')).toBe(3);
    expect(c.total).toBe(4);
    expect(c.snapshot()).toEqual({ oversize: 1, invalid_json: 3, not_jsonrpc: 0, unknown_method: 0, invalid_frame: 0 });
    expect(JSON.parse(JSON.stringify(c.snapshot()))).toEqual(c.snapshot());
  });
});
