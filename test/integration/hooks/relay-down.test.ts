// Hooks fail open (DESIGN.md 'Who uses it' 2, Claude Code at a stop): no relay.json, a relay.json naming a dead
// port, a relay that accepts and never answers, a relay that answers errors or garbage → exit 0 with no output.
// The hung case would hang forever without the hook's own deadline; runHook kills a hook after 15 s and the test
// then fails.
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { runHook } from './run.js';

const HOOKS = ['stop', 'session-start', 'prompt-submit'];
const input = { session_id: 'down-1', hook_event_name: 'Stop', stop_hook_active: false };

let noRelay: TempDir;
let deadPort: TempDir;
let hung: TempDir;
let erroring: TempDir;
let garbage: TempDir;
let hungServer: Server;
let errorServer: HttpServer;
let garbageServer: HttpServer;
const sockets = new Set<Socket>();
let hungAccepted = 0;

async function listen(server: Server | HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function homeFor(port: number): Promise<TempDir> {
  const home = await tempDir('hooks-down-');
  writeFileSync(join(home.path, 'relay.json'), JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${port}`, version: '0.0.0' }));
  writeFileSync(join(home.path, 'local-token'), 'token\n', { mode: 0o600 });
  return home;
}

beforeAll(async () => {
  noRelay = await tempDir('hooks-down-');
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  const port = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  deadPort = await homeFor(port);
  hungServer = createServer((socket) => {
    hungAccepted++;
    sockets.add(socket); // accepted, read, never answered
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  hung = await homeFor(await listen(hungServer));
  errorServer = createHttpServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'internal_error', message: 'boom' } }));
  });
  erroring = await homeFor(await listen(errorServer));
  garbageServer = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"events": [1, 2, {"topic": ');
  });
  garbage = await homeFor(await listen(garbageServer));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([hungServer, errorServer, garbageServer].map((s) => new Promise((r) => s?.close(r))));
  await Promise.all([noRelay, deadPort, hung, erroring, garbage].map((d) => d?.cleanup()));
});

describe.each(HOOKS)('hook %s with the relay down', (hook) => {
  it.each([
    ['no relay.json', () => noRelay],
    ['relay.json naming a dead port', () => deadPort],
    ['a relay that accepts and never answers', () => hung],
    ['a relay answering 500', () => erroring],
    ['a relay answering broken JSON', () => garbage],
  ])('%s → exit 0, no output', async (_name, home) => {
    const acceptedBefore = hungAccepted;
    const run = await runHook(hook, home().path, input);
    expect(run).toMatchObject({ code: 0, signal: null, stdout: '', stderr: '' });
    // The hung relay really was reached: the hook's deadline, not a refused connection, ended it. Waited for,
    // not read at once: the kernel completes a loopback connect before this process accepts it, so the hook can
    // exit before the accept is seen here. At most two (the session report, then the pending read in what is
    // left of the budget; on a loaded machine the budget may be gone before the second), never a retry loop.
    if (home() === hung) {
      await waitFor(() => (hungAccepted > acceptedBefore ? true : undefined), { what: 'the hung relay to see the hook connect' });
      expect(hungAccepted - acceptedBefore).toBeLessThanOrEqual(2);
    }
  });
});
