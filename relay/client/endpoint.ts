// Where the running relay is: `<home>/relay.json` and `<home>/local-token`. A module of its own (node:fs and
// node:path only) so the short hooks can find the relay without loading local-client.ts and node:http with
// it (they speak raw-get.ts instead); local-client.ts re-exports all of it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RelayError } from '../util/errors.js';

/** No relay answers on the home dir; the message says how to start one. */
export class RelayUnavailableError extends RelayError {
  declare readonly code: 'relay_unavailable';

  constructor(message: string) {
    super('relay_unavailable', 'relay_unavailable', message);
  }
}

export interface RelayEndpoint {
  url: string;
  token: string;
  pid: number;
}

/** Reads relay.json and the token; throws RelayUnavailableError with the next step when there is none. */
export function findRelay(home: string): RelayEndpoint {
  let info: { url?: unknown; pid?: unknown };
  try {
    info = JSON.parse(readFileSync(join(home, 'relay.json'), 'utf8')) as typeof info;
  } catch {
    throw new RelayUnavailableError(`no relay is running on ${home}; start one with \`push-relay daemon\``);
  }
  let token: string;
  try {
    token = readFileSync(join(home, 'local-token'), 'utf8').trim();
  } catch {
    throw new RelayUnavailableError(`cannot read ${join(home, 'local-token')}; is this the relay's home dir?`);
  }
  if (typeof info.url !== 'string') throw new RelayUnavailableError(`${join(home, 'relay.json')} is damaged; restart the relay`);
  return { url: info.url, token, pid: Number(info.pid) };
}
