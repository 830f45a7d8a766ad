// Shared by the commands that operate a running relay: find it through the home dir, call it, and turn
// "not running" into the one line that says what to do.
import { resolveHome } from '../config/home.js';
import { findRelay, relayRequest, RelayRequestError, RelayUnavailableError, type RequestOptions } from '../client/local-client.js';
import { SUBSCRIPTION_NOT_FOUND, withNextStep } from '../local/unknown-subscription.js';
import { CliError } from './errors.js';

export const HOME_OPTION = { home: { type: 'string' } } as const;

export async function callRelay<T>(homeFlag: string | undefined, path: string, options: RequestOptions = {}): Promise<T> {
  try {
    const relay = findRelay(resolveHome(homeFlag));
    return await relayRequest<T>(relay, path, { timeoutMs: 30_000, ...options });
  } catch (err) {
    if (err instanceof RelayUnavailableError) throw new CliError(err.message, err.code);
    if (err instanceof RelayRequestError) {
      throw new CliError(err.code === SUBSCRIPTION_NOT_FOUND ? withNextStep(err.message, 'cli') : err.message, err.code);
    }
    throw err;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
