// The relay's loopback API under hostile requests (DESIGN.md "Security" and "Local HTTP"): no token or a
// wrong one (multi-byte ones included), foreign Origin and Host (DNS rebinding), oversize and invalid bodies,
// path traversal on the UI's static routes. Every one is refused with a JSON error that leaks nothing (no
// stack trace, no token, no key, no home path, no file outside the UI), and the relay keeps serving.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../../../relay/core/relay.js';
import { MemoryNotifier } from '../../../relay/notify/memory-notifier.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { createLogger } from '../../../relay/util/log.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { converse, rawRequest, type RawResponse } from './raw-http.js';

const API_KEY = 'hostile-upstream-key-0123456789';
let server: ReferenceServer;
let home: TempDir;
let relay: RunningRelay;
let port: number;
let host: string;
const responses: RawResponse[] = [];

beforeAll(async () => {
  server = await startReferenceServer({ tokens: { [API_KEY]: 't1' } });
  home = await tempDir('relay-hostile-');
  relay = await startRelay({
    home: home.path,
    server: server.url,
    apiKey: API_KEY,
    clientId: 'hostile-local',
    localPort: 0,
    env: {},
    notify: new MemoryNotifier(),
    log: createLogger({ dir: `${home.path}/logs`, stderr: null, level: 'debug' }),
  });
  port = Number(new URL(relay.url).port);
  host = `127.0.0.1:${port}`;
  await relay.core.control.subscribe({ topic: ['*'] });
  await waitFor(() => relay.core.status().upstream.state === 'open', { timeoutMs: 20_000, what: 'upstream open' });
});

afterAll(async () => {
  await relay?.close();
  await server?.close();
  await home?.cleanup();
});

/** Sends a request and records the answer for the leak check at the end. */
async function send(request: string | Buffer): Promise<RawResponse> {
  const res = await rawRequest(port, request);
  responses.push(res);
  return res;
}

