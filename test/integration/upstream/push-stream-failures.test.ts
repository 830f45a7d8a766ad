// PushStream's failure behaviour (DESIGN.md "Failure behaviour", each row a test): refused keys, rate limits,
// a silent server, malformed frames, redirects.
import { afterEach, describe, expect, it } from 'vitest';
import { frame, METHOD } from '../../../relay/protocol/frames.js';
import { encodeSseFrame } from '../../../relay/protocol/sse.js';
import { PUSH_ENDPOINT } from '../../../relay/protocol/tools.js';
import type { ReferenceServer } from '../../../relay/reference-server/server.js';
import type { PushStream } from '../../../relay/upstream/push-stream.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  CLIENT,
  countingFetch,
  emitMany,
  KEY,
  makeStream,
  startServer,
  storedIds,
  TENANT,
  tinyServer,
  trackingClock,
  waitForState,
  waitForStatus,
  type TinyServer,
} from './harness.js';

const servers: { close(): Promise<void> }[] = [];
const streams: PushStream[] = [];

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<ReferenceServer> {
  const server = await startServer(options);
  servers.push(server);
  server.store.subscribe(TENANT, { client_id: CLIENT, topic: ['custom.*'] });
  return server;
}

async function tiny(handler: Parameters<typeof tinyServer>[0]): Promise<TinyServer> {
  const server = await tinyServer(handler);
  servers.push(server);
  return server;
}

function track<T extends { stream: PushStream }>(h: T): T {
  streams.push(h.stream);
  return h;
}

afterEach(async () => {
  for (const s of streams.splice(0)) await s.stop();
  for (const s of servers.splice(0)) await s.close();
});

