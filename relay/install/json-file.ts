// Reading and writing the JSON files of another program (Claude Code's settings): never overwrite a file we
// cannot parse, keep its indentation and mode, write a timestamped backup first, replace it atomically.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RelayError } from '../util/errors.js';

export type JsonObject = Record<string, unknown>;

/** Another program's JSON file we will not touch as it is; the message says what to fix. */
export class JsonFileError extends RelayError {
  declare readonly code: 'json_file';

  constructor(message: string) {
    super('config', 'json_file', message);
  }
}

export interface JsonDoc {
  path: string;
  /** The file's text, '' when it does not exist. */
  text: string;
  exists: boolean;
  value: JsonObject;
  indent: string | number;
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function detectIndent(text: string): string | number {
  const m = /^[{[]\s*\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : 2;
}

export function readJsonDoc(path: string): JsonDoc {
  if (!existsSync(path)) return { path, text: '', exists: false, value: {}, indent: 2 };
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return { path, text, exists: true, value: {}, indent: 2 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JsonFileError(`${path} is not valid JSON (${(err as Error).message}); fix or move it, then run this again (nothing was changed)`);
  }
  if (!isPlainObject(value)) throw new JsonFileError(`${path} does not hold a JSON object; fix or move it, then run this again (nothing was changed)`);
  return { path, text, exists: true, value, indent: detectIndent(text) };
}

export function serialize(value: JsonObject, indent: string | number): string {
  return `${JSON.stringify(value, null, indent)}\n`;
}

/** `2026-11-21T11-24-44Z`: sortable, and valid in file names everywhere. */
export function timestamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Copies the file aside as `<file>.push-relay-backup-<timestamp>`; returns the backup's path. */
export function backupFile(path: string, now = new Date()): string {
  const base = `${path}.push-relay-backup-${timestamp(now)}`;
  let target = base;
  for (let n = 1; existsSync(target); n++) target = `${base}-${n}`;
  copyFileSync(path, target);
  return target;
}

/** Writes through a temp file and a rename, keeping an existing file's mode (~/.claude.json is 0600). */
export function writeFileAtomic(path: string, text: string, defaultMode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  let mode = defaultMode;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // new file
  }
  const tmp = `${path}.push-relay-${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}
