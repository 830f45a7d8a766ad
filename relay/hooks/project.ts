// A session's project as the hook sees it: its cwd (from the hook input), the git repository root containing
// it, and that repository's `origin` remote. Computed by the hook — the relay never reads a session's files —
// from the file system alone (no `git` process: hooks start on every turn): walk up to the first `.git`
// (a directory, or a file `gitdir: …` in a worktree or submodule) and read `[remote "origin"] url` from its
// config (a worktree's config is the main repository's, through `commondir`).
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SessionReport } from '../protocol/local-api.js';

/** Deeper than any real checkout; a bound on the walk up. */
const MAX_DEPTH = 64;

function readSmall(file: string): string | undefined {
  try {
    if (statSync(file).size > 256 * 1024) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The `.git` dir of a checkout at `root` (following a `gitdir:` file) and its common dir (where config lives). */
function gitDirs(root: string): string | undefined {
  const dotGit = join(root, '.git');
  let gitDir = dotGit;
  try {
    if (statSync(dotGit).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readSmall(dotGit) ?? '');
      if (!m) return undefined;
      gitDir = resolve(root, m[1]!.trim());
    }
  } catch {
    return undefined;
  }
  const common = readSmall(join(gitDir, 'commondir'))?.trim();
  return common ? resolve(gitDir, common) : gitDir;
}

/** `url` of `[remote "origin"]` in a git config text. */
export function originUrl(config: string): string | undefined {
  let inOrigin = false;
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inOrigin = /^\[remote\s+"origin"\]$/.test(line);
    else if (inOrigin) {
      const m = /^url\s*=\s*(.+)$/.exec(line);
      if (m) return m[1]!.trim();
    }
  }
  return undefined;
}

export function projectOf(cwd: string | undefined): Pick<SessionReport, 'cwd' | 'root' | 'remote'> {
  if (!cwd || !isAbsolute(cwd)) return {};
  let dir = resolve(cwd);
  for (let i = 0; i < MAX_DEPTH; i++) {
    try {
      statSync(join(dir, '.git'));
      const common = gitDirs(dir);
      const remote = common ? originUrl(readSmall(join(common, 'config')) ?? '') : undefined;
      return { cwd, root: dir, ...(remote ? { remote } : {}) };
    } catch {
      // no .git here: one level up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { cwd };
}
