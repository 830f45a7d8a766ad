// Shared by the commands that operate a running relay: find it through the home dir and call it. Its failures
// (not running, a refusal) are typed errors whose message is the one line that says what to do.
import { resolveHome } from '../config/home.js';
import { findRelay, relayRequest, type RequestOptions } from '../client/local-client.js';
import { escapeUnsafe } from '../protocol/untrusted-text.js';

export const HOME_OPTION = { home: { type: 'string' } } as const;

export async function callRelay<T>(homeFlag: string | undefined, path: string, options: RequestOptions = {}): Promise<T> {
  const relay = findRelay(resolveHome(homeFlag));
  return relayRequest<T>(relay, path, { timeoutMs: 30_000, ...options });
}

/**
 * JSON as scripts want it, safe on a terminal: JSON.stringify leaves DEL, C1 controls, bidi, zero-width and
 * tag characters and U+2028/2029 raw inside strings; they are \u-escaped, which parses back to the same value.
 * Pretty-printed, its only raw line breaks are the layout's own (string ones are already `\n`).
 */
export function printJson(value: unknown): void {
  const text = JSON.stringify(value, null, 2).split('\n').map(escapeUnsafe).join('\n');
  process.stdout.write(text + '\n');
}
