// The fail-open half of DESIGN.md 'Who uses it' 2 (Claude Code at a stop), with the real `claude -p`: with the
// relay never started, killed (a stale relay.json naming a dead port) or hung (accepting connections, never
// answering), Claude ends normally — one model request, its answer printed, exit 0 — and the hooks answered
// nothing. Durations are logged for the report (timing goals live in the bench, not here).
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayHarness } from '../../integration/hooks/harness.js';
import { setupClaude, withModel, type ClaudeSetup } from './setup.js';

let c: ClaudeSetup;
let hung: Server;
const sockets = new Set<Socket>();
let accepted = 0;

beforeAll(async () => {
  c = await setupClaude({ relay: false });
  hung = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => hung?.close(r));
  await c?.close();
});

async function endsNormally(label: string): Promise<void> {
  await withModel({}, async (model) => {
    model.script({ text: `Finished (${label}).` });
    const before = c.hookLog().length;
    const run = await c.print(model, 'Do the thing.');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Finished (${label}).`);
    expect(model.mainRequests()).toHaveLength(1);
    const hooks = c.hookLog().slice(before);
    const stop = hooks.find((l) => l.hook === 'stop');
    expect(stop).toMatchObject({ exit: 0, stdout_bytes: 0, stderr_bytes: 0 });
    console.log(`[e2e] relay ${label}: claude -p took ${run.ms} ms; hook wall times (ms since their start): ${hooks.map((l) => `${l.hook}=${l.ms}`).join(', ')}`);
  });
}

describe('claude -p with the hooks installed and the relay down', { timeout: 180_000 }, () => {
  it('relay never started (no relay.json)', async () => {
    await endsNormally('never started');
  });

  it('relay killed (stale relay.json naming a dead port)', async () => {
    const relay = await startRelayHarness({ homePath: c.relayHome });
    await relay.emit('deal.won', { name: 'lost in the crash? no: it stays in the inbox' });
    relay.relay.child.kill('SIGKILL');
    await relay.relay.exited;
    try {
      await endsNormally('killed');
    } finally {
      await relay.server.close();
    }
  });

  it('relay hung (accepts connections, never answers)', async () => {
    mkdirSync(c.relayHome, { recursive: true });
    writeFileSync(join(c.relayHome, 'relay.json'), JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, version: '0' }));
    writeFileSync(join(c.relayHome, 'local-token'), 'x', { mode: 0o600 });
    const before = accepted;
    await endsNormally('hung');
    // The hooks really reached the hung relay (session-start, prompt-submit and stop at least): their own
    // deadline ended them, not a refused connection.
    expect(accepted - before).toBeGreaterThanOrEqual(3);
  });
});
