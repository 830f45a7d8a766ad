// `<home>/settings.json` on disk: the daemon's storage backend for the settings store (relay/config/settings.ts).
//
// Written here by hand rather than through conf: conf writes with `atomically`, which imports `when-exit`, and
// when-exit hooks SIGTERM/SIGINT/SIGHUP (and a dozen more) with `process.once` at import and re-raises the
// signal after its own cleanup. The daemon's own SIGTERM listener is a `once` too, so the re-raised signal found
// no listener and killed the process mid-shutdown: relay.json and the instance lock were left behind. The
// relay owns its shutdown, so the writer must install no signal handler; those handlers are anonymous closures
// of a module singleton and cannot be removed cleanly, so the few lines conf needed are here instead.
//
// The write is atomic (a temp file in the same dir, fsync, rename) and never follows a symlink: the temp file
// is created with O_EXCL | O_NOFOLLOW, mode 0600, so nothing planted at its name is written through, and
// rename() replaces the directory entry itself. The store refuses a settings.json that is a symlink before any
// backend writes (`refuseSymlink`): the API key must not land wherever the link points.
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

export class SettingsFileError extends Error {
  readonly code = 'invalid_settings';
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
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
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
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, `${JSON.stringify(value, null, '\t')}\n`);
        fsyncSync(fd);
      } catch (err) {
        closeSync(fd);
        unlinkSync(temp);
        throw err;
      }
      closeSync(fd);
      // rename() replaces the directory entry itself; it never writes through a link at `path`.
      try {
        renameSync(temp, path);
      } catch (err) {
        unlinkSync(temp);
        throw err;
      }
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
