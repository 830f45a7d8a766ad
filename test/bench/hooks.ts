// Stop hook wall time: the Stop hook's command exactly as `install claude-code` writes it (relay/install/spec.ts:
// absolute node + dist/push-relay-hook.cjs + `stop`), with Claude Code's hook JSON on stdin, from spawn to exit,
// beside `node -e 0` (this machine's floor for starting and ending a Node process) spawned the same way.
// Three homes: a running relay (the daemon, a separate process as in real use) with nothing pending, no relay
// (no relay.json) and a relay.json naming a dead port. Every round runs all four commands in a fresh random
// order, so machine noise (other test runs on 2 cores) hits the floor and the hook alike; medians are reported.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLauncher } from '../../relay/install/launcher.js';
import { HOOKS, hookArgv } from '../../relay/install/spec.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { startDaemon } from './daemon.js';
import { percentile, type BenchRow } from './stats.js';

const HOOK_INPUT = JSON.stringify({ session_id: 'b', hook_event_name: 'Stop', stop_hook_active: false });
const KEY = 'bench-hooks-key';
const TENANT = 't1';

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `command args` with the hook JSON on stdin; wall time from spawn() to the child's exit. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      // 'exit' can come before the pipes drain; the figures use `ms`, the checks the full output.
      child.on('close', () => resolve({ ms, code, stdout, stderr }));
    });
    child.stdin.on('error', () => undefined); // `node -e 0` may exit before reading its stdin
    child.stdin.end(HOOK_INPUT);
  });
}

const shuffle = <T>(items: T[]): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

export async function benchHooks(runs = 40, warmup = 3): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'bench-hooks-'));
  const server = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  const homes = { up: join(root, 'up'), down: join(root, 'down'), dead: join(root, 'dead') };
  const daemon = await startDaemon({ home: homes.up, server: server.url, apiKey: KEY });
  try {
    // Dead port: one that was free a moment ago, named by a relay.json a killed relay left behind.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await import('node:fs/promises').then((fs) => Promise.all([fs.mkdir(homes.down), fs.mkdir(homes.dead)]));
    writeFileSync(join(homes.dead, 'relay.json'), JSON.stringify({ pid: 999_999, url: `http://127.0.0.1:${port}`, version: '0.0.0' }));
    writeFileSync(join(homes.dead, 'local-token'), `${'0'.repeat(64)}\n`, { mode: 0o600 });

    // The installed Stop hook's argv (the default install: no --home, so the home comes from PUSH_RELAY_HOME).
    const [command, ...args] = hookArgv(HOOKS.find((h) => h.event === 'Stop' && h.command === 'stop')!, defaultLauncher());
    const hook = (home: string) => timed(command!, args, { ...process.env, PUSH_RELAY_HOME: home });
    const commands: Record<'floor' | keyof typeof homes, () => Promise<Run>> = {
      floor: () => timed(process.execPath, ['-e', '0'], { ...process.env }),
      up: () => hook(homes.up),
      down: () => hook(homes.down),
      dead: () => hook(homes.dead),
    };

    // The relay-up case must really reach the relay: with an event pending the hook blocks and lists it.
    await daemon.api('POST', '/v1/subscriptions', { topic: ['deal.*'] });
    await daemon.upstreamOpen();
    const logged = await server.emit(TENANT, { topic: 'deal.won', payload: { name: 'bench check' } });
    for (let i = 0; ; i++) {
      const { events } = (await daemon.api('GET', '/v1/events?limit=5')) as { events: { event_id: number }[] };
      if (events.some((e) => e.event_id === logged.event_id)) break;
      if (i > 500) throw new Error('the bench event never reached the relay');
      await new Promise((r) => setTimeout(r, 10));
    }
    const check = await commands.up();
    if (!check.stdout.includes('"decision":"block"')) throw new Error(`the Stop hook did not reach the relay: ${check.stdout} ${check.stderr}`);

    const samples: Record<keyof typeof commands, number[]> = { floor: [], up: [], down: [], dead: [] };
    for (let round = 0; round < warmup + runs; round++) {
      for (const name of shuffle(Object.keys(commands) as (keyof typeof commands)[])) {
        const run = await commands[name]();
        if (run.code !== 0 || run.stdout !== '') throw new Error(`${name}: exit ${run.code}, stdout ${JSON.stringify(run.stdout)}, stderr ${run.stderr}`);
        if (round >= warmup) samples[name].push(run.ms);
      }
    }
    const floor = percentile(samples.floor, 50);
    const row = (figure: string, ms: number[]): BenchRow => {
      const value = percentile(ms, 50);
      return {
        figure,
        value,
        unit: 'ms',
        floor,
        floorName: '`node -e 0`',
        ratio: value / floor,
        goal: '≤ 1.3× floor',
        met: value / floor <= 1.3,
      };
    };
    return [
      row(`Stop hook, relay up, nothing pending (median of ${runs})`, samples.up),
      row(`Stop hook, relay down: no relay.json (median of ${runs})`, samples.down),
      row(`Stop hook, relay.json names a dead port (median of ${runs})`, samples.dead),
    ];
  } finally {
    await daemon.stop();
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
