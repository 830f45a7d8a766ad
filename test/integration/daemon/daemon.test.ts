import { statSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

async function home(): Promise<string> {
  const dir = await tempDir('relay-home-');
  cleanup.add(dir.cleanup);
  return dir.path;
}

function daemon(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const p = startCli(['daemon', '--local-port', '0', ...args], { PUSH_RELAY_HOME: '', ...env });
  cleanup.add(() => p.kill('SIGKILL'));
  return p;
}

describe('push-relay daemon --demo', () => {
  it('prints listening and inbox lines, writes relay.json and a 0600 token, and fills the inbox', async () => {
    const dir = await home();
    const p = daemon(['--home', dir, '--demo', '--demo-interval-ms', '20']);
    const url = await p.line('listening');
    const inbox = await p.line('inbox');
    expect(p.stdout.slice(0, 2)).toEqual([`listening ${url}`, `inbox ${inbox}`]);
    const token = readFileSync(join(dir, 'local-token'), 'utf8').trim();
    expect(inbox).toBe(`${url}/#token=${token}`);
    expect(statSync(join(dir, 'local-token')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'relay.json'), 'utf8'))).toMatchObject({ pid: p.child.pid, url });
    const api = relayApi(url, dir);
    const events = await waitFor(async () => {
      const all = await allEvents(api);
      return all.length >= 3 && all;
    }, { what: 'demo events in the inbox' });
    // The demo feed waits for the stream, so even the very first demo event reaches a fresh inbox.
    expect(events.map((e) => e.event_id).slice(0, 3)).toEqual([1, 2, 3]);
    const status = await api.get<{ mode: string; upstream: { state: string } }>('/v1/status');
    expect(status.mode).toBe('demo');
    expect(status.upstream.state).toBe('open');
    expect(p.stderr()).not.toContain(token);

    expect(await p.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'relay.json'))).toBe(false);
  });

  it('refuses a second relay on the same home, naming the running pid', async () => {
    const dir = await home();
    const first = daemon(['--home', dir, '--demo']);
    await first.line('listening');
    const { code, stderr } = await runCli(['daemon', '--home', dir, '--demo', '--local-port', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain(`another relay (pid ${first.child.pid}) is already running on ${dir}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('takes over the home after the previous relay was SIGKILLed, and keeps its events', async () => {
    const dir = await home();
    const first = daemon(['--home', dir, '--demo', '--demo-interval-ms', '20']);
    const url1 = await first.line('listening');
    const before = await waitFor(async () => {
      const events = await allEvents(relayApi(url1, dir));
      return events.length >= 3 && events;
    });
    await first.kill('SIGKILL');
    const second = daemon(['--home', dir, '--demo', '--demo-interval-ms', '20']);
    const url2 = await second.line('listening');
    const api = relayApi(url2, dir);
    const after = await waitFor(async () => {
      const events = await allEvents(api);
      return events.length > before.length && events;
    });
    expect(after.slice(0, before.length).map((e) => e.event_id)).toEqual(before.map((e) => e.event_id));
    const ids = after.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('local API guard', () => {
  it('needs the token everywhere but /v1/health, and refuses foreign Host and Origin', async () => {
    const dir = await home();
    const p = daemon(['--home', dir, '--demo']);
    const url = await p.line('listening');
    const api = relayApi(url, dir);
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    for (const path of ['/v1/status', '/v1/pending', '/v1/events', '/v1/stream', '/v1/wait', '/v1/subscriptions']) {
      expect((await fetch(`${url}${path}`)).status).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    }
    const origin = await api.raw('/v1/status', { headers: { origin: 'https://evil.example' } });
    expect(origin.status).toBe(403);
    expect(((await origin.json()) as { error: { code: string } }).error.code).toBe('forbidden_origin');
    // DNS rebinding: a hostile name resolved to 127.0.0.1 still carries its own Host header.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v1/health`, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    expect((await api.raw('/v1/status', { headers: { origin: url } })).status).toBe(200);
  });
});
