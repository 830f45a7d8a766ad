// The home dir trust rule (relay/config/home-trust.ts), ssh's rule for ~/.ssh: modes checked for real with
// chmod on a temp dir; ownership with an injected uid (these tests run as root, which owns everything here).
import { chmodSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homePaths, type HomePaths } from '../../../relay/config/home.js';
import { assertHomeTrusted, HomeTrustError, type TrustStat } from '../../../relay/config/home-trust.js';
import { acquireInstanceLock } from '../../../relay/config/instance.js';
import { findRelay, RelayUnavailableError } from '../../../relay/client/endpoint.js';
import { tempDir } from '../../helpers/tmp.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

/** A home as the relay leaves it: dir 0700, its files 0600, an inbox with a segment. */
async function home(): Promise<HomePaths> {
  const dir = await tempDir('home-trust-');
  cleanup.add(dir.cleanup);
  const paths = homePaths(dir.path);
  chmodSync(paths.home, 0o700);
  writeFileSync(paths.localToken, 'a'.repeat(64), { mode: 0o600 });
  writeFileSync(paths.relayJson, '{"pid":1,"url":"http://127.0.0.1:9"}', { mode: 0o600 });
  mkdirSync(paths.inbox, { mode: 0o700 });
  writeFileSync(join(paths.inbox, '00000001.log'), '', { mode: 0o600 });
  return paths;
}

const uid = process.getuid!();

function refusal(paths: HomePaths, scope: 'owner' | 'client', io = {}): HomeTrustError | undefined {
  try {
    assertHomeTrusted(paths, scope, { uid, ...io });
    return undefined;
  } catch (err) {
    if (err instanceof HomeTrustError) return err;
    throw err;
  }
}

describe('assertHomeTrusted', () => {
  it('accepts a home the relay made, and a home not created yet', async () => {
    const paths = await home();
    expect(refusal(paths, 'owner')).toBeUndefined();
    expect(refusal(homePaths(join(paths.home, 'not-yet')), 'owner')).toBeUndefined();
  });

  it('refuses a group- or other-writable home dir, saying chmod 700', async () => {
    const paths = await home();
    for (const mode of [0o770, 0o707, 0o777]) {
      chmodSync(paths.home, mode);
      const err = refusal(paths, 'client');
      expect(err?.message).toContain(`${paths.home} is writable by group or others (mode ${mode.toString(8)})`);
      expect(err?.message).toContain(`chmod 700 '${paths.home}'`);
    }
    chmodSync(paths.home, 0o755); // readable is fine, as for ~/.ssh
    expect(refusal(paths, 'client')).toBeUndefined();
  });

  it('refuses a group-writable local-token or inbox segment, saying chmod 600', async () => {
    const paths = await home();
    chmodSync(paths.localToken, 0o620);
    expect(refusal(paths, 'client')?.message).toContain(`chmod 600 '${paths.localToken}'`);
    chmodSync(paths.localToken, 0o600);
    const segment = join(paths.inbox, '00000001.log');
    chmodSync(segment, 0o666);
    expect(refusal(paths, 'owner')?.path).toBe(segment);
    // Clients read only relay.json and local-token: they do not walk the inbox.
    expect(refusal(paths, 'client')).toBeUndefined();
  });

  it('refuses a home or a file owned by another user, saying chown', async () => {
    const paths = await home();
    const other = uid + 4242;
    const err = refusal(paths, 'client', { uid: other });
    expect(err?.path).toBe(paths.home);
    expect(err?.message).toContain(`belongs to uid ${uid}, not to you (uid ${other})`);
    expect(err?.message).toContain(`chown -R ${other} '${paths.home}'`);
    // Only the planted token is someone else's.
    const lstatAs = (path: string): TrustStat => {
      const st = lstatSync(path);
      return path === paths.localToken ? Object.assign(Object.create(st) as TrustStat, { uid: other }) : st;
    };
    expect(refusal(paths, 'client', { lstat: lstatAs })?.message).toContain(`${paths.localToken} belongs to uid ${other}`);
  });

  it('refuses a symbolic link among the files, a temp file in the inbox included, saying rm', async () => {
    const paths = await home();
    const outside = await tempDir('home-trust-outside-');
    cleanup.add(outside.cleanup);
    const tmp = join(paths.inbox, 'consumers.json.tmp');
    symlinkSync(join(outside.path, 'victim'), tmp);
    expect(refusal(paths, 'owner')?.message).toContain(`${tmp} is a symbolic link`);
    expect(refusal(paths, 'owner')?.message).toContain(`rm '${tmp}'`);
  });

  it('skips the check on Windows and where there is no uid', async () => {
    const paths = await home();
    chmodSync(paths.home, 0o777);
    expect(refusal(paths, 'owner', { platform: 'win32' })).toBeUndefined();
    expect(refusal(paths, 'owner', { uid: undefined })).toBeUndefined();
  });
});

describe('the check at its call sites', () => {
  it('the relay refuses to take an untrusted home', async () => {
    const paths = await home();
    chmodSync(paths.home, 0o777);
    expect(() => acquireInstanceLock(paths)).toThrow(HomeTrustError);
  });

  it('clients do not read a planted token from an untrusted home', async () => {
    const paths = await home();
    chmodSync(paths.home, 0o777);
    expect(() => findRelay(paths.home)).toThrow(RelayUnavailableError);
    expect(() => findRelay(paths.home)).toThrow(/chmod 700/);
    chmodSync(paths.home, 0o700);
    expect(findRelay(paths.home).token).toBe('a'.repeat(64));
  });
});
