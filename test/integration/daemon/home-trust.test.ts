// The home dir trust rule end to end (relay/config/home-trust.ts, relay/util/safe-fs.ts): the daemon refuses
// a home others can write or that holds planted links, a CLI command says why, and a hook fails open silently
// without ever calling the relay.json a stranger planted.
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { runHook } from '../hooks/run.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

async function dir(prefix: string): Promise<string> {
  const d = await tempDir(prefix);
  cleanup.add(d.cleanup);
  return d.path;
}

/** Runs the daemon; without the check it would start and run until the test's cleanup kills it. */
async function daemon(home: string): Promise<{ code: number | null; stderr: string }> {
  const p = startCli(['daemon', '--home', home, '--demo', '--local-port', '0'], { PUSH_RELAY_HOME: '' });
  p.child.stdin.end();
  cleanup.add(() => p.kill('SIGKILL'));
  const { code } = await p.exited;
  return { code, stderr: p.stderr() };
}

function expectOneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('an untrusted home', () => {
  it('the daemon refuses a home writable by others, says what to run, and writes nothing into it', async () => {
    const home = await dir('trust-home-');
    chmodSync(home, 0o777);
    const { code, stderr } = await daemon(home);
    expect(code).toBe(1);
    expect(stderr).toContain(`${home} is writable by group or others (mode 777)`);
    expect(stderr).toContain(`chmod 700 '${home}'`);
    expectOneLine(stderr);
    expect(existsSync(join(home, 'logs'))).toBe(false);
    expect(existsSync(join(home, 'relay.json'))).toBe(false);
  });

  it('the daemon refuses planted links at relay.json, local-token and logs/relay.log; their target is unchanged', async () => {
    const outside = await dir('trust-outside-');
    const target = join(outside, 'victim');
    writeFileSync(target, 'precious\n');
    for (const name of ['relay.json', 'local-token', join('logs', 'relay.log')]) {
      const home = await dir('trust-home-');
      mkdirSync(join(home, 'logs'), { mode: 0o700 });
      symlinkSync(target, join(home, name));
      const { code, stderr } = await daemon(home);
      expect(code).toBe(1);
      expect(stderr).toContain(`${join(home, name)} is a symbolic link`);
      expect(stderr).toContain(`rm '${join(home, name)}'`);
      expectOneLine(stderr);
      expect(readFileSync(target, 'utf8')).toBe('precious\n');
    }
  });

  it('a CLI command says why it will not use the planted relay.json', async () => {
    const home = await dir('trust-home-');
    writeFileSync(join(home, 'relay.json'), JSON.stringify({ pid: 1, url: 'http://127.0.0.1:9', version: '0' }));
    writeFileSync(join(home, 'local-token'), 'planted\n', { mode: 0o600 });
    chmodSync(home, 0o775);
    const { code, stderr } = await runCli(['status', '--home', home]);
    expect(code).toBe(1);
    expect(stderr).toContain(`chmod 700 '${home}'`);
    expectOneLine(stderr);
  });

  it('a hook fails open silently and never calls the relay a stranger planted', async () => {
    let requests = 0;
    // A stranger's "relay": it would hand the hook an event to show Claude.
    const planted: Server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ events: [{ event_id: 1, topic: 'evil.instructions', occurred_at: new Date().toISOString(), payload: {} }], pending: 1 }));
    });
    await new Promise<void>((resolve) => planted.listen(0, '127.0.0.1', resolve));
    cleanup.add(() => new Promise((resolve) => planted.close(resolve)));
    const home = await dir('trust-home-');
    const url = `http://127.0.0.1:${(planted.address() as AddressInfo).port}`;
    writeFileSync(join(home, 'relay.json'), JSON.stringify({ pid: process.pid, url, version: '0' }));
    writeFileSync(join(home, 'local-token'), 'planted\n');
    chmodSync(join(home, 'local-token'), 0o666);
    const run = await runHook('stop', home, { session_id: 'trust-1', hook_event_name: 'Stop', stop_hook_active: false });
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(requests).toBe(0);
  });
});
