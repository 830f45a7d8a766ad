// Slow-loris against the loopback server (DESIGN.md "Local HTTP" and "Security"): headers dribbled a byte at a
// time, a body that never finishes, many of them at once. The server closes each after its headers / request
// timeout (shortened here through `timeouts`, so this takes seconds, not 30 s), keeps serving everyone else
// meanwhile, and never applies those bounds to responses: a long-poll outlives the request timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { startLocalServer, type LocalServer } from '../../../relay/local/server.js';
import { silentLogger } from '../../../relay/util/log.js';
import { fakeCore } from '../../helpers/fake-core.js';
import { converse, rawRequest, type Conversation, type RawResponse } from './raw-http.js';

const TOKEN = 'a'.repeat(64);
const HEADERS_MS = 1000;
const REQUEST_MS = 2000;

let server: LocalServer;
let port: number;
let host: string;
const inbox = new MemoryInbox();

beforeAll(async () => {
  server = await startLocalServer({
    core: fakeCore(inbox, 'slow-loris', () => Object.assign(new Error('no push server in this test'), { code: 'unavailable', status: 503 })),
    token: TOKEN,
    port: 0,
    version: 'test',
    log: silentLogger,
    timeouts: { headersMs: HEADERS_MS, requestMs: REQUEST_MS, checkEveryMs: 100 },
  });
  port = server.port;
  host = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await server?.close();
  await inbox.close();
});

/** Writes `text` one byte per `everyMs` until the connection closes (or the text runs out, then keeps silent). */
function dribble(c: Conversation, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (c.closed() || i >= text.length) {
      clearInterval(timer);
      return;
    }
    c.write(text[i++]!);
  }, everyMs);
  void c.done.then(() => clearInterval(timer));
}

async function healthy(): Promise<void> {
  const res = await rawRequest(port, `GET /v1/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  expect(res.status).toBe(200);
}

/** The server ended the connection itself (never our 15 s give-up), with a 408 or nothing. */
function expectClosedByServer(res: RawResponse, what: string): void {
  expect(res.ended, `${what}: ${res.raw.slice(0, 200)}`).not.toBe('timeout');
  expect([0, 408], `${what}: ${res.raw.slice(0, 200)}`).toContain(res.status);
  expect(res.raw).not.toContain(TOKEN);
}

describe('slow-loris', () => {
  it('headers dribbled byte by byte (never finished): closed after the headers timeout; others are served meanwhile', async () => {
    const c = await converse(port);
    // An endless header block: a real request line, then one header whose value never ends.
    dribble(c, `GET /v1/status HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nX-Slow: ${'z'.repeat(10_000)}`, 20);
    for (let i = 0; i < 5; i++) await healthy();
    expectClosedByServer(await c.done, 'dribbled headers');
    await healthy();
  });

  it('a body dribbled forever: closed after the request timeout', async () => {
    const c = await converse(port);
    const body = `{"up_to_seq":0,"pad":"${'x'.repeat(5000)}"}`;
    c.write(`POST /v1/ack HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    dribble(c, body, 20);
    for (let i = 0; i < 5; i++) await healthy();
    expectClosedByServer(await c.done, 'dribbled body');
    await healthy();
  });

  it('fifty at once, mixed with idle connections that send nothing: all closed, the server serves on', async () => {
    const slow: Promise<RawResponse>[] = [];
    for (let i = 0; i < 50; i++) {
      const c = await converse(port);
      if (i % 5 === 0) {
        // Connected, silent: nothing but the TCP handshake.
        c.write('G');
      } else if (i % 2 === 0) {
        dribble(c, `GET /v1/events HTTP/1.1\r\nHost: ${host}\r\nX-Pad: ${'p'.repeat(10_000)}`, 30);
      } else {
        c.write(`POST /v1/ack HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 50000\r\n\r\n{`);
      }
      slow.push(c.done);
    }
    await healthy();
    const results = await Promise.all(slow);
    results.forEach((res, i) => expectClosedByServer(res, `slow connection ${i}`));
    await healthy();
  });

  it('the bounds are on receiving requests only: a long-poll outlives the request timeout', async () => {
    const started = performance.now();
    const res = await rawRequest(port, `GET /v1/wait?consumer=patient&timeout_ms=${REQUEST_MS * 2} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`, 30_000);
    expect(res.status, res.raw.slice(0, 300)).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'timeout', consumer: 'patient', events: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(REQUEST_MS * 2 - 50);
    expect(inbox.stats().waiters).toBe(0);
  });
});
