// Shared by the commands that operate a running relay: find it through the home dir, call it, and turn
// "not running" into the one line that says what to do.
import { resolveHome } from '../config/home.js';
import { findRelay, relayRequest, RelayRequestError, RelayUnavailableError, type RequestOptions } from '../client/local-client.js';
import { escapeUnsafe, neutralizeText } from '../protocol/untrusted-text.js';
import { CliError } from './errors.js';

export const HOME_OPTION = { home: { type: 'string' } } as const;

export async function callRelay<T>(homeFlag: string | undefined, path: string, options: RequestOptions = {}): Promise<T> {
  try {
    const relay = findRelay(resolveHome(homeFlag));
    return await relayRequest<T>(relay, path, { timeoutMs: 30_000, ...options });
  } catch (err) {
    if (err instanceof RelayUnavailableError) throw new CliError(err.message, err.code);
    // The relay's error may relay the push server's (a refused subscribe): shown as one neutral line.
    if (err instanceof RelayRequestError) throw new CliError(neutralizeText(err.message, 1000), err.code);
    throw err;
  }
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
