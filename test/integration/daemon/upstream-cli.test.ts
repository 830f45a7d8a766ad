// `push-relay upstream …` as a user runs it (the compiled CLI): entries written through the one settings store,
// clear one-line errors, allowPush only when asked, the Claude Code import, and — with a daemon running — a
// newcomer's server-everything added from the command line whose resource updates show in `push-relay events`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../helpers/cleanups.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanup = useCleanups();
const CLEAN_ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' };
const EVERYTHING = join(process.cwd(), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

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
    for (const r of [http, both, name, dup, missing]) expect(r.stderr).not.toMatch(/\n\s+at /);
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
});
