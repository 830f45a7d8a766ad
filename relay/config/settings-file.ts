// `<home>/settings.json` on disk: the daemon's storage backend for the settings store (relay/config/settings.ts).
//
// Written here by hand rather than through conf: conf writes with `atomically`, which imports `when-exit`, and
// when-exit hooks SIGTERM/SIGINT/SIGHUP (and a dozen more) with `process.once` at import and re-raises the
// signal after its own cleanup. The daemon's own SIGTERM listener is a `once` too, so the re-raised signal found
// no listener and killed the process mid-shutdown: relay.json and the instance lock were left behind. The
// relay owns its shutdown, so the writer must install no signal handler; those handlers are anonymous closures
// of a module singleton and cannot be removed cleanly, so the few lines conf needed are here instead.
//
// The write is atomic and never follows a symlink (relay/util/safe-fs.ts: a temp file created with O_EXCL |
// O_NOFOLLOW, mode 0600, fsync, rename, which replaces the directory entry itself); the read refuses a link. The store refuses a settings.json that is a symlink before any
// backend writes (`refuseSymlink`): the API key must not land wherever the link points.
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RelayError } from '../util/errors.js';
import { readTextNoFollow, UnsafeFileError, writeFileAtomicSync } from '../util/safe-fs.js';

export class SettingsFileError extends RelayError {
  declare readonly code: 'invalid_settings';
  constructor(message: string) {
    super('config', 'invalid_settings', message);
  }
}

/** Where the settings store keeps its object: this file for the daemon, electron-store in the tray app. */
export interface SettingsBackend {
  readonly path: string;
  /** The stored object as parsed (`{}` when there is none yet). */
  load(): Record<string, unknown>;
  /** Replaces the stored object. */
  save(value: Record<string, unknown>): void;
}

export function settingsFile(path: string): SettingsBackend {
  return {
    path,
    load() {
      let text: string;
      try {
        text = readTextNoFollow(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
        if (err instanceof UnsafeFileError) throw err;
        throw new SettingsFileError(`cannot read ${path}: ${(err as Error).message}`);
      }
      try {
        return asObject(JSON.parse(text), path);
      } catch (err) {
        if (err instanceof SettingsFileError) throw err;
        throw new SettingsFileError(`cannot read ${path}: ${(err as Error).message}; fix the JSON or delete the file`);
      }
    },
    save(value) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileAtomicSync(path, `${JSON.stringify(value, null, '\t')}\n`);
    },
  };
}

/** Refuses to write where `path` is a symlink (or anything but a regular file). Missing is fine. */
export function refuseSymlink(path: string): void {
  let kind: string;
  try {
    const st = lstatSync(path);
    if (st.isFile()) return;
    kind = st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  throw new SettingsFileError(`${path} is ${kind}, so settings (the API key among them) are not written through it; replace it with a regular file`);
}

/** Used as parsed (the schema judges it): copying with Object.assign would turn an own `__proto__` key into a prototype. */
function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SettingsFileError(`${path} must hold a JSON object ({ "key": value, … }); fix it or delete the file`);
  }
  return value as Record<string, unknown>;
}