function req(method: string, path: string, headers: Record<string, string> = {}, body = ''): string {
  const all: Record<string, string> = { host, connection: 'close', ...headers };
  if (body) all['content-length'] ??= String(Buffer.byteLength(body));
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

const auth = () => ({ authorization: `Bearer ${relay.token}` });
const json = { 'content-type': 'application/json' };

function errorCode(res: RawResponse): string | undefined {
  try {
    return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

async function stillServing(): Promise<void> {
  expect((await send(req('GET', '/v1/health'))).status).toBe(200);
  const status = await send(req('GET', '/v1/status', auth()));
  expect(status.status).toBe(200);
  expect((JSON.parse(status.body) as { upstream: { state: string } }).upstream.state).toBe('open');
}

const ROUTES: [string, string][] = [
  ['GET', '/v1/status'],
  ['GET', '/v1/pending'],
  ['GET', '/v1/wait?timeout_ms=0'],
  ['GET', '/v1/events'],
  ['GET', '/v1/stream'],
  ['GET', '/v1/subscriptions'],
  ['POST', '/v1/subscriptions'],
  ['DELETE', '/v1/subscriptions/abc'],
  ['GET', '/v1/topics'],
  ['POST', '/v1/ack'],
  ['GET', '/v1/settings'],
  ['PUT', '/v1/settings'],
  ['GET', '/v1/notifications'],
  ['POST', '/v1/notifications/pause'],
  ['GET', '/v1/sign-in'],
  ['POST', '/v1/sign-in'],
  ['DELETE', '/v1/sign-in'],
  ['POST', '/v1/sign-out'],
  ['POST', '/mcp'],
  ['GET', '/mcp'],
  ['DELETE', '/mcp'],
  ['GET', '/v1/no-such-route'],
  ['GET', '/../../etc/passwd'],
];

describe('local API: the token', () => {
  it.each(ROUTES)('%s %s without a token, with a wrong one, with a lookalike → 401', async (method, path) => {
    const token = relay.token;
    const wrong = [
      undefined,
      '',
      'Bearer',
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
      `Bearer ${token.toUpperCase()}`,
      `Basic ${Buffer.from(`user:${token}`).toString('base64')}`,
      `bearer  ${'0'.repeat(token.length)}`,
    ];
    for (const header of wrong) {
      const res = await send(req(method, path, header === undefined ? json : { ...json, authorization: header }, method === 'GET' || method === 'DELETE' ? '' : '{}'));
      expect(res.status, `${method} ${path} with ${header}`).toBe(401);
      expect(errorCode(res)).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('a token of the right length in characters but not in bytes (bytes ≥ 0x80 in the header) → 401, not a crypto error', async () => {
    const token = relay.token;
    for (const byte of [0xe9, 0xff, 0x80]) {
      // One character replaced by one latin1 byte: the same length as a JS string, one more byte in UTF-8.
      const header = Buffer.concat([Buffer.from(`Authorization: Bearer ${token.slice(0, -1)}`), Buffer.from([byte]), Buffer.from('\r\n')]);
      const res = await send(Buffer.concat([Buffer.from(`GET /v1/status HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`), header, Buffer.from('\r\n')]));
      expect(res.status, res.body).toBe(401);
      expect(errorCode(res)).toBe('unauthorized');
    }
    await stillServing();
  });
});

describe('local API: Host and Origin (DNS rebinding, foreign pages)', () => {
  const foreignHosts = () => [
    'evil.example',
    `evil.example:${port}`,
    `127.0.0.1.evil.example:${port}`,
    `127.0.0.1:${port + 1}`,
    `localhost:${port}.evil.example`,
    `0.0.0.0:${port}`,
    `[::ffff:127.0.0.1]:${port}`,
    '',
  ];
  it('a foreign Host is refused on every route, token or not; /v1/health too', async () => {
    for (const h of foreignHosts()) {
      for (const path of ['/v1/status', '/v1/health', '/', '/mcp']) {
        const res = await send(req('GET', path, { ...auth(), host: h }));
        expect(res.status, `Host ${JSON.stringify(h)} ${path}`).toBe(403);
        expect(errorCode(res)).toBe('forbidden_host');
      }
    }
    // HTTP/1.0 without any Host header at all.
    const res = await send(`GET /v1/status HTTP/1.0\r\nAuthorization: Bearer ${relay.token}\r\n\r\n`);
    expect(res.status).toBe(403);
  });

  it('a foreign or opaque Origin is refused; the relay’s own origin is fine', async () => {
    const foreign = ['https://evil.example', `http://evil.example:${port}`, 'null', `https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`, 'file://', 'not a url', `http://127.0.0.1:${port}.evil.example`];
    for (const origin of foreign) {
      const res = await send(req('POST', '/v1/ack', { ...auth(), ...json, origin }, '{"up_to_seq":0}'));
      expect(res.status, `Origin ${origin}`).toBe(403);
      expect(errorCode(res)).toBe('forbidden_origin');
    }
    const own = await send(req('GET', '/v1/status', { ...auth(), origin: `http://127.0.0.1:${port}` }));
    expect(own.status).toBe(200);
  });
});

describe('local API: bodies', () => {
  const big = (n: number) => JSON.stringify({ consumer: 'x', pad: 'a'.repeat(n) });

  it.each(['/v1/ack', '/v1/subscriptions'])('%s: > 64 KiB → 413 (declared, chunked, or lying about its length); the server still serves', async (path) => {
    const body = big(70 * 1024);
    // Declared up front: refused before the body is read.
    const declared = await send(req('POST', path, { ...auth(), ...json }, body));
    expect(declared.status).toBe(413);
    expect(errorCode(declared)).toBe('body_too_large');
    // Chunked, no length: refused once 64 KiB have arrived.
    const chunks = body.match(/[\s\S]{1,8192}/g)!.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
    const chunked = await send(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${relay.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`);
    expect(chunked.status).toBe(413);
    // A small Content-Length with a huge body behind it: the server reads what was declared, the rest is junk.
    const lying = await send(req('POST', path, { ...auth(), ...json, 'content-length': '10' }, body));
    expect(lying.status).toBe(400);
    await stillServing();
  });

  it('/mcp: a body over 4 MiB → 413 with a JSON-RPC "invalid request" error naming the limit', async () => {
    const body = big(4 * 1024 * 1024 + 1);
    const res = await send(req('POST', '/mcp', { ...auth(), ...json, accept: 'application/json, text/event-stream' }, body));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32600, message: expect.stringMatching(/larger than 4194304 bytes/) } });
    await stillServing();
  });

  it('a 50 MB body to /mcp and /v1/settings is refused without the relay buffering it', async () => {
    for (const path of ['/mcp', '/v1/settings']) {
      const c = await converse(port);
      c.write(`${path === '/mcp' ? 'POST' : 'PUT'} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${relay.token}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      for (let i = 0; i < 200 && !c.closed(); i++) {
        if (!c.write(chunk)) await new Promise((r) => c.socket.once('drain', r).once('close', r));
      }
      const res = await c.done;
      responses.push(res);
      // 413, or the connection closed before the answer could be read (0).
      expect([413, 0], `${path}: ${res.status} ${res.body}`).toContain(res.status);
      if (res.status !== 0) expect(res.body).toMatch(/larger than/);
    }
    await stillServing();
  });

  it('invalid JSON, wrong types, wrong content type, prototype keys → 4xx with a reason; nothing polluted', async () => {
    const cases: [string, string, Record<string, string>, number][] = [
      ['/v1/ack', '{"up_to_seq":', json, 400],
      ['/v1/ack', '\u0000\u0001garbage', json, 400],
      ['/v1/ack', '[1,2,3]', json, 400],
      ['/v1/ack', '"string"', json, 400],
      ['/v1/ack', '{"up_to_seq": -1}', json, 400],
      ['/v1/ack', '{"up_to_seq": 1e400}', json, 400],
      ['/v1/ack', '{"up_to_seq": 1, "up_to_event_id": 1}', json, 400],
      ['/v1/ack', '{"__proto__": {"polluted": true}, "up_to_seq": 0}', json, 400],
      ['/v1/ack', '{"constructor": {"prototype": {"polluted": true}}, "up_to_seq": 0}', json, 400],
      ['/v1/ack', '{"consumer": "../../etc", "up_to_seq": 0}', json, 400],
      ['/v1/ack', '{"up_to_seq": 0}', { 'content-type': 'text/plain' }, 415],
      ['/v1/ack', '', json, 400],
      ['/v1/subscriptions', '{"topic": ["deal.*"], "filter": {"__proto__": {"x": 1}}}', json, 400],
      ['/v1/subscriptions', `{"topic": ["${'['.repeat(3000)}"]}`, json, 400],
      ['/v1/subscriptions', `{"topic": ["deal.*"], "filter": ${'['.repeat(3000)}${']'.repeat(3000)}}`, json, 400],
      ['/mcp', '{"jsonrpc":', { ...json, accept: 'application/json, text/event-stream' }, 400],
      ['/v1/notifications/pause', '{"minutes": "forever"}', json, 400],
    ];
    for (const [path, body, headers, status] of cases) {
      const res = await send(req('POST', path, { ...auth(), ...headers }, body));
      expect(res.status, `${path} ${body.slice(0, 60)} → ${res.body.slice(0, 200)}`).toBe(status);
    }
    for (const bad of ['%', '%E0%A4%A', '..%2F..%2Fetc', '%00']) {
      const res = await send(req('DELETE', `/v1/subscriptions/${bad}`, auth()));
      expect(res.status, `DELETE /v1/subscriptions/${bad}: ${res.body}`).toBe(400);
    }
    for (const q of ['limit=-1', 'limit=1e9', 'consumer=%00', 'consumer=../../x', 'timeout_ms=abc', 'since=-5', 'unknown=1', 'topic=' + 'a'.repeat(300)]) {
      const res = await send(req('GET', `/v1/pending?${q}`, auth()));
      expect(res.status, `/v1/pending?${q}`).toBe(400);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await stillServing();
  });

  it('a body nesting deeper than a frame may is refused before it is parsed, on every JSON route', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    for (const [path, body] of [
      ['/v1/subscriptions', `{"topic": ["deal.*"], "filter": ${deep}}`],
      ['/v1/ack', `{"up_to_seq": 0, "x": ${deep}}`],
    ] as const) {
      const res = await send(req('POST', path, { ...auth(), ...json }, body));
      expect(res.status, `${path} → ${res.body.slice(0, 200)}`).toBe(400);
      expect(errorCode(res), path).toBe('json_too_deep');
    }
    await stillServing();
  });
});

describe('UI static routes: path traversal', () => {
  const traversals = [
    '/../../etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/index.html/../../../etc/passwd',
    '/..\\..\\etc\\passwd',
    '/%5c..%5c..%5cetc%5cpasswd',
    '//etc/passwd',
    '/./././etc/passwd',
    '/%252e%252e/etc/passwd',
    '/js/../../../../etc/passwd',
    '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    '/index.html%00.js',
    '/../package.json',
    '/../relay/local/server.ts',
    '/../local-token',
  ];

  it.each(traversals)('%s: never a file outside the UI (401 without the token, 404 with it)', async (path) => {
    const secret = readFileSync(`${home.path}/local-token`, 'utf8').trim();
    const anonymous = await send(req('GET', path));
    const withToken = await send(req('GET', path, auth()));
    for (const [res, expected] of [
      [anonymous, [400, 401, 404]],
      [withToken, [400, 404]],
    ] as const) {
      expect(expected, `${path} → ${res.status} ${res.body.slice(0, 100)}`).toContain(res.status);
      expect(res.body).not.toMatch(/root:.*:0:0:/);
      expect(res.body).not.toContain('"name": "push-relay"');
      expect(res.body).not.toContain('startLocalServer');
      expect(res.body).not.toContain(secret);
    }
  });

  it('absolute-form request targets cannot reach outside either', async () => {
    for (const target of [`http://${host}/../../etc/passwd`, `http://evil.example/../../etc/passwd`, '*']) {
      const res = await send(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${relay.token}\r\n\r\n`);
      expect([400, 403, 404], `${target} → ${res.status}`).toContain(res.status);
      expect(res.body).not.toMatch(/root:.*:0:0:/);
    }
    await stillServing();
  });
});

describe('nothing leaked, nothing crashed', () => {
  it('no response carried a stack trace, the token, the upstream key or the home path; the log redacts them', async () => {
    expect(responses.length).toBeGreaterThan(100);
    const token = relay.token;
    for (const res of responses) {
      const text = res.raw;
      expect(text).not.toMatch(/\n\s+at .+:\d+:\d+|node:internal|\.ts:\d+:\d+|\.js:\d+:\d+/);
      expect(text).not.toContain(token);
      expect(text).not.toContain(API_KEY);
      // /v1/status says where the home is, to the token holder; errors never do.
      if (res.status >= 400) expect(text).not.toContain(home.path);
      // Our errors are JSON; the only others are Node's own parser refusals, which have no body.
      if (res.status >= 400 && res.body !== '') expect(res.headers['content-type'] ?? '', `${res.status} ${res.body}`).toMatch(/json/);
    }
    await stillServing();
    const log = readFileSync(`${home.path}/logs/relay.log`, 'utf8');
    expect(log).not.toContain(token);
    expect(log).not.toContain(API_KEY);
    expect(log).not.toContain('internal_error');
  });
});
