#!/usr/bin/env node
// An MCP server offering the Events extension draft (SEP-3415, `io.modelcontextprotocol/events`), built on the
// MCP SDK v2 server package's extension hooks (custom request handlers + `extensions` capability), spawned by tests
// as a real process: over stdio, or over Streamable HTTP on 127.0.0.1 when MCP_TEST_EVENTS_HTTP_PORT is set (it
// then prints `listening <url>` on stdout; a push stream is a POST whose SSE response stays open). No SDK implements the draft yet, so this is the reference the relay is tested against.
// Plain JS so it runs as it is, without a build.
//
// Its history is durable: every event is a line of MCP_TEST_EVENTS_LOG, read again at start, so a restarted server
// (or a test appending lines while the relay is stopped) has events the relay must catch up on by cursor. The
// cursor is the sequence number of the last event examined, as a string.
// Behaviour from the environment:
//   MCP_TEST_EVENTS_LOG        path of the history (JSON lines {seq, eventId, name, timestamp, data}); required
//   MCP_TEST_EVENTS_TICK_MS    every N ms, one `test.tick` event (data {n, parity})
//   MCP_TEST_EVENTS_BURST      "<count>": that many `test.tick` events at once, right after the first stream/poll
//   MCP_TEST_EVENTS_DELIVERY   delivery modes offered for test.tick: "push,poll" (default), "poll", "push"
//   MCP_TEST_EVENTS_RETAIN     replay only the newest N events; an older cursor gets `truncated: true`
//   MCP_TEST_EVENTS_HEARTBEAT_MS  heartbeat interval on push streams (default 500)
//   MCP_TEST_EVENTS_NEXT_POLL_MS  nextPollMs in poll results (default 50)
//   MCP_TEST_EVENTS_CAPABILITY "extensions" (default: capabilities.extensions[id]) or "events" (capabilities.events)
//   MCP_TEST_EVENTS_REQUESTS   append each events/* request as a JSON line {method, params} (tests read cursors)
//   MCP_TEST_PID_FILE          append "<pid>\n" at start
//   MCP_TEST_EVENTS_ON_SIGNAL  "1": one `test.tick` on each SIGUSR2 (the bench's trigger)
//   MCP_TEST_EVENTS_HTTP_PORT  serve Streamable HTTP on this loopback port (0: any) instead of stdio
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

const EXTENSION_ID = 'io.modelcontextprotocol/events';
const SUBSCRIPTION_ID_META = 'io.modelcontextprotocol/subscriptionId';
const env = process.env;
if (env.MCP_TEST_PID_FILE) appendFileSync(env.MCP_TEST_PID_FILE, `${process.pid}\n`);
const logPath = env.MCP_TEST_EVENTS_LOG;
if (!logPath) throw new Error('MCP_TEST_EVENTS_LOG is required');
const delivery = (env.MCP_TEST_EVENTS_DELIVERY ?? 'push,poll').split(',');
const retain = Number(env.MCP_TEST_EVENTS_RETAIN ?? Infinity);
const heartbeatMs = Number(env.MCP_TEST_EVENTS_HEARTBEAT_MS ?? 500);
const nextPollMs = Number(env.MCP_TEST_EVENTS_NEXT_POLL_MS ?? 50);

