// Does a session's project match a route's `project`? (relay/sessions/settings.ts). A route names either a
// directory — matching a session whose cwd or repository root is that directory or below it — or a git remote,
// matching a session whose repository's `origin` is the same remote however it is spelled (https or scp-like,
// with or without `.git`, a user name or a trailing slash). Pure: no I/O.
import { isAbsolute, resolve, sep } from 'node:path';

export interface SessionProject {
  cwd?: string | null | undefined;
  root?: string | null | undefined;
  remote?: string | null | undefined;
}

/** `https://…`, `ssh://…`, `git@host:path`: a remote, not a directory. */
export function isRemote(project: string): boolean {
  return /^[a-z][\w+.-]*:\/\//i.test(project) || /^[\w.-]+@[\w.-]+:/.test(project);
}

/** `git@github.com:acme/app.git`, `https://github.com/acme/app` and `ssh://git@github.com/acme/app/` → `github.com/acme/app`. */
export function normalizeRemote(remote: string): string {
  let r = remote.trim();
  const scp = /^[\w.-]+@([\w.-]+):(?!\/\/)(.*)$/.exec(r);
  if (scp) r = `${scp[1]}/${scp[2]}`;
  else r = r.replace(/^[a-z][\w+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  r = r.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  const slash = r.indexOf('/');
  // Host names are case-insensitive; paths are not (a self-hosted server may differ).
  return slash === -1 ? r.toLowerCase() : r.slice(0, slash).toLowerCase().replace(/:\d+$/, '') + r.slice(slash);
}

function under(dir: string, path: string | null | undefined): boolean {
  if (!path || !isAbsolute(path)) return false;
  const d = resolve(dir);
  const p = resolve(path);
  return p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);
}

export function projectMatches(project: string, session: SessionProject): boolean {
  if (isRemote(project)) return !!session.remote && normalizeRemote(project) === normalizeRemote(session.remote);
  if (!isAbsolute(project)) return false;
  return under(project, session.cwd) || under(project, session.root);
}
