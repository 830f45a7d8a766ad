// Hostile input to the push-channel codec (DESIGN.md "Failure behaviour": malformed frame → skip, count, log):
// decodeFrame and the frame schemas take whatever a server or the network sends. They never throw, classify
// everything they refuse as one of the malformed kinds, keep their log detail short and printable, and never let
// a payload touch Object.prototype.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHOD, PushEventSchema, PushFrameSchema } from '../../relay/protocol/frames.js';
import type { SseMessage } from '../../relay/protocol/sse-decoder.js';
import { decodeFrame, isMalformed, MALFORMED_KINDS, MAX_FRAME_BYTES, MAX_FRAME_DEPTH, type DecodeResult } from '../../relay/upstream/frame-decoder.js';

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

/** Decodes and checks the invariants every result must hold. */
function decode(data: string, event = 'message', id?: string): DecodeResult {
  // Whatever the SSE `event:` and `id:` say, only `data:` decides (seed 000).
  const message: SseMessage = { event, data, id };
  const result = decodeFrame(message);
  if (isMalformed(result)) {
    expect(MALFORMED_KINDS).toContain(result.malformed);
    expect(result.detail.length).toBeLessThan(400);
    // eslint-disable-next-line no-control-regex
    expect(result.detail).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  } else {
    expect(Object.values(METHOD)).toContain(result.frame.method);
  }
  return result;
}

function objectPrototypeIsClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PRISTINE);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).event_id).toBeUndefined();
}
const PRISTINE = Object.getOwnPropertyNames(Object.prototype).sort();

const arbKey = fc.oneof(fc.constantFrom(...PROTO_KEYS, 'event_id', 'payload', 'params', 'method', 'jsonrpc', 'polluted'), fc.string({ maxLength: 12 }));
/** JSON objects with prototype-pollution keys sprinkled in, as text (so `__proto__` stays an own key). */
const arbHostileJsonText: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
  object: fc.array(fc.tuple(arbKey, tie('value')), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
})).value as fc.Arbitrary<string>;

const validEvent = (payloadText: string, extra = '') =>
  `{"jsonrpc":"2.0","method":"${METHOD.event}","params":{"subscription_id":"s","event_id":7,"topic":"custom.x","category":"custom",` +
  `"occurred_at":"2026-11-21T00:00:00Z","payload":${payloadText}${extra}}}`;

describe('decodeFrame never throws', () => {
  it('on random strings (any code unit, lone surrogates included)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.option(fc.string()), (data, event) => void decode(data, event ?? undefined)), { numRuns: 2000 });
  });

  it('on random JSON values and random JSON-RPC envelopes', () => {
    const arbEnvelope = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
        method: fc.oneof(fc.constantFrom(...Object.values(METHOD)), fc.string()),
        params: fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('event_id', 'topic', 'category', 'occurred_at', 'payload', 'subscription_id', 'cursor', 'subscriptions', 'client_id', 'dropped_count', 'buffer_capacity', 'last_event_id', 'detail'), fc.jsonValue())),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), arbEnvelope), (value) => {
        decode(JSON.stringify(value) ?? 'null');
      }),
      { numRuns: 2000 },
    );
  });

  it('on invalid UTF-8 bytes decoded as text, as the SSE parser does', () => {
    const decoder = new TextDecoder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, wrap) => {
        const text = decoder.decode(bytes);
        decode(wrap ? validEvent(JSON.stringify({ text })) : text);
        if (wrap) expect(isMalformed(decodeFrame({ data: validEvent(JSON.stringify({ text })) }))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('on a 10 MB data line: oversize, without parsing it', () => {
    const huge = validEvent(JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) }));
    expect(decode(huge)).toMatchObject({ malformed: 'oversize' });
    // Multi-byte text just under the limit in UTF-16 units but over it in UTF-8 bytes is oversize too.
    const wide = validEvent(JSON.stringify({ blob: 'é'.repeat(MAX_FRAME_BYTES / 2 + 10) }));
    expect(wide.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(decode(wide)).toMatchObject({ malformed: 'oversize' });
    // Not-JSON garbage of that size is refused by size too, before JSON.parse sees it.
    expect(decode('{'.repeat(10 * 1024 * 1024))).toMatchObject({ malformed: 'oversize' });
  });

  it('on deeply nested JSON: within the limit decoded, beyond it invalid_frame (never a RangeError later)', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const payload = `{"deep":${open.repeat(depth)}1${close.repeat(depth)}}`;
        const result = decode(validEvent(payload));
        if (payload.length > MAX_FRAME_BYTES) return; // oversize, checked above
        const total = depth + 1; // + the payload object itself
        if (total + 2 > MAX_FRAME_DEPTH) expect(result).toMatchObject({ malformed: 'invalid_frame' });
        else expect(isMalformed(result)).toBe(false);
      }),
      { numRuns: 300 },
    );
    // Brackets inside strings are text, not nesting.
    expect(isMalformed(decode(validEvent(JSON.stringify({ s: '['.repeat(5000) + '\\"{'.repeat(100) }))))).toBe(false);
    // And whatever decodes can be serialized again (the inbox log, the local API and MCP results do).
    const ok = decode(validEvent(`{"a":${nested(MAX_FRAME_DEPTH - 4)}}`));
    expect(isMalformed(ok)).toBe(false);
    expect(() => JSON.stringify(ok)).not.toThrow();
  });
});

describe('prototype-pollution keys in frames and payloads', () => {
  it('never reach Object.prototype, and never turn into inherited fields', () => {
    fc.assert(
      fc.property(arbHostileJsonText, fc.constantFrom('', ',"__proto__":{"polluted":true,"event_id":1}', ',"constructor":{"prototype":{"polluted":1}}'), (payloadText, extra) => {
        const payload = payloadText.startsWith('{') ? payloadText : `{"v":${payloadText}}`;
        const result = decode(validEvent(payload, extra));
        objectPrototypeIsClean();
        if (isMalformed(result)) return;
        const params = result.frame.params as Record<string, unknown>;
        // zod copies objects; a `__proto__` key must be dropped or kept as data, never become the prototype.
        for (const obj of [params, params.payload as object]) {
          const proto = Object.getPrototypeOf(obj) as unknown;
          expect(proto === Object.prototype || proto === null).toBe(true);
        }
        expect((params as { polluted?: unknown }).polluted).toBeUndefined();
      }),
      { numRuns: 1500 },
    );
    // The schemas alone, on parsed objects with own `__proto__` keys.
    const hostile = JSON.parse('{"event_id":1,"topic":"t","category":"c","occurred_at":"x","payload":{"__proto__":{"polluted":1}},"__proto__":{"polluted":2}}') as unknown;
    const event = PushEventSchema.parse(hostile);
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(event.payload)).toBe(Object.prototype);
    expect((event.payload as { polluted?: unknown }).polluted).toBeUndefined();
    expect(PushFrameSchema.safeParse(JSON.parse('{"__proto__":{"jsonrpc":"2.0","method":"notifications/pact/heartbeat","params":{"cursor":1}}}')).success).toBe(false);
    objectPrototypeIsClean();
  });
});
