// What the daemon loads before `listening` when nothing needs the MCP SDK (a push server with an API key, no
// MCP upstreams, nobody signing in): no SDK module. The SDK client loads with the first MCP upstream that
// connects or the first sign-in, the local MCP server with the first /mcp request; every module on the start
// path is start-up time for every user (README "Benchmarks": daemon ready).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli } from '../../helpers/cli.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { tempDir } from '../../helpers/tmp.js';

const RECORD_LOADS = fileURLToPath(new URL('../../helpers/record-loads.mjs', import.meta.url));
const cleanup = useCleanups();

describe('the daemon start path', () => {
  it('loads no MCP SDK module before listening when no upstream, sign-in or /mcp call needs it', async () => {
    const server = await startReferenceServer({ tokens: { 'start-path-key': 't1' } });
    cleanup.add(() => server.close());
    const home = await tempDir('relay-start-path-');
    cleanup.add(home.cleanup);
    const loads = join(home.path, 'loads.txt');
    const daemon = startCli(['daemon', '--home', join(home.path, 'home'), '--server', server.url, '--client-id', 'start-path', '--local-port', '0', '--quiet'], {
      PUSH_RELAY_API_KEY: 'start-path-key',
      PUSH_RELAY_TEST_LOADS: loads,
      NODE_OPTIONS: `--import ${RECORD_LOADS}`,
    });
    cleanup.add(() => daemon.kill());
    await daemon.line('listening', 30_000);
    const loaded = readFileSync(loads, 'utf8').split('\n').filter(Boolean);
    // The recorder works: the daemon's own modules are there.
    expect(loaded.some((u) => u.includes('/relay/core/relay.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('@modelcontextprotocol/'))).toEqual([]);
  });
});
