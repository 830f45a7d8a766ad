// `push-relay upstream …` as a user runs it (the compiled CLI): entries written through the one settings store,
// clear one-line errors, allowPush only when asked, the Claude Code import, and — with a daemon running — a
// newcomer's server-everything added from the command line whose resource updates show in `push-relay events`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../helpers/cleanups.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanup = useCleanups();
const CLEAN_ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' };
const EVERYTHING = join(process.cwd(), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const EVENTS_SERVER = join(process.cwd(), 'test/helpers/mcp-events-server.mjs');

async function home(): Promise<string> {
  const d = await tempDir('upstream-cli-');
  cleanup.add(d.cleanup);
  return d.path;
}

const cli = (h: string, ...args: string[]) => runCli(['upstream', ...args, '--home', h], CLEAN_ENV);
const settings = (h: string) => JSON.parse(readFileSync(join(h, 'settings.json'), 'utf8')) as { upstreams: Record<string, unknown>[] };

describe('push-relay upstream', () => {
  it('adds, lists, disables, enables and removes; allowPush only with --allow-push', async () => {
    const h = await home();
    expect((await cli(h, 'add', 'web', '--url', 'https://mcp.example/mcp', '--header', 'Authorization: Bearer sekrit')).code).toBe(0);
    const r = await runCli(['upstream', 'add', 'local', '--stdio', '--allow-push', '--env', 'A=1', '--home', h, '--', 'node', 'server.js', '--flag'], CLEAN_ENV);
    expect(r.code).toBe(0);
    // Pushing, but no resource named: the command says only list changes will arrive, and how to get updates.
    expect(r.stdout).toContain("no resources subscribed: only list changes (mcp.*.list_changed) will arrive; to get resource updates, add it again with --subscribe");
    expect(settings(h).upstreams).toEqual([
      expect.objectContaining({ name: 'web', type: 'http', url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer sekrit' }, allowPush: false, enabled: true }),
      expect.objectContaining({ name: 'local', type: 'stdio', command: 'node', args: ['server.js', '--flag'], env: { A: '1' }, allowPush: true }),
    ]);
    const list = await cli(h, 'list');
    expect(list.stdout).toContain('web  http  https://mcp.example/mcp  enabled  no-push');
    expect(list.stdout).toContain('local  stdio  node server.js --flag  enabled  allow-push');
    const json = await cli(h, 'list', '--json');
    expect(json.stdout).not.toContain('sekrit'); // header values may be credentials
    expect((JSON.parse(json.stdout) as { headers?: unknown }[])[0]!.headers).toEqual({ Authorization: '[set]' });

    expect((await cli(h, 'disable', 'web')).code).toBe(0);
    expect(settings(h).upstreams[0]!.enabled).toBe(false);
    expect((await cli(h, 'enable', 'web')).code).toBe(0);
    expect(settings(h).upstreams[0]!.enabled).toBe(true);
    expect((await cli(h, 'remove', 'web')).code).toBe(0);
    expect(settings(h).upstreams.map((u) => u.name)).toEqual(['local']);
  });

  it('refuses mistakes with one line and no stack trace', async () => {
    const h = await home();
    const http = await cli(h, 'add', 'a', '--url', 'http://example.com/mcp');
    expect(http.code).toBe(2);
    expect(http.stderr.trim()).toBe('push-relay: url: must be https (plain http only on loopback)');
    const both = await cli(h, 'add', 'a');
    expect(both.stderr).toContain('give either --url URL or --stdio -- CMD ARGS…');
    const name = await cli(h, 'add', 'Bad Name', '--url', 'https://x.example/mcp');
    expect(name.stderr).toContain('upstream name "Bad Name"');
    expect((await cli(h, 'add', 'a', '--url', 'https://x.example/mcp')).code).toBe(0);
    const dup = await cli(h, 'add', 'a', '--url', 'https://y.example/mcp');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('an upstream named "a" exists');
    const missing = await cli(h, 'remove', 'nope');
    expect(missing.stderr.trim()).toBe('push-relay: no upstream named "nope" (there are: a)');
    const badArgs = await cli(h, 'add', 'b', '--url', 'https://x.example/mcp', '--events', 'deal.closed={region:eu}');
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toContain('--events deal.closed=…: the arguments must be a JSON object');
    const noName = await cli(h, 'add', 'b', '--url', 'https://x.example/mcp', '--events', '={}');
    expect(noName.stderr).toContain('--events needs an event type name or glob');
    for (const r of [http, both, name, dup, missing, badArgs, noName]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('imports Claude Code servers disabled and without push unless the flags say so', async () => {
    const h = await home();
    const project = await home();
    const claude = join(h, 'claude.json');
    writeFileSync(
      claude,
      JSON.stringify({
        mcpServers: { Everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] }, old: { type: 'sse', url: 'https://x.example/sse' } },
        projects: { [project]: { mcpServers: { remote: { type: 'http', url: 'https://r.example/mcp', headers: { 'X-K': 'v' } } } } },
      }),
    );
    writeFileSync(join(project, '.mcp.json'), JSON.stringify({ mcpServers: { teamdb: { command: 'db-mcp', env: { DB: 'x' } } } }));
    const r = await cli(h, 'import', 'claude-code', '--claude-config', claude, '--project', project);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('skipped old');
    expect(r.stdout).toContain('imported 3 (disabled, no push): everything, remote, teamdb');
    expect(settings(h).upstreams.map((u) => [u.name, u.type, u.enabled, u.allowPush])).toEqual([
      ['everything', 'stdio', false, false],
      ['remote', 'http', false, false],
      ['teamdb', 'stdio', false, false],
    ]);
    // Again: nothing new, nothing duplicated.
    expect((await cli(h, 'import', 'claude-code', '--claude-config', claude, '--project', project)).stdout).toContain('nothing imported');
    const h2 = await home();
    await cli(h2, 'import', 'claude-code', '--claude-config', claude, '--project', project, '--enable', '--allow-push');
    expect(settings(h2).upstreams.every((u) => u.enabled === true && u.allowPush === true)).toBe(true);
  });

  it('a newcomer adds server-everything to a running daemon and its updates show in `push-relay events`', { timeout: 90_000 }, async () => {
    const h = await home();
    const daemon = startCli(['daemon', '--demo', '--home', h, '--local-port', '0'], CLEAN_ENV);
    cleanup.add(() => daemon.kill('SIGTERM'));
    await daemon.line('listening', 30_000);
    const add = await runCli(
      ['upstream', 'add', 'everything', '--allow-push', '--subscribe', 'demo://resource/static/document/architecture.md', '--call-on-connect', 'toggle-subscriber-updates',
        '--home', h, '--stdio', '--', process.execPath, EVERYTHING, 'stdio'],
      CLEAN_ENV,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).not.toContain('no resources subscribed');
    await waitFor(async () => (await cli(h, 'list')).stdout.includes('everything  stdio') && (await cli(h, 'list')).stdout.includes(' connected'), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the daemon to connect the new upstream',
    });
    const events = await waitFor(
      async () => {
        const r = await runCli(['events', '--home', h], CLEAN_ENV);
        return r.stdout.includes('mcp.resource.updated') ? r.stdout : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'mcp.resource.updated in push-relay events' },
    );
    expect(events).toContain('mcp.resource.updated');
    const status = await runCli(['status', '--home', h], CLEAN_ENV);
    expect(status.stdout).toMatch(/^mcp {8}everything \(stdio\): connected, \d+ stored/m);
  });

  it('the Events extension (experimental): --events turns it on, events show in `push-relay events`, and a daemon restart resumes with nothing lost or twice', { timeout: 90_000 }, async () => {
    const h = await home();
    const start = async () => {
      const d = startCli(['daemon', '--demo', '--home', h, '--local-port', '0'], CLEAN_ENV);
      cleanup.add(() => d.kill('SIGTERM'));
      await d.line('listening', 30_000);
      return d;
    };
    const daemon = await start();
    const add = await runCli(
      ['upstream', 'add', 'ev', '--allow-push', '--events', 'test.tick={"parity":"even"}', '--env', `MCP_TEST_EVENTS_LOG=${join(h, 'server-history')}`, '--env', 'MCP_TEST_EVENTS_TICK_MS=40',
        '--home', h, '--stdio', '--', process.execPath, EVENTS_SERVER],
      CLEAN_ENV,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('only list changes (mcp.*.list_changed) and, if the server offers the Events extension, its events (mcp.event.*) will arrive');
    expect(settings(h).upstreams[0]).toMatchObject({ events: { enabled: true, subscribe: [{ name: 'test.tick', arguments: { parity: 'even' } }] } });
    const ticks = async () => {
      const r = await runCli(['events', '--topic', 'mcp.event.test.tick', '--limit', '1000', '--json', '--home', h], CLEAN_ENV);
      return (JSON.parse(r.stdout) as { seq: number; payload: { data: { n: number } } }[]).sort((a, b) => a.seq - b.seq).map((e) => e.payload.data.n);
    };
    await waitFor(async () => ((await ticks()).length >= 4 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200, what: 'four ticks in push-relay events' });
    expect((await cli(h, 'list')).stdout).toMatch(/ev {2}stdio .* events\[test\.tick\] on, \d+ stored/);

    const beforeStop = (await ticks()).length;
    daemon.kill('SIGTERM');
    await daemon.exited;
    expect(existsSync(join(h, 'mcp-event-cursors.json'))).toBe(true);
    await start();
    await waitFor(async () => ((await ticks()).length >= beforeStop + 6 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200, what: 'ticks after the restart' });
    // Even ticks only (the subscription's arguments), each once, none missing across the restart.
    const all = await ticks();
    expect(all.every((n) => n % 2 === 0)).toBe(true);
    expect(all).toEqual(all.map((_, i) => all[0]! + 2 * i));
  });
});
