// A second relay racing for the same home (DESIGN.md "Failure behaviour": "second relay started on the same home
// → refuses with a clear message naming the running pid"): started at the same moment, on a fresh home and on a
// home a SIGKILLed relay left its lock in. Exactly one wins; the other exits 1 naming the winner's pid.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../relay/config/home.js';
import { acquireInstanceLock, InstanceLockedError } from '../../relay/config/instance.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { BIN, startCli, type CliProcess } from '../helpers/cli.js';
import { deadPid } from '../helpers/dead-pid.js';
import { tempDir } from '../helpers/tmp.js';
import { useCleanups } from '../helpers/cleanups.js';

const cleanup = useCleanups({ ignoreErrors: true });

const INSTANCE_JS = pathToFileURL(join(BIN, '..', '..', 'dist', 'relay', 'config', 'instance.js')).href;
const HOME_JS = pathToFileURL(join(BIN, '..', '..', 'dist', 'relay', 'config', 'home.js')).href;

/**
 * Processes that load only the lock code and call acquireInstanceLock at the same instant (a busy-wait
 * barrier on the wall clock): a far tighter race than two daemons, whose start-up times differ by more than
 * the window. Each prints `won` or `lost <message>`. A winner holds the lock until every racer has answered
 * (its stdin is closed then): released earlier, a racer that started late on a loaded machine would rightly
 * win after it, and two winners would mean nothing.
 */
async function raceForLock(home: string, n: number): Promise<string[]> {
  const startAt = Date.now() + 500;
  const code = `
    const { acquireInstanceLock } = await import(${JSON.stringify(INSTANCE_JS)});
    const { homePaths } = await import(${JSON.stringify(HOME_JS)});
    const paths = homePaths(${JSON.stringify(home)});
    // Sleep until just before the instant, then spin (burning CPU only for the last few milliseconds).
    await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - 15 - Date.now())));
    while (Date.now() < ${startAt}) {}
    try {
      const lock = acquireInstanceLock(paths);
      process.stdout.write('won ' + process.pid);
      process.stdin.on('end', () => lock.release()).resume();
    } catch (e) {
      process.stdout.write('lost ' + e.message);
      process.exitCode = 1;
    }`;
  const racers = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code]);
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const answered = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), resolve())));
    const exited = new Promise<string>((resolve) => child.on('exit', () => resolve(out.trim())));
    return { child, answered: Promise.race([answered, exited.then(() => undefined)]), exited };
  });
  await Promise.all(racers.map((r) => r.answered));
  for (const r of racers) r.child.stdin.end();
  return Promise.all(racers.map((r) => r.exited));
}

describe('chaos: two relays racing for one home', () => {
  it.each(['a fresh home', 'a home with a SIGKILLed relay’s lock'])('daemons started at once on %s: one wins, the other names its pid', async (kind) => {
    const server = await startReferenceServer({ tokens: { key: 't1' } });
    cleanup.add(() => server.close());
    const home = await tempDir('chaos-race-');
    cleanup.add(home.cleanup);
    if (kind !== 'a fresh home') writeFileSync(homePaths(home.path).lock, String(await deadPid()));

    const start = (): CliProcess => {
      const p = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', 'racer', '--quiet'], { PUSH_RELAY_API_KEY: 'key' });
      cleanup.add(() => p.kill('SIGKILL'));
      return p;
    };
    const racers = [start(), start()];
    const outcomes = await Promise.all(
      racers.map((p) =>
        p.line('listening', 60_000).then(
          () => 'won' as const,
          () => 'exited' as const,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'won'), outcomes.join(', ')).toHaveLength(1);
    const winner = racers[outcomes.indexOf('won')]!;
    const loser = racers[outcomes.indexOf('exited')]!;
    const { code } = await loser.exited;
    expect(code).toBe(1);
    const stderr = loser.stderr().trim();
    expect(stderr).toContain(`pid ${winner.child.pid}`);
    expect(stderr.split('\n')).toHaveLength(1); // one line, no stack trace
    expect(await winner.kill('SIGTERM')).toMatchObject({ code: 0 });
  }, 90_000);

  it('the lock alone, three starters at the same instant, thirty rounds (half over a stale lock): exactly one wins each time', async () => {
    const home = await tempDir('chaos-race-lock-');
    cleanup.add(home.cleanup);
    for (let round = 0; round < 30; round++) {
      const dir = join(home.path, `r${round}`);
      if (round % 2 === 1) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'relay.lock'), String(await deadPid()));
      }
      const results = await raceForLock(dir, 3);
      const won = results.filter((r) => r.startsWith('won '));
      expect(won, `round ${round}: ${JSON.stringify(results)}`).toHaveLength(1);
      const winnerPid = won[0]!.slice(4);
      for (const r of results.filter((x) => !x.startsWith('won '))) expect(r).toContain(`(pid ${winnerPid})`);
    }
  }, 120_000);

  it('a lock just created and not yet written (its owner between open and write) is waited for, not taken', async () => {
    const home = await tempDir('chaos-race-empty-');
    cleanup.add(home.cleanup);
    const paths = homePaths(home.path);
    // The owner: creates the lock, is "preempted" for 400 ms, then writes its pid and holds the lock.
    const owner = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(paths.lock)}, 'wx'); process.stdout.write('created\\n');
       setTimeout(() => { fs.writeSync(fd, String(process.pid)); fs.closeSync(fd); process.stdout.write('written\\n'); }, 400);
       setTimeout(() => {}, 20000);`,
    ]);
    cleanup.add(async () => void owner.kill('SIGKILL'));
    await new Promise<void>((resolve) => owner.stdout.on('data', (d: Buffer) => d.toString().includes('created') && resolve()));
    let error: unknown;
    try {
      acquireInstanceLock(paths).release();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InstanceLockedError);
    expect((error as InstanceLockedError).pid).toBe(owner.pid);
  });
});
