#!/usr/bin/env node
// `npm run soak`: a long soak (a separate script: it runs for minutes, and timing goals stay out of pass/fail
// tests). The relay (startRelay, in this process, as the daemon composes it) runs against the reference server (a
// child process with a data dir) through the fault proxy, while events are emitted steadily and random faults are
// injected: stalls, half-open, trickle (with a small server ring buffer, so lag → backfill), cuts, RSTs, and
// server SIGKILL / SIGTERM + restart. At the end the network is healed and the inbox must hold every event the
// server logged exactly once. Prints a report (and JSON with --json); exit code 1 on any lost or duplicated
// event.
//
//   npm run soak -- --minutes 10 --rate 30 --seed 42
//
// Options: --minutes N (default 5), --rate EVENTS_PER_S (20), --seed N (random), --fault-min-ms / --fault-max-ms
// (2000 / 8000: pause between faults), --buffer N (server ring buffer, 20), --heartbeat-ms N (200), --json.
// Needs a build (`npm run build`): it runs the compiled relay from dist/.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const dist = (path) => fileURLToPath(new URL(`../dist/${path}`, import.meta.url));
const BIN = fileURLToPath(new URL('../bin/push-relay', import.meta.url));
for (const f of ['relay/core/relay.js', 'test/helpers/fault-proxy.js']) {
  if (!existsSync(dist(f))) {
    process.stderr.write(`soak: dist/${f} is missing; run \`npm run build\` first.\n`);
    process.exit(2);
  }
}
const { startRelay } = await import(pathToFileURL(dist('relay/core/relay.js')).href);
const { startFaultProxy } = await import(pathToFileURL(dist('test/helpers/fault-proxy.js')).href);

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    rate: { type: 'string', default: '20' },
    seed: { type: 'string' },
    'fault-min-ms': { type: 'string', default: '2000' },
    'fault-max-ms': { type: 'string', default: '8000' },
    buffer: { type: 'string', default: '20' },
    'heartbeat-ms': { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
  },
});
const num = (name) => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`soak: --${name} must be a positive number, got "${values[name]}"\n`);
    process.exit(2);
  }
  return v;
};
const durationMs = num('minutes') * 60_000;
const rate = num('rate');
const faultMin = num('fault-min-ms');
const faultMax = Math.max(faultMin, num('fault-max-ms'));
const buffer = num('buffer');
const heartbeatMs = num('heartbeat-ms');
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 1e9);

// mulberry32: the fault schedule and payloads are reproducible from the seed (timing is not).
let prngState = seed >>> 0;
function random() {
  prngState = (prngState + 0x6d2b79f5) >>> 0;
  let t = prngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo, hi) => lo + random() * (hi - lo);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (line) => process.stderr.write(`soak ${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// ── the reference server, as a child process ────────────────────────────────────────────────────────────
const KEY = 'soak-key';
const TENANT = 'soak';
const dataDir = mkdtempSync(join(tmpdir(), 'soak-ref-'));
const home = mkdtempSync(join(tmpdir(), 'soak-home-'));
const port = await freePort();
const serverUrl = `http://127.0.0.1:${port}`;
let serverProc;
let serverStarts = 0;

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'reference-server', '--port', String(port), '--data-dir', dataDir, '--token', `${KEY}=${TENANT}`, '--heartbeat-ms', String(heartbeatMs), '--buffer', String(buffer)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('listening ')) {
        serverProc = child;
        serverStarts++;
        resolve();
      }
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    child.on('exit', (code) => {
      if (serverProc !== child) reject(new Error(`reference server exited (${code}) before listening: ${err}`));
    });
  });
}

async function startServerRetrying() {
  for (let i = 0; ; i++) {
    try {
      return await startServer();
    } catch (err) {
      if (i >= 10) throw err;
      await sleep(200);
    }
  }
}

