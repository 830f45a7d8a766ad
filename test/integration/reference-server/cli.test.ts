import { afterEach, describe, expect, it } from 'vitest';
import { METHOD } from '../../../relay/protocol/frames.js';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { SseReader } from '../../helpers/sse-reader.js';

const running: CliProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill('SIGKILL');
});

describe('push-relay reference-server (CLI)', () => {
  it('--demo prints `listening <url>` first and streams demo events to the curl client id', async () => {
    const p = startCli(['reference-server', '--demo', '--port', '0', '--demo-interval-ms', '30']);
    running.push(p);
    const url = await p.line('listening');
    expect(p.stdout[0]).toBe(`listening ${url}`);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const reader = await SseReader.open(`${url}/mcp/push/sse?client_id=demo`, { authorization: 'Bearer demo-token' });
    try {
      await reader.waitForCount(METHOD.event, 3);
      const topics = reader.byMethod(METHOD.event).map((m) => String(m.json.params.topic));
      for (const t of topics) expect(t).toMatch(/^(deal|account|workflow|ticket|custom)\./);
    } finally {
      reader.close();
    }
    expect(p.stderr()).toContain("curl -N -H 'Authorization: Bearer demo-token'");
    // Demo mode signs in with OAuth too (relay/reference-server/oauth/).
    expect(p.stderr()).toContain(`OAuth sign-in on (tenant "demo"): push-relay login --server ${url}`);
    expect((await fetch(`${url}/.well-known/oauth-protected-resource`)).status).toBe(200);
  });

  it('exits cleanly on SIGTERM', async () => {
    const p = startCli(['reference-server', '--port', '0', '--token', 'a=b']);
    running.push(p);
    await p.line('listening');
    expect(await p.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it.each([
    [['reference-server', '--port', 'abc'], '--port needs a whole number'],
    [['reference-server', '--token', 'novalue'], '--token takes TOKEN=TENANT'],
    [['reference-server', '--bogus'], 'unknown option --bogus'],
    [['no-such-command'], 'unknown command "no-such-command"'],
  ])('%j → one clear line on stderr, non-zero exit, no stack trace', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says so when the port is taken', async () => {
    const first = startCli(['reference-server', '--port', '0']);
    running.push(first);
    const port = new URL(await first.line('listening')).port;
    const { code, stderr } = await runCli(['reference-server', '--port', port]);
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} is in use`);
  });
});
