// A Logger that keeps what it is told, for tests that assert what the relay said and at which level.
import type { Logger, LogLevel } from '../../relay/util/log.js';

export interface CapturedLog {
  log: Logger;
  lines: { level: LogLevel; msg: string }[];
  /** The messages at one level, in order. */
  at(level: LogLevel): string[];
}

export function captureLog(): CapturedLog {
  const lines: { level: LogLevel; msg: string }[] = [];
  const to = (level: LogLevel) => (msg: string) => void lines.push({ level, msg });
  const log: Logger = { debug: to('debug'), info: to('info'), warn: to('warn'), error: to('error'), addSecret: () => undefined, flush: () => undefined };
  return { log, lines, at: (level) => lines.filter((l) => l.level === level).map((l) => l.msg) };
}