async function stopServer(signal) {
  const child = serverProc;
  serverProc = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

// ── the world ───────────────────────────────────────────────────────────────────────────────────────────
await startServerRetrying();
const proxy = await startFaultProxy({ target: { port } });
const relay = await startRelay({ home, server: proxy.url, apiKey: KEY, clientId: 'soak', localPort: 0, env: {}, notify: false, mcp: false, heartbeatMs });
const states = new Map();
let lastState;
relay.core.onStatus((s) => {
  if (s.upstream.state !== lastState) {
    lastState = s.upstream.state;
    states.set(lastState, (states.get(lastState) ?? 0) + 1);
  }
});
await relay.core.control.subscribe({ topic: ['custom.*', 'deal.*'] });
const upstream = () => relay.core.status().upstream;
async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`soak: timed out after ${timeoutMs} ms waiting for ${what}; upstream ${JSON.stringify(brief())}`);
    await sleep(25);
  }
}
const brief = () => {
  const u = upstream();
  return { state: u.state, lastError: u.lastError?.code, attempts: u.attempts, connects: u.connects, stored: u.stored, cursor: u.cursor, lag: u.lag.count };
};
await waitUntil(() => upstream().state === 'open', 60_000, 'the first open');
log(`seed ${seed}; ${num('minutes')} min at ${rate} events/s; server ${serverUrl} behind proxy ${proxy.url}; relay home ${home}`);

// ── emitting ────────────────────────────────────────────────────────────────────────────────────────────
const acked = [];
let emitFailures = 0;
let emitting = true;

async function emitOne(topic, payload) {
  try {
    const res = await fetch(`${serverUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic, payload }),
      signal: AbortSignal.timeout(5000),
    });
    if (res.ok) return acked.push((await res.json()).event_id);
    emitFailures++;
    await res.body?.cancel();
  } catch {
    emitFailures++;
  }
}

/** Big events fast: behind a trickle they fill the socket buffers, so the server's ring overflows (lag). */
async function burst(n, size) {
  for (let i = 0; i < n; i++) await emitOne('custom.burst', { burst: i, pad: 'b'.repeat(size) });
}

const emitter = (async () => {
  const interval = 1000 / rate;
  let next = Date.now();
  for (let i = 0; emitting; i++) {
    const size = random() < 0.1 ? Math.floor(between(2000, 16000)) : Math.floor(between(10, 200));
    await emitOne(random() < 0.5 ? 'custom.soak' : 'deal.won', { i, pad: 'p'.repeat(size) });
    next += interval;
    await sleep(Math.max(0, next - Date.now()));
    if (Date.now() - next > 5000) next = Date.now(); // after an outage, do not burst to catch up
  }
})();

// ── faults ──────────────────────────────────────────────────────────────────────────────────────────────
const FAULTS = ['stall', 'half-open', 'trickle', 'cut', 'reset', 'server-kill', 'server-term'];
const faults = Object.fromEntries(FAULTS.map((f) => [f, { count: 0, recoverMs: [] }]));
let duplicatesSeen = 0;

/** Recovered = open and a frame received after the heal (an open state alone may be a dead connection). */
async function recovered(fault, since) {
  await waitUntil(() => upstream().state === 'open' && (upstream().lastFrameAt ?? 0) > since, 120_000, `recovery after ${fault}`);
  faults[fault].recoverMs.push(Date.now() - since);
}

async function inject(fault) {
  faults[fault].count++;
  switch (fault) {
    case 'stall':
      proxy.stall();
      await sleep(between(500, 4000));
      break;
    case 'half-open':
      proxy.halfOpen();
      proxy.cut();
      await sleep(between(500, 4000));
      break;
    case 'trickle':
      proxy.trickle(Math.floor(between(256, 4096)), 20);
      await Promise.all([sleep(between(2000, 6000)), random() < 0.7 ? burst(Math.floor(between(200, 400)), 16 * 1024) : undefined]);
      break;
    case 'cut':
      proxy.cut();
      break;
    case 'reset':
      proxy.reset();
      break;
    case 'server-kill':
    case 'server-term':
      await stopServer(fault === 'server-kill' ? 'SIGKILL' : 'SIGTERM');
      await sleep(between(100, 2000));
      await startServerRetrying();
      break;
  }
  proxy.pass();
  const since = Date.now();
  await recovered(fault, since);
}

const started = Date.now();
let rssMax = 0;
let lastReport = started;
while (Date.now() - started < durationMs) {
  await sleep(between(faultMin, faultMax));
  const fault = FAULTS[Math.floor(random() * FAULTS.length)];
  log(`fault ${fault} (${acked.length} acked, ${brief().stored} stored, state ${upstream().state})`);
  await inject(fault);
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  // A running check: nothing stored twice so far.
  const ids = relay.core.inbox.readSince(0, { limit: 10_000_000 }).map((e) => e.event_id);
  duplicatesSeen = Math.max(duplicatesSeen, ids.length - new Set(ids).size);
  if (Date.now() - lastReport > 30_000) {
    lastReport = Date.now();
    log(`progress: ${Math.round((Date.now() - started) / 1000)} s, ${acked.length} acked, ${ids.length} stored, ${JSON.stringify(brief())}`);
  }
}

// ── heal, settle, verify ────────────────────────────────────────────────────────────────────────────────
emitting = false;
await emitter;
proxy.pass();
if (!serverProc) await startServerRetrying();
let last;
for (let i = 0; i < 50 && last === undefined; i++) {
  const res = await fetch(`${serverUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ topic: 'custom.soak', payload: { last: true } }),
  }).catch(() => undefined);
  if (res?.ok) last = (await res.json()).event_id;
  else await sleep(200);
}
const inboxIds = () => relay.core.inbox.readSince(0, { limit: 10_000_000 }).map((e) => e.event_id);
let settleError;
try {
  await waitUntil(() => new Set(inboxIds()).size >= last, 180_000, `all ${last} events in the inbox`);
} catch (err) {
  settleError = err.message;
}
const ids = inboxIds();
const have = new Set(ids);
const missing = [];
for (let id = 1; id <= last; id++) if (!have.has(id)) missing.push(id);
const duplicates = ids.length - have.size;
const outOfOrder = ids.filter((id, i) => i > 0 && id <= ids[i - 1]).length;
const ackedMissing = acked.filter((id) => !have.has(id)).length;
const u = upstream();
const pct = (xs, p) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]);

