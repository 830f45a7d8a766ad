// Where the running relay is: `<home>/relay.json` and `<home>/local-token`. A module of its own (node:fs and
// node:path through the home trust check and safe-fs; no node:http, no package) so the short hooks can find the
// relay without loading local-client.ts and node:http with it (they speak raw-get.ts instead); local-client.ts
// re-exports all of it.
import { RelayError } from '../util/errors.js';
import { homePaths } from '../config/home.js';
import { assertHomeTrusted, type TrustIo } from '../config/home-trust.js';
import { readTextNoFollow } from '../util/safe-fs.js';

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

/**
 * Reads relay.json and the token; throws RelayUnavailableError with the next step when there is none, or
 * when the home dir is not trusted (home-trust.ts: a planted token or relay.json must not be used).
 */
export function findRelay(home: string, trust: TrustIo = {}): RelayEndpoint {
  const paths = homePaths(home);
  try {
    assertHomeTrusted(paths, 'client', trust);
  } catch (err) {
    throw new RelayUnavailableError((err as Error).message);
  }
  let info: { url?: unknown; pid?: unknown };
  try {
    info = JSON.parse(readTextNoFollow(paths.relayJson)) as typeof info;
  } catch {
    throw new RelayUnavailableError(`no relay is running on ${home}; start one with \`push-relay daemon\``);
  }
  let token: string;
  try {
    token = readTextNoFollow(paths.localToken).trim();
  } catch {
    throw new RelayUnavailableError(`cannot read ${paths.localToken}; is this the relay's home dir?`);
  }
  if (typeof info.url !== 'string') throw new RelayUnavailableError(`${paths.relayJson} is damaged; restart the relay`);
  return { url: info.url, token, pid: Number(info.pid) };
}
