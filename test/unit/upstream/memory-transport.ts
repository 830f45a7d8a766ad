// A push transport in memory for PushStream unit tests: every request gets a 200 event stream whose body is
// what `body(request)` hands out, one piece per read, until it returns undefined; then the read waits until
// the relay lets go (abort). A macrotask per request and per read, as a socket would take: a loop in the
// code under test then cannot starve the test's own timers.
import type { StreamFetch, StreamReader } from '../../../relay/upstream/http-fetch.js';

export interface MemoryTransport {
  fetch: StreamFetch;
  requests: number;
  /** read() calls answered with a piece, over all requests. */
  reads: number;
}

export function memoryTransport(body: (request: number) => () => Uint8Array | undefined): MemoryTransport {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const t: MemoryTransport = {
    requests: 0,
    reads: 0,
    fetch: (async (_input, init) => {
      const next = body(++t.requests);
      await turn();
      const signal = init?.signal ?? undefined;
      const released = new Promise<ReadableStreamReadResult<Uint8Array>>((resolve) => {
        signal?.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
      });
      const reader: StreamReader = {
        read: async () => {
          await turn();
          const piece = next();
          if (piece === undefined) return released;
          t.reads++;
          return { done: false, value: piece };
        },
        cancel: async () => undefined,
      };
      return {
        status: 200,
        url: 'http://127.0.0.1:1/mcp/push/sse',
        headers: { get: (n: string) => (n === 'content-type' ? 'text/event-stream' : null) },
        body: { getReader: () => reader, cancel: async () => undefined },
      };
    }) as StreamFetch,
  };
  return t;
}

/** Turns of the event loop: in memory, what the code under test would do next happens within a few. */
export async function eventLoopTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
