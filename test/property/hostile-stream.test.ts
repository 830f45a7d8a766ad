// A hostile or broken push server on a live stream (DESIGN.md "Failure behaviour": malformed frame, unknown
// method, oversize data → skip, count; stream stays up): random bytes between real frames, and events whose
// payload is valid JSON the rest of the relay cannot handle (nested thousands deep). The stream must stay
// open on one connection and store every real event exactly once.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { frame, METHOD } from '../../relay/protocol/frames.js';
import { encodeSseFrame } from '../../relay/protocol/sse.js';
import { PushStream } from '../../relay/upstream/push-stream.js';
import { tempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A push server whose log holds raw SSE text per event: a GET replays everything after Last-Event-ID, then
 * stays open. `log[i]` is the wire text of event i + 1.
 */
interface RawServer {
  url: string;
  log: string[];
  connects: number;
  live: Set<ServerResponse>;
  /** Writes raw bytes to every open stream. */
  inject(text: string | Buffer): void;
  close(): Promise<void>;
}

async function rawServer(): Promise<RawServer> {
  const live = new Set<ServerResponse>();
  const state: RawServer = {
    url: '',
    log: [],
    connects: 0,
    live,
    inject: (text) => {
      for (const res of live) res.write(text);
    },
    close: async () => {
      for (const res of live) res.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  const http: Server = createServer((req, res) => {
    state.connects++;
    const after = Number(req.headers['last-event-id'] ?? 0) || 0;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(encodeSseFrame(frame(METHOD.open, { client_id: 'hostile', subscriptions: [], cursor: state.log.length })));
    for (let i = after; i < state.log.length; i++) res.write(state.log[i]!);
    live.add(res);
    res.on('close', () => live.delete(res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return state;
}

function eventFrame(id: number, payloadJson: string): string {
  const params =
    `{"subscription_id":"sub-1","event_id":${id},"topic":"custom.hostile","category":"custom",` +
    `"occurred_at":"2026-11-21T00:00:00.000Z","payload":${payloadJson}}`;
  return `id: ${id}\nevent: notifications.pact.event\ndata: {"jsonrpc":"2.0","method":"${METHOD.event}","params":${params}}\n\n`;
}

let server: RawServer;
let dir: TempDir;
let inbox: FileInbox;
let stream: PushStream;
const ids = () => inbox.readSince(0, { limit: 1_000_000 }).map((e) => e.event_id);

/** Appends an event to the server's log and sends it live. */
function emit(payloadJson: string): number {
  const id = server.log.length + 1;
  const text = eventFrame(id, payloadJson);
  server.log.push(text);
  server.inject(text);
  return id;
}

beforeAll(async () => {
  server = await rawServer();
  dir = await tempDir('hostile-stream-');
  inbox = await FileInbox.open({ dir: dir.path, compactEveryMs: 0 });
  stream = new PushStream({
    server: server.url,
    apiKey: 'hostile-key',
    clientId: 'hostile',
    source: { server: 'hostile', tenant: 't' },
    inbox,
    heartbeatMs: 60_000,
    backoff: { baseMs: 20, capMs: 200 },
  });
  stream.start();
  await waitFor(() => stream.status().state === 'open', { what: 'open' });
});

afterAll(async () => {
  await stream?.stop();
  await inbox?.close();
  await server?.close();
  await dir?.cleanup();
});

describe('hostile push server, live stream', () => {
  it('an event whose payload nests 5,000 deep is skipped as malformed; the events around it are stored', async () => {
    const before = ids().length;
    const a = emit('{"n":1}');
    const deep = emit(`${'['.repeat(5000)}${']'.repeat(5000)}`.replace(/^\[/, '{"x":[').replace(/\]$/, ']}'));
    const b = emit('{"n":2}');
    await waitFor(() => ids().includes(b), { timeoutMs: 20_000, what: `event ${b} after the deep one (status ${JSON.stringify(stream.status().lastError)})` });
    expect(ids().slice(before)).toEqual([a, b]);
    expect(ids()).not.toContain(deep);
    const s = stream.status();
    expect(s.malformed.invalid_frame).toBeGreaterThanOrEqual(1);
    expect(s).toMatchObject({ state: 'open', connects: 1 });
  });

  it('random bytes between real frames never break the stream or lose an event', async () => {
    const arbGarbage = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `data: ${s.replace(/[\r\n]/g, ' ')}\n\n`),
      fc.jsonValue({ maxDepth: 4 }).map((v) => `data: ${JSON.stringify(v)}\n\n`),
      fc.constantFrom('event: notifications.pact.event\ndata: {"jsonrpc":"2.0","method":"notifications/pact/event","params":{"event_id":-1}}\n\n', 'retry: 1\n\n', ': comment\n\n', 'id: 99999\n\n'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arbGarbage, { minLength: 1, maxLength: 5 }), async (garbage) => {
        for (const g of garbage) server.inject(g);
        // A garbage chunk may end inside an SSE field: a blank line ends whatever message it started.
        server.inject('\n\n');
        const id = emit(JSON.stringify({ after: garbage.length }));
        await waitFor(() => ids().includes(id), { timeoutMs: 20_000, what: `event ${id} after garbage` });
      }),
      { numRuns: 40 },
    );
    const all = ids();
    expect(new Set(all).size).toBe(all.length);
    expect(stream.status()).toMatchObject({ state: 'open', connects: 1 }); // garbage never cost the connection
  }, 120_000);
});