/** @type {{seq: number, eventId: string, name: string, timestamp: string, data: Record<string, unknown>}[]} */
const history = [];
try {
  for (const line of readFileSync(logPath, 'utf8').split('\n')) if (line.trim()) history.push(JSON.parse(line));
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
const head = () => history.at(-1)?.seq ?? 0;
const listeners = new Set();

function emit(name, data) {
  const seq = head() + 1;
  const event = { seq, eventId: `evt-${seq}`, name, timestamp: new Date().toISOString(), data };
  history.push(event);
  appendFileSync(logPath, `${JSON.stringify(event)}\n`);
  for (const l of listeners) l(event);
}
function tick() {
  const n = head() + 1;
  emit('test.tick', { n, parity: n % 2 === 0 ? 'even' : 'odd' });
}
const matches = (event, name, args) => event.name === name && (args?.parity === undefined || event.data.parity === args.parity);
const occurrence = (e) => ({ eventId: e.eventId, name: e.name, timestamp: e.timestamp, data: e.data });
/** Where delivery starts for a cursor: the position after it, or later (truncated) when retention let it go. */
function startFrom(cursor) {
  if (cursor === null || cursor === undefined) return { after: head(), truncated: false };
  const after = Number(cursor);
  const oldestKept = history.length > retain ? history[history.length - retain].seq : 1;
  if (after + 1 < oldestKept) return { after: oldestKept - 1, truncated: true };
  return { after, truncated: false };
}
function record(method, params) {
  if (env.MCP_TEST_EVENTS_REQUESTS) appendFileSync(env.MCP_TEST_EVENTS_REQUESTS, `${JSON.stringify({ method, params })}\n`);
}
let burstDone = false;
function burstOnce() {
  if (burstDone || !env.MCP_TEST_EVENTS_BURST) return;
  burstDone = true;
  setImmediate(() => {
    for (let i = 0; i < Number(env.MCP_TEST_EVENTS_BURST); i++) tick();
  });
}

function makeServer() {
  const server = new McpServer({ name: 'push-relay-events-test-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  const s = server.server;
  const Args = z.looseObject({ parity: z.enum(['even', 'odd']).optional() });
  const SubscriptionParams = z.looseObject({ name: z.string(), arguments: Args.optional(), cursor: z.string().nullable().optional(), maxAgeMs: z.number().optional(), maxEvents: z.number().optional() });

  s.setRequestHandler('events/list', { params: z.looseObject({ cursor: z.string().optional() }) }, async (params) => {
    record('events/list', params);
    return {
      events: [
        { name: 'test.tick', description: 'a tick', delivery, inputSchema: { type: 'object', properties: { parity: { type: 'string', enum: ['even', 'odd'] } } }, payloadSchema: { type: 'object' } },
        { name: 'test.quiet', description: 'never fires', delivery: ['poll'], inputSchema: { type: 'object' } },
        { name: 'test.hooks', description: 'webhook only', delivery: ['webhook'], inputSchema: { type: 'object' } },
      ],
    };
  });

  s.setRequestHandler('events/poll', { params: SubscriptionParams }, async (params) => {
    record('events/poll', params);
    if (!delivery.includes('poll') && params.name === 'test.tick') throw Object.assign(new Error('Unsupported'), { code: -32014 });
    burstOnce();
    const { after, truncated } = startFrom(params.cursor);
    if (params.cursor === null || params.cursor === undefined) return { events: [], cursor: String(after), truncated: false, hasMore: false, nextPollMs };
    const max = params.maxEvents ?? 100;
    const out = [];
    let position = after;
    for (const e of history) {
      if (e.seq <= after) continue;
      if (out.length >= max) break;
      position = e.seq;
      if (matches(e, params.name, params.arguments)) out.push(occurrence(e));
    }
    return { events: out, cursor: String(position), truncated, hasMore: position < head(), nextPollMs };
  });

  s.setRequestHandler('events/stream', { params: SubscriptionParams }, async (params, ctx) => {
    record('events/stream', params);
    if (!delivery.includes('push') && params.name === 'test.tick') throw Object.assign(new Error('Unsupported'), { code: -32014 });
    const id = ctx.mcpReq.id;
    const meta = { [SUBSCRIPTION_ID_META]: id };
    const send = (method, p) => ctx.mcpReq.notify({ method, params: { ...p, _meta: meta } }).catch(() => undefined);
    const { after, truncated } = startFrom(params.cursor);
    let position = after;
    await send('notifications/events/active', { cursor: String(after), truncated });
    const deliver = (e) => {
      position = e.seq;
      if (matches(e, params.name, params.arguments)) void send('notifications/events/event', { ...occurrence(e), cursor: String(e.seq) });
    };
    for (const e of history) if (e.seq > after) deliver(e);
    listeners.add(deliver);
    burstOnce();
    const heartbeat = setInterval(() => void send('notifications/events/heartbeat', { cursor: String(position) }), heartbeatMs);
    await new Promise((resolve) => ctx.mcpReq.signal.addEventListener('abort', resolve, { once: true }));
    clearInterval(heartbeat);
    listeners.delete(deliver);
    return { _meta: {} };
  });

  s.registerCapabilities(env.MCP_TEST_EVENTS_CAPABILITY === 'events' ? { events: { listChanged: false } } : { extensions: { [EXTENSION_ID]: {} } });
  return server;
}

if (env.MCP_TEST_EVENTS_HTTP_PORT === undefined) {
  await makeServer().connect(new StdioServerTransport());
} else {
  const handler = toNodeHandler(createMcpHandler(makeServer));
  const http = createServer((req, res) => void handler(req, res));
  await new Promise((resolve) => http.listen(Number(env.MCP_TEST_EVENTS_HTTP_PORT), '127.0.0.1', resolve));
  process.stdout.write(`listening http://127.0.0.1:${http.address().port}/mcp\n`);
  // Stops with its parent: a test that forgets it must not leave a server behind.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (env.MCP_TEST_EVENTS_ON_SIGNAL === '1') process.on('SIGUSR2', tick);

const tickMs = Number(env.MCP_TEST_EVENTS_TICK_MS ?? 0);
if (tickMs > 0) setInterval(tick, tickMs);
