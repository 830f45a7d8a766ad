// The reference server the daemon embeds in demo mode (DESIGN.md "CLI": daemon --demo): reachable only by the
// relay that started it. The public `demo-token` is refused (the token is random per start and stays
// in-process), a foreign Host or Origin (DNS rebinding, another site's page) is refused, and demo events still
// reach the inbox. The standalone `reference-server --demo` keeps `demo-token` but checks Host and Origin too.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { allEvents, relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

/** One request with exactly these headers (fetch would not let a test set Host). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const EMIT = JSON.stringify({ topic: 'deal.won', payload: { injected: true } });
const json = { 'content-type': 'application/json' };

describe('daemon --demo: the embedded reference server', () => {
  let home: TempDir;
  let daemon: CliProcess;
  let api: RelayApi;
  let embedded: string;

  beforeAll(async () => {
    home = await tempDir('relay-demo-embed-');
    daemon = startCli(['daemon', '--demo', '--home', home.path, '--local-port', '0', '--demo-interval-ms', '50']);
    api = relayApi(await daemon.line('listening', 30_000), home.path);
    embedded = (await api.get<{ server: string }>('/v1/status')).server;
  });
  afterAll(async () => {
    await daemon?.kill();
    await home?.cleanup();
  });

  it('still feeds demo events to the inbox (status shows duplicates and out-of-order ids side by side)', async () => {
    await waitFor(async () => (await allEvents(api)).length >= 2, { timeoutMs: 30_000, what: 'demo events in the inbox' });
    const { inbox } = await api.get<{ inbox: Record<string, unknown> }>('/v1/status');
    expect(inbox).toMatchObject({ duplicates: 0, outOfOrder: 0 });
  });

  it('refuses the public demo-token on every route', async () => {
    const bearer = { authorization: 'Bearer demo-token', host: new URL(embedded).host };
    expect((await send(`${embedded}/v1/events`, 'POST', { ...bearer, ...json }, EMIT)).status).toBe(401);
    expect((await send(`${embedded}/mcp/push/sse?client_id=intruder`, 'GET', bearer)).status).toBe(401);
    expect((await send(`${embedded}/mcp/`, 'POST', { ...bearer, ...json }, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}')).status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin before looking at the token', async () => {
    const { port } = new URL(embedded);
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port}.evil.example`, 'localhost']) {
      const res = await send(`${embedded}/v1/events`, 'POST', { host, ...json }, EMIT);
      expect(res.status, host).toBe(403);
      expect(res.text).toContain('forbidden_host');
    }
    const res = await send(`${embedded}/v1/events`, 'POST', { host: `127.0.0.1:${port}`, origin: 'http://evil.example', ...json }, EMIT);
    expect(res.status).toBe(403);
    expect(res.text).toContain('forbidden_origin');
  });
});

describe('reference-server --demo (standalone)', () => {
  let server: CliProcess;
  let url: string;
  beforeAll(async () => {
    server = startCli(['reference-server', '--demo', '--port', '0', '--demo-interval-ms', '1000']);
    url = await server.line('listening', 30_000);
  });
  afterAll(() => server?.kill());

  it('keeps demo-token (README) from its own address, and refuses a foreign Host or Origin', async () => {
    const { port } = new URL(url);
    const bearer = { authorization: 'Bearer demo-token', ...json };
    expect((await send(`${url}/v1/events`, 'POST', { ...bearer, host: `localhost:${port}` }, EMIT)).status).toBe(201);
    expect((await send(`${url}/v1/events`, 'POST', { ...bearer, host: `evil.example:${port}` }, EMIT)).status).toBe(403);
    expect((await send(`${url}/v1/events`, 'POST', { ...bearer, host: `127.0.0.1:${port}`, origin: 'https://evil.example' }, EMIT)).status).toBe(403);
  });
});
