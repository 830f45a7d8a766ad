// `npm run bench`: every figure beside a floor measured in the same run on the same machine, so ratios hold
// on a noisy host. Prints a markdown table and writes .bench/results.json for comparison across commits.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchDaemon } from './daemon.js';
import { benchHooks } from './hooks.js';
import { benchIngest } from './ingest.js';
import { benchEmitToInbox } from './latency.js';
import { benchMcp } from './mcp.js';
import { benchMcpUpstreams } from './mcp-upstreams.js';
import { benchNotify } from './notify.js';
import { benchWaiters } from './waiters.js';
import { table, type BenchRow } from './stats.js';

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  for (const [name, suite] of [
    ['durable ingest', () => benchIngest()],
    ['emit → inbox latency', () => benchEmitToInbox()],
    ['emit → desktop notification', () => benchNotify()],
    ['emit → wait_for_event over MCP HTTP', () => benchMcp()],
    ['1,000 waiters released by one event', () => benchWaiters()],
    ['Stop hook wall time', () => benchHooks()],
    ['daemon memory and ready time', () => benchDaemon()],
    ['MCP upstreams: notification → inbox, idle RSS', () => benchMcpUpstreams()],
  ] as const) {
    process.stderr.write(`bench: ${name}…\n`);
    const t0 = performance.now();
    rows.push(...(await suite()));
    process.stderr.write(`bench: ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/results.json', JSON.stringify({ commit, machine, at: new Date().toISOString(), rows }, null, 2) + '\n');
  process.stdout.write(`${table(rows)}\n\n${machine}, commit ${commit}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
