// Shared by the commands that operate a running relay: find it through the home dir and call it. Its failures
// (not running, a refusal) are typed errors whose message is the one line that says what to do.
import { resolveHome } from '../config/home.js';
import { findRelay, relayRequest, type RequestOptions } from '../client/local-client.js';

export const HOME_OPTION = { home: { type: 'string' } } as const;

export async function callRelay<T>(homeFlag: string | undefined, path: string, options: RequestOptions = {}): Promise<T> {
  const relay = findRelay(resolveHome(homeFlag));
  return relayRequest<T>(relay, path, { timeoutMs: 30_000, ...options });
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
