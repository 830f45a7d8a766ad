// Shared by the commands that operate a running relay: find it through the home dir and call it. Its failures
// (not running, a refusal) are typed errors whose message is the one line that says what to do.
import { resolveHome } from '../config/home.js';
import { findRelay, relayRequest, RelayRequestError, type RequestOptions } from '../client/local-client.js';
import { SUBSCRIPTION_NOT_FOUND, withNextStep } from '../local/unknown-subscription.js';
import { escapeUnsafe, neutralizeText } from '../protocol/untrusted-text.js';

export const HOME_OPTION = { home: { type: 'string' } } as const;

export async function callRelay<T>(homeFlag: string | undefined, path: string, options: RequestOptions = {}): Promise<T> {
  const relay = findRelay(resolveHome(homeFlag));
  try {
    return await relayRequest<T>(relay, path, { timeoutMs: 30_000, ...options });
  } catch (err) {
    if (!(err instanceof RelayRequestError)) throw err;
    // The relay words an unknown subscription for every surface; the CLI names its own next step.
    if (err.code === SUBSCRIPTION_NOT_FOUND) throw new RelayRequestError(err.status, err.code, withNextStep(err.message, 'cli'));
    // The relay's error may relay the push server's (a refused subscribe): shown as one neutral line.
    throw new RelayRequestError(err.status, err.code, neutralizeText(err.message, 1000));
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