describe('PushStream: refused key', () => {
  it('401 → unauthorized, no retries at all, until setApiKey; then it opens and events flow', async () => {
    const server = await serve();
    const counting = countingFetch();
    const clock = trackingClock();
    const h = track(makeStream(server, { apiKey: 'wrong-key-987654321', fetch: counting.fetch, clock }));
    h.stream.start();
    const s = await waitForState(h.stream, 'unauthorized');
    expect(s.lastError).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(s.lastError!.message, s.lastError!.message).toMatch(/unknown bearer token/);
    expect(s.lastError!.message).not.toContain('wrong-key-987654321');
    expect(s.nextRetryAt).toBeNull();
    expect(clock.pending()).toBe(0); // no retry timer, no watchdog: nothing will ever fire
    expect(counting.pushRequests()).toBe(1);

    // Other observable work happens meanwhile: a second relay connects, receives and stores an event.
    const other = track(makeStream(server, { clientId: 'other-relay' }));
    server.store.subscribe(TENANT, { client_id: 'other-relay', topic: ['custom.*'] });
    other.stream.start();
    await waitForState(other.stream, 'open');
    await emitMany(server, 1);
    await waitFor(() => storedIds(other.memory).length === 1, { what: 'the other relay to store the event' });
    expect(counting.pushRequests()).toBe(1);
    expect(server.connectCount(CLIENT)).toBe(0);
    expect(h.stream.status().state).toBe('unauthorized');
    expect(h.logs.join('\n')).not.toContain('wrong-key-987654321');

    h.stream.setApiKey(KEY);
    await waitForState(h.stream, 'open');
    const [, second] = counting.requests;
    expect(second!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    await emitMany(server, 1);
    await waitFor(() => storedIds(h.memory).length === 1, { what: 'an event after the new key' });
    expect(counting.pushRequests()).toBe(2);
  });

  it('403 is unauthorized too', async () => {
    const server = await serve();
    server.failNextStreams({ status: 403, count: 1 });
    const h = track(makeStream(server));
    h.stream.start();
    const s = await waitForState(h.stream, 'unauthorized');
    expect(s.lastError).toMatchObject({ code: 'unauthorized', status: 403 });
    h.stream.setApiKey(KEY); // the same key, fixed on the server side: trying again is the user's call
    await waitForState(h.stream, 'open');
  });
});

describe('PushStream: server refusals', () => {
  it('429 with Retry-After: 1 → no reconnect before a second has passed', async () => {
    const server = await serve();
    server.failNextStreams({ status: 429, retryAfterSeconds: 1, count: 1 });
    const counting = countingFetch();
    const h = track(makeStream(server, { fetch: counting.fetch }));
    h.stream.start();
    const refused = await waitForStatus(h.stream, (s) => s.lastError?.code === 'rate_limited', 'rate_limited');
    expect(refused.state).toBe('reconnecting');
    expect(refused.lastError!.status).toBe(429);
    expect(refused.nextRetryAt! - refused.lastError!.at).toBeGreaterThanOrEqual(1000);
    const open = await waitForState(h.stream, 'open');
    expect(counting.pushRequests()).toBe(2); // the backoff alone (20 ms here) would have retried many times
    expect(counting.requests[1]!.at - counting.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(open.connectedAt! - refused.lastError!.at).toBeGreaterThanOrEqual(1000);
  });

  it('503 with Retry-After is honoured too; 500 just backs off', async () => {
    const server = await serve();
    server.failNextStreams({ status: 500, count: 2 });
    server.failNextStreams({ status: 503, retryAfterSeconds: 1, count: 1 });
    const counting = countingFetch();
    const h = track(makeStream(server, { fetch: counting.fetch }));
    h.stream.start();
    await waitForStatus(h.stream, (s) => s.lastError?.code === 'server_unavailable', 'server_unavailable');
    const times = counting.requests.map((r) => r.at);
    expect(times).toHaveLength(3);
    await waitForState(h.stream, 'open');
    expect(counting.requests[3]!.at - times[2]!).toBeGreaterThanOrEqual(1000);
    expect(h.logs.some((l) => l.includes('server_error'))).toBe(true);
  });

  it('wrong content type → backoff, with a message that says so', async () => {
    let calls = 0;
    const fake = await tiny((req, res) => {
      if (++calls === 1) {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(encodeSseFrame(frame(METHOD.open, { client_id: CLIENT, subscriptions: [], cursor: 0 })));
    });
    const h = track(makeStream(fake));
    h.stream.start();
    await waitForState(h.stream, 'open');
    expect(h.stream.status().lastError).toMatchObject({ code: 'bad_content_type', status: 200 });
    expect(h.stream.status().lastError!.message).toMatch(/text\/html/);
  });
});

describe('PushStream: watchdog', () => {
  it('no frame for 2.5 heartbeats → reconnect; heartbeats back → stays open', async () => {
    const server = await serve({ heartbeatMs: 50 });
    const h = track(makeStream(server, { heartbeatMs: 50 }));
    h.stream.start();
    await waitForState(h.stream, 'open');
    server.pauseHeartbeats(true);
    await waitFor(() => server.connectCount(CLIENT) >= 3, { what: 'the watchdog to reconnect twice' });
    expect(h.stream.status().lastError).toMatchObject({ code: 'heartbeat_timeout' });
    expect(h.states).toContain('reconnecting');

    server.pauseHeartbeats(false);
    await waitForState(h.stream, 'open');
    const settled = server.connectCount(CLIENT);
    // Ten heartbeat periods later (counted in heartbeat frames, not time) the stream is still the same one.
    const framesNow = h.stream.status().frames;
    await waitForStatus(h.stream, (s) => s.frames >= framesNow + 10, 'ten more frames');
    expect(server.connectCount(CLIENT)).toBe(settled);
    await emitMany(server, 1);
    await waitFor(() => storedIds(h.memory).length >= 1, { what: 'an event after the starvation' });
  });
});

describe('PushStream: malformed frames', () => {
  it('each kind is counted and logged once; the stream stays open; a following event still lands', async () => {
    const server = await serve({ heartbeatMs: 60_000 });
    const h = track(makeStream(server));
    h.stream.start();
    await waitForStatus(h.stream, (s) => s.state === 'open' && s.frames === 1, 'open and the subscription.open frame');
    const conn = server.connections(CLIENT)[0]!;

    const garbage = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))
      .filter((c) => c !== '\n' && c !== '\r')
      .join('');
    conn.injectRaw('data: not json\n\n'); // invalid_json
    conn.injectRaw('event: notifications.pact.future\ndata: {"jsonrpc":"2.0","method":"notifications/pact/future","params":{}}\n\n'); // unknown_method
    conn.injectRaw('event: notifications.pact.event\nid: 99\ndata: {"jsonrpc":"2.0","method":"notifications/pact/event","params":{"event_id":"x"}}\n\n'); // invalid_frame
    conn.injectRaw(`data: ${'x'.repeat(2 * 1024 * 1024)}\n\n`); // oversize
    conn.injectRaw(`data: ${garbage}\n\n`); // invalid_json (binary garbage)
    conn.injectRaw(`${garbage}\n\n`); // no field at all: not even a message
    conn.injectRaw('data: [1,2,3]\n\n'); // not_jsonrpc
    conn.injectRaw('data: {"jsonrpc":"2.0",\n\n'); // invalid_json again (truncated)
    // A valid heartbeat split at odd places, CRLF line ends, a comment line in between.
    const heartbeat = encodeSseFrame(frame(METHOD.heartbeat, { cursor: 0 })).replaceAll('\n', '\r\n');
    conn.injectRaw(heartbeat.slice(0, 7));
    conn.injectRaw(`${heartbeat.slice(7, 40)}`);
    conn.injectRaw(`${heartbeat.slice(40, -3)}`);
    conn.injectRaw(`${heartbeat.slice(-3, -1)}`);
    conn.injectRaw(': keep-alive comment\r\n');
    conn.injectRaw(heartbeat.slice(-1));

    await waitForStatus(h.stream, (s) => s.frames === 9, 'eight injected messages');
    const ids = await emitMany(server, 1);
    await waitFor(() => storedIds(h.memory).length === 1, { what: 'the event after the garbage' });
    expect(storedIds(h.memory)).toEqual(ids);

    const s = h.stream.status();
    expect(s.malformed).toEqual({ oversize: 1, invalid_json: 3, not_jsonrpc: 1, unknown_method: 1, invalid_frame: 1 });
    expect(s).toMatchObject({ state: 'open', connects: 1, frames: 10, events: 1 });
    expect(server.connectCount(CLIENT)).toBe(1);
    expect(h.states).toEqual(['connecting', 'open']);
    const malformedLogs = h.logs.filter((l) => l.includes('malformed frame'));
    expect(malformedLogs).toHaveLength(5);
    for (const kind of ['oversize', 'invalid_json', 'not_jsonrpc', 'unknown_method', 'invalid_frame']) {
      expect(malformedLogs.filter((l) => l.includes(`(${kind}:`))).toHaveLength(1);
    }
    expect(Math.max(...h.logs.map((l) => l.length))).toBeLessThan(1000); // no 2 MiB log line
  });
});

describe('PushStream: redirects', () => {
  it('a redirect to another origin is not followed: the token never reaches it', async () => {
    const elsewhere = await tiny((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(encodeSseFrame(frame(METHOD.open, { client_id: CLIENT, subscriptions: [], cursor: 0 })));
    });
    const redirector = await tiny((req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}${req.url}` }).end();
    });
    const h = track(makeStream(redirector));
    h.stream.start();
    const s = await waitForStatus(h.stream, (st) => st.lastError?.code === 'cross_origin_redirect', 'cross_origin_redirect');
    expect(s.state).toBe('reconnecting');
    expect(s.lastError!.status).toBe(307);
    expect(s.lastError!.message).toContain(elsewhere.url);
    expect(s.lastError!.message).toMatch(/not followed/);
    await waitFor(() => redirector.requests.length >= 3, { what: 'a few retries (with backoff)' });
    expect(redirector.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(elsewhere.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
    expect(elsewhere.requests).toEqual([]);
    expect(h.stream.status().connects).toBe(0);
  });

  it('same-origin redirects are followed (at most 3) with the token re-sent', async () => {
    const server = await tiny((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === PUSH_ENDPOINT) {
        res.writeHead(308, { location: `/moved${url.pathname}${url.search}` }).end();
      } else if (url.pathname === `/moved${PUSH_ENDPOINT}`) {
        res.writeHead(302, { location: `/final${PUSH_ENDPOINT}${url.search}` }).end();
      } else if (url.pathname === `/final${PUSH_ENDPOINT}` && req.headers.authorization === `Bearer ${KEY}`) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(encodeSseFrame(frame(METHOD.open, { client_id: CLIENT, subscriptions: [], cursor: 0 })));
      } else {
        res.writeHead(401).end();
      }
    });
    const h = track(makeStream(server));
    h.stream.start();
    await waitForStatus(h.stream, (s) => s.state === 'open' && s.frames === 1, 'open through two redirects');
    expect(server.requests.map((r) => new URL(r.url, 'http://x').pathname)).toEqual([PUSH_ENDPOINT, `/moved${PUSH_ENDPOINT}`, `/final${PUSH_ENDPOINT}`]);
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(server.requests[2]!.url).toContain(`client_id=${CLIENT}`);
  });

  it('a redirect loop ends as too_many_redirects', async () => {
    const server = await tiny((req, res) => {
      res.writeHead(307, { location: req.url ?? '/' }).end();
    });
    const h = track(makeStream(server, { backoff: { baseMs: 60_000, capMs: 60_000 } }));
    h.stream.start();
    const s = await waitForStatus(h.stream, (st) => st.lastError?.code === 'too_many_redirects', 'too_many_redirects');
    expect(s.state).toBe('reconnecting');
    expect(server.requests).toHaveLength(4); // the first request plus 3 followed
  });
});