const report = {
  seed,
  minutes: Math.round(((Date.now() - started) / 60_000) * 10) / 10,
  events: { serverLog: last, acked: acked.length + 1, emitFailures, stored: have.size, missing: missing.length, duplicates, duplicatesSeenDuringRun: duplicatesSeen, outOfOrder, ackedMissing },
  faults: Object.fromEntries(Object.entries(faults).map(([k, v]) => [k, { count: v.count, recoverP50Ms: pct(v.recoverMs, 0.5), recoverMaxMs: pct(v.recoverMs, 1) }])),
  upstream: { state: u.state, attempts: u.attempts, connects: u.connects, lag: u.lag, malformed: u.malformed, duplicateFrames: u.duplicates, lastError: u.lastError?.code ?? null },
  statesEntered: Object.fromEntries(states),
  serverStarts,
  proxy: { accepted: proxy.accepted, upstreamConnects: proxy.upstreamConnects, bytes: proxy.bytes },
  rssMaxMb: Math.round(Math.max(rssMax, process.memoryUsage().rss) / 1e6),
  settleError: settleError ?? null,
};

await relay.close();
await proxy.close();
await stopServer('SIGTERM');
rmSync(dataDir, { recursive: true, force: true });
rmSync(home, { recursive: true, force: true });

const ok = missing.length === 0 && duplicates === 0 && duplicatesSeen === 0 && outOfOrder === 0 && !settleError;
if (values.json) {
  process.stdout.write(`${JSON.stringify({ ok, ...report }, null, 2)}\n`);
} else {
  const lines = [
    `soak ${ok ? 'PASSED' : 'FAILED'} — seed ${report.seed}, ${report.minutes} min`,
    `events: server log ${report.events.serverLog}, stored ${report.events.stored}, missing ${report.events.missing}${missing.length ? ` (first ${missing.slice(0, 10).join(', ')})` : ''}, duplicates ${duplicates}, out of order ${outOfOrder}; emits failed while the server was down: ${emitFailures}`,
    'faults:',
    ...Object.entries(report.faults).map(([k, v]) => `  ${k.padEnd(12)} ×${String(v.count).padStart(3)}   recovery to open p50 ${v.recoverP50Ms ?? '-'} ms, max ${v.recoverMaxMs ?? '-'} ms`),
    `upstream: ${u.attempts} attempts, ${u.connects} connects, lag frames ${u.lag.count} (dropped ${u.lag.dropped_total}), duplicate frames ${u.duplicates}, malformed ${JSON.stringify(u.malformed)}`,
    `states entered: ${JSON.stringify(report.statesEntered)}; server starts ${serverStarts}; proxy accepted ${proxy.accepted}`,
    `rss max ${report.rssMaxMb} MB${settleError ? `\nsettle: ${settleError}` : ''}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.exit(ok ? 0 : 1);
