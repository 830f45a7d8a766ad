// Logs: JSON lines in `<home>/logs/relay.log` for later reading, short human lines on stderr.
// Secrets never reach either: bearer tokens and known secret values are redacted before writing.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { neutralizeText } from '../protocol/untrusted-text.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Adds a value that must never be printed (an API key, the local token). */
  addSecret(secret: string): void;
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
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = new Set<string>();
  const level = RANK[options.level ?? 'info'];
  const stderrLevel = RANK[options.stderrLevel ?? 'info'];
  const stderr = options.stderr === undefined ? process.stderr : options.stderr;
  const now = options.now ?? (() => new Date());
  const file = options.dir ? join(options.dir, 'relay.log') : undefined;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  if (options.dir) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  let written = 0;
  let fileBroken = false;

  function write(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (RANK[lvl] < Math.min(level, stderrLevel)) return;
    const safeMsg = redact(msg, secrets);
    if (file && !fileBroken && RANK[lvl] >= level) {
      const line = redact(JSON.stringify({ t: now().toISOString(), level: lvl, msg: safeMsg, ...fields }), secrets) + '\n';
      try {
        if (written === 0) written = safeSize(file);
        if (written + line.length > maxBytes) {
          renameSync(file, `${file}.1`);
          written = 0;
        }
        appendFileSync(file, line, { mode: 0o600 });
        written += line.length;
      } catch (err) {
        // A full disk must not take the relay down with it; say so once on stderr.
        fileBroken = true;
        stderr?.write(`push-relay: cannot write ${file} (${(err as Error).message}); logging to stderr only\n`);
      }
    }
    // Messages carry server text (error bodies, topics): one line each, no escape sequence reaches the terminal.
    if (stderr && RANK[lvl] >= stderrLevel) stderr.write(`push-relay: ${lvl === 'info' ? '' : `${lvl}: `}${neutralizeText(safeMsg)}\n`);
  }

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    addSecret: (s) => void secrets.add(s),
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
};
