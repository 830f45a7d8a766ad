// `npm start` here, where Electron's binary is missing: one real run of scripts/start.mjs (which needs
// dist/): the reason line, the daemon's `listening` line, clean shutdown on a forwarded SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../../relay/config/home.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const cleanup = useCleanups();

describe('npm start here (no Electron binary)', () => {
  it('prints the reason and the daemon’s listening line, and stops the daemon on a forwarded SIGTERM', async () => {
    expect(existsSync(`${ROOT}dist/main/launch.js`), 'run `npm run build` first').toBe(true);
    const home = await tempDir('npm-start-');
    cleanup.add(home.cleanup);
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: ':0' };
    delete env.PUSH_RELAY_HEADLESS;
    const child = spawn(process.execPath, [`${ROOT}scripts/start.mjs`, '--home', home.path, '--local-port', '0', '--quiet'], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    try {
      await waitFor(() => /^listening http:\/\/127\.0\.0\.1:\d+$/m.test(stdout), { timeoutMs: 20_000, what: `the listening line (stderr: ${stderr})` });
      const reasons = stderr.split('\n').filter((l) => l.startsWith('Electron is not available here ('));
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/^Electron is not available here \((no Electron binary|no display).*\): running the headless daemon instead; open the inbox URL below in a browser\.$/);
      await waitFor(() => /^inbox http:\/\/127\.0\.0\.1:\d+\/#token=/m.test(stdout), { what: 'the inbox line' });
      expect(existsSync(homePaths(home.path).relayJson)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const { code } = await exited;
    expect(code).toBe(0);
    // The daemon got the signal through start.mjs and shut down cleanly (it removes relay.json on exit).
    expect(existsSync(homePaths(home.path).relayJson)).toBe(false);
  });
});
