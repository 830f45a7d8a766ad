// `npm run bench`: every figure beside a floor measured in the same run on the same machine, so ratios hold
// on a noisy host. Prints a markdown table and writes .bench/results.json for comparison across commits.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchIngest } from './ingest.js';
import { benchEmitToInbox } from './latency.js';
import { table, type BenchRow } from './stats.js';

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  for (const [name, suite] of [
    ['durable ingest', () => benchIngest()],
    ['emit → inbox latency', () => benchEmitToInbox()],
  ] as const) {
    process.stderr.write(`bench: ${name}…\n`);
    rows.push(...(await suite()));
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
