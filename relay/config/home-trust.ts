// Whether a home dir may be trusted (DESIGN.md "Home dir", "Security"), the rule ssh applies to ~/.ssh: the
// dir and every file in it that the relay or its clients read or write must belong to the current user and
// must not be writable by group or others, and nothing in it may be a symbolic link. Otherwise another user
// could plant a `local-token` (and read what agents send to the relay) or a `relay.json` pointing clients at
// their own server. The daemon and the tray refuse to start; CLI clients say why; hooks fail open silently.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HomePaths } from './home.js';
import { RelayError } from '../util/errors.js';

export class HomeTrustError extends RelayError {
  override readonly name = 'HomeTrustError';
  declare readonly code: 'home_untrusted';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('config', 'home_untrusted', message);
  }
}

/** What the check needs of a path's lstat (or, for the home dir itself, stat). */
export interface TrustStat {
  uid: number;
  mode: number;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface TrustIo {
  /**
   * The uid every file must have; default process.getuid(). undefined on Windows, where process.getuid does
   * not exist and files have no POSIX owner or mode bits: the check is skipped there (NTFS ACLs on the
   * per-user app-data dir keep other users out).
   */
  uid?: number;
  platform?: NodeJS.Platform;
  lstat?: (path: string) => TrustStat;
  stat?: (path: string) => TrustStat;
  readdir?: (path: string) => string[];
}

/**
 * `owner`: the relay itself (daemon or tray) — the home dir, its files and the entries of its subdirs.
 * `client`: hooks, CLI commands, the stdio bridge — only what they read: the home dir, relay.json, local-token.
 */
export type TrustScope = 'owner' | 'client';

const GROUP_OR_OTHER_WRITE = 0o022;

function missing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Throws HomeTrustError naming the first untrusted path and the command that fixes it. */
export function assertHomeTrusted(paths: HomePaths, scope: TrustScope, io: TrustIo = {}): void {
  const platform = io.platform ?? process.platform;
  if (platform === 'win32') return; // see TrustIo.uid
  const uid = 'uid' in io ? io.uid : process.getuid?.();
  if (uid === undefined) return;
  const lstat = io.lstat ?? lstatSync;
  const stat = io.stat ?? statSync;
  const readdir = io.readdir ?? ((p: string) => readdirSync(p));

  // The home dir itself may be a link (dotfile managers link ~/.config entries): its target is what counts.
  let homeStat: TrustStat;
  try {
    homeStat = stat(paths.home);
  } catch (err) {
    if (missing(err)) return; // not created yet: the relay creates it with mode 0700
    throw err;
  }
  judge(paths.home, homeStat, uid);

  const files = scope === 'client' ? [paths.relayJson, paths.localToken] : [paths.settings, paths.localToken, paths.relayJson, paths.lock];
  for (const file of files) checkEntry(file, lstat, uid);
  if (scope === 'client') return;
  for (const dir of [paths.inbox, paths.logs, paths.hooks, paths.demoServer]) {
    if (!checkEntry(dir, lstat, uid)) continue;
    for (const name of readdir(dir)) checkEntry(join(dir, name), lstat, uid);
  }
}

/** Checks one entry by lstat; false when it does not exist. */
function checkEntry(path: string, lstat: (path: string) => TrustStat, uid: number): boolean {
  let st: TrustStat;
  try {
    st = lstat(path);
  } catch (err) {
    if (missing(err)) return false;
    throw err;
  }
  judge(path, st, uid);
  return st.isDirectory();
}

function judge(path: string, st: TrustStat, uid: number): void {
  if (st.isSymbolicLink()) {
    throw new HomeTrustError(path, `${path} is a symbolic link; push-relay does not follow links in its home dir: run \`rm '${path}'\``);
  }
  const dir = st.isDirectory();
  if (st.uid !== uid) {
    throw new HomeTrustError(
      path,
      `${path} belongs to uid ${st.uid}, not to you (uid ${uid}), so push-relay will not trust it: if it is yours run \`sudo chown ${dir ? '-R ' : ''}${uid} '${path}'\`, else remove it or use another --home`,
    );
  }
  if ((st.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw new HomeTrustError(
      path,
      `${path} is writable by group or others (mode ${mode}), so push-relay will not trust it: run \`chmod ${dir ? '700' : '600'} '${path}'\``,
    );
  }
}
