// Bounds on what a push server's control-plane answers can make the relay hold (a server is untrusted, in
// size too). The MCP SDK reads bodies itself — `response.json()`, `response.text()` for an error, an SSE
// parser without a limit for event streams — so the bound goes into the fetch it is given: each response's
// body passes through a stream that counts.
//   - An error answer (4xx/5xx) is cut after MAX_ERROR_BODY_BYTES: only its start is ever shown.
//   - A JSON answer fails past MAX_CONTROL_BODY_BYTES (a cut one would only fail later, as bad JSON).
//   - An event stream may be long-lived, so what is bounded is one pending SSE event, as on the push stream
//     (sse-decoder.ts, fed a copy of the bytes); past it the stream fails.
import { MAX_FRAME_BYTES } from './frame-decoder.js';
import type { FetchFn } from './guarded-fetch.js';
import { MAX_PENDING_EVENT_CHARS } from '../protocol/limits.js';
import { SseDecoder } from '../protocol/sse-decoder.js';

/** Largest JSON answer of a control-plane call: a topic catalog or subscription list is far smaller. */
export const MAX_CONTROL_BODY_BYTES = 4 * MAX_FRAME_BYTES;
/** How much of an error answer is read; the message shown keeps less. */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** Statuses whose Response may not have a body (the constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'body_too_large';
}

export function capResponseBodies(fetch: FetchFn): FetchFn {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body || NULL_BODY_STATUSES.has(res.status)) return res;
    const where = `${new URL(input instanceof URL ? input.href : input).origin}`;
    const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
    const limit =
      res.status >= 400
        ? truncateAfter(MAX_ERROR_BODY_BYTES)
        : contentType.startsWith('text/event-stream')
          ? failOnEndlessEvent(where)
          : failAfter(MAX_CONTROL_BODY_BYTES, where);
    return new Response(res.body.pipeThrough(limit), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function truncateAfter(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      const room = max - seen;
      if (room <= 0) return;
      seen += chunk.length;
      controller.enqueue(chunk.length > room ? chunk.subarray(0, room) : chunk);
      if (seen >= max) controller.terminate();
    },
  });
}

function failAfter(max: number, where: string): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > max) controller.error(new BodyTooLargeError(`${where} answered with more than ${max} bytes; not read further`));
      else controller.enqueue(chunk);
    },
  });
}

function failOnEndlessEvent(where: string): TransformStream<Uint8Array, Uint8Array> {
  const sse = new SseDecoder({ maxPendingChars: MAX_PENDING_EVENT_CHARS });
  return new TransformStream({
    transform(chunk, controller) {
      sse.feed(chunk);
      if (!sse.overflowed) controller.enqueue(chunk);
      else controller.error(new BodyTooLargeError(`${where} sent an SSE event without ending it within the size limit; not read further`));
    },
  });
}
