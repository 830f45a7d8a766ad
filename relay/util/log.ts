// Logs: JSON lines in `<home>/logs/relay.log` for later reading, short human lines on stderr.
// Secrets never reach either: bearer tokens and known secret values are redacted before writing.
// A line that repeats (an upstream reconnect storm) is written once per window and then summed up in one line,
// so a storm cannot rotate the log's history away; the file is opened without following links (safe-fs.ts).
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { neutralizeText } from '../protocol/untrusted-text.js';
import { realClock, type Clock } from './clock.js';
import { appendNoFollow } from './safe-fs.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Adds a value that must never be printed (an API key, the local token). */
  addSecret(secret: string): void;
  /** Writes the sums of repeat windows still open, so a shutdown does not lose how often a line repeated. */
  flush(): void;
}

const BEARER = /(Bearer\s+)[^\s"']+/gi;

export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(BEARER, '$1[redacted]');
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]');
  return out;
}

export interface LoggerOptions {
  /** Directory for relay.log; none = no file. */
  dir?: string;
  /** Human lines go here (default: process.stderr); null = none. */
  stderr?: { write(text: string): unknown } | null;
  level?: LogLevel;
  stderrLevel?: LogLevel;
  /** Rotate relay.log past this size (one previous file kept). */
  maxBytes?: number;
  /** Timestamps and the end of a repeat window; default the real clock with unref'd timers. */
  clock?: Clock;
  /** A line repeated within this window is written once, then once summed up (default 60 s; 0 = never collapse). */
  repeatWindowMs?: number;
}

/** Lines being collapsed: keyed by level, message and field names (values such as a delay may differ). */
interface Repeat {
  lvl: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
  endsAt: number;
  /** Occurrences not written since the first one. */
  count: number;
}

/** Distinct repeating lines tracked at once; past it the oldest is summed up early (memory stays bounded). */
const MAX_TRACKED = 64;

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = new Set<string>();
  const level = RANK[options.level ?? 'info'];
  const stderrLevel = RANK[options.stderrLevel ?? 'info'];
  const stderr = options.stderr === undefined ? process.stderr : options.stderr;
  const clock = options.clock ?? realClock({ unref: true });
  const windowMs = options.repeatWindowMs ?? 60_000;
  const file = options.dir ? join(options.dir, 'relay.log') : undefined;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  if (options.dir) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  let written = 0;
  let fileBroken = false;
  const repeats = new Map<string, Repeat>();
  let sweepTimer: unknown;

  function emit(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    const safeMsg = redact(msg, secrets);
    if (file && !fileBroken && RANK[lvl] >= level) {
      const line = redact(JSON.stringify({ t: new Date(clock.now()).toISOString(), level: lvl, msg: safeMsg, ...fields }), secrets) + '\n';
      try {
        if (written === 0) written = safeSize(file);
        if (written + line.length > maxBytes) {
          renameSync(file, `${file}.1`);
          written = 0;
        }
        appendNoFollow(file, line);
        written += line.length;
      } catch (err) {
        // A full disk (or a link planted at relay.log) must not take the relay down with it; say so once on stderr.
        fileBroken = true;
        stderr?.write(`push-relay: cannot write ${file} (${(err as Error).message}); logging to stderr only\n`);
      }
    }
    // Messages carry server text (error bodies, topics): one line each, no escape sequence reaches the terminal.
    if (stderr && RANK[lvl] >= stderrLevel) stderr.write(`push-relay: ${lvl === 'info' ? '' : `${lvl}: `}${neutralizeText(safeMsg)}\n`);
  }

  function summarize(r: Repeat): void {
    if (r.count === 0) return;
    const seconds = Math.round(windowMs / 1000);
    emit(r.lvl, `${r.msg} (repeated ${r.count} more time${r.count === 1 ? '' : 's'} within ${seconds}s)`, { ...r.fields, repeated: r.count });
  }

  /** Sums up every window that has ended, and wakes up again at the next end that has repeats to report. */
  function sweep(): void {
    sweepTimer = undefined;
    const now = clock.now();
    let next = Infinity;
    for (const [key, r] of repeats) {
      if (r.endsAt <= now) {
        repeats.delete(key);
        summarize(r);
      } else if (r.count > 0) {
        next = Math.min(next, r.endsAt);
      }
    }
    if (next !== Infinity) sweepTimer = clock.setTimeout(sweep, next - now);
  }

  function write(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (RANK[lvl] < Math.min(level, stderrLevel)) return;
    if (windowMs <= 0) return emit(lvl, msg, fields);
    const now = clock.now();
    const key = `${lvl}\u0000${msg}\u0000${fields ? Object.keys(fields).sort().join(',') : ''}`;
    const seen = repeats.get(key);
    if (seen && seen.endsAt > now) {
      seen.count++;
      seen.fields = fields;
      if (sweepTimer === undefined) sweepTimer = clock.setTimeout(sweep, seen.endsAt - now);
      return;
    }
    if (seen) {
      repeats.delete(key);
      summarize(seen);
    }
    if (repeats.size >= MAX_TRACKED) {
      const [oldestKey, oldest] = repeats.entries().next().value as [string, Repeat];
      repeats.delete(oldestKey);
      summarize(oldest);
    }
    repeats.set(key, { lvl, msg, fields, endsAt: now + windowMs, count: 0 });
    emit(lvl, msg, fields);
  }

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    addSecret: (s) => void secrets.add(s),
    flush: () => {
      if (sweepTimer !== undefined) clock.clearTimeout(sweepTimer);
      sweepTimer = undefined;
      for (const r of repeats.values()) summarize(r);
      repeats.clear();
    },
  };
}

function safeSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** A logger that drops everything (tests, quiet embedding). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  addSecret: () => undefined,
  flush: () => undefined,
};
