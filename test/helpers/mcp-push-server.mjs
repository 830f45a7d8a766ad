#!/usr/bin/env node
// A standard MCP server over stdio built with the MCP SDK v2 server package (2025 era: `initialize` +
// `resources/subscribe`), spawned by tests as a real process. Plain JS so it runs as it is, without a build.
// Behaviour from the environment:
//   MCP_TEST_PID_FILE   append "<pid>\n" at start (tests kill it by pid mid-stream)
//   MCP_TEST_TICK_MS    every N ms, `notifications/resources/updated` for each subscribed URI
//   MCP_TEST_FLOOD      "<per second>:<seconds>": that many `resources/updated` for test://flood, then stop;
//                       writes "flood-done <count>" to stderr when finished
//   MCP_TEST_BIG_BYTES  size of test://big's text (default 100000)
//   MCP_TEST_LATE_MS    N ms after the first subscribe, add test://late (the SDK sends resources/list_changed)
//   MCP_TEST_ON_SIGNAL  "1": on SIGUSR2, `notifications/resources/updated` for each subscribed URI (the bench's
//                       trigger: the same for a bare SDK client and for the relay)
import { appendFileSync } from 'node:fs';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';

if (process.env.MCP_TEST_PID_FILE) appendFileSync(process.env.MCP_TEST_PID_FILE, `${process.pid}\n`);
const bigBytes = Number(process.env.MCP_TEST_BIG_BYTES ?? 100_000);

const server = new McpServer(
  { name: 'push-relay-test-server', version: '1.0.0' },
  { capabilities: { resources: { subscribe: true, listChanged: true }, tools: { listChanged: true } } },
);
let version = 0;
server.registerResource('a', 'test://a', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `A v${version}` }] }));
server.registerResource('b', 'test://b', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'B' }] }));
server.registerResource('other', 'other://c', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'C' }] }));
server.registerResource('big', 'test://big', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'é'.repeat(bigBytes / 2) }] }));
server.registerResource('item', new ResourceTemplate('test://items/{id}', { list: undefined }), {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'item' }] }));

const subscribed = new Set();
let late = false;
server.server.setRequestHandler('resources/subscribe', async (req) => {
  subscribed.add(req.params.uri);
  if (process.env.MCP_TEST_LATE_MS && !late) {
    late = true;
    setTimeout(() => {
      server.registerResource('late', 'test://late', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'late' }] }));
    }, Number(process.env.MCP_TEST_LATE_MS));
  }
  return {};
});
server.server.setRequestHandler('resources/unsubscribe', async (req) => {
  subscribed.delete(req.params.uri);
  return {};
});

await server.connect(new StdioServerTransport());

const tick = Number(process.env.MCP_TEST_TICK_MS ?? 0);
if (tick > 0) {
  setInterval(() => {
    version++;
    for (const uri of subscribed) void server.server.sendResourceUpdated({ uri });
  }, tick);
}

if (process.env.MCP_TEST_ON_SIGNAL === '1') {
  process.on('SIGUSR2', () => {
    version++;
    for (const uri of subscribed) void server.server.sendResourceUpdated({ uri });
  });
}

if (process.env.MCP_TEST_FLOOD) {
  const [perSecond, seconds] = process.env.MCP_TEST_FLOOD.split(':').map(Number);
  const total = perSecond * seconds;
  const perSlice = Math.ceil(perSecond / 100);
  let sent = 0;
  const started = Date.now();
  const slice = () => {
    // Catch up to the schedule: at t ms, perSecond * t / 1000 should have gone out.
    const due = Math.min(total, Math.floor((perSecond * (Date.now() - started)) / 1000) + perSlice);
    while (sent < due) {
      sent++;
      void server.server.notification({ method: 'notifications/resources/updated', params: { uri: 'test://flood' } });
    }
    if (sent < total) setTimeout(slice, 10);
    else process.stderr.write(`flood-done ${sent}\n`);
  };
  slice();
}
