// Normalizes what a user types as "the push server" into the URLs the relay calls (pure, no I/O).
//
// The control plane is always addressed as `<base>/mcp/` with the trailing slash: the real server answers
// `/mcp` with a redirect to `/mcp/`, which costs a round trip and, when it crosses origins, drops the
// Authorization header (seed 001). The push channel is `<base>/mcp/push/sse` (seed 000).
import { PUSH_ENDPOINT } from '../protocol/tools.js';
import { ConfigError } from './errors.js';

export { ConfigError } from './errors.js';

export interface ServerUrl {
  /** `https://host[:port]`, lower-cased, default port dropped: the `server` of an event's identity. */
  origin: string;
  /** Origin plus any path prefix, no trailing slash, e.g. `https://host/pact`. */
  base: string;
  /** `<base>/mcp/`: the Streamable HTTP control plane. */
  controlUrl: string;
  /** `<base>/mcp/push/sse`: the push channel (add `?client_id=`). */
  pushUrl: string;
}

const EXAMPLE = 'e.g. https://api.pact.place or https://api.pact.place/mcp/';

/**
 * Accepts `https://host`, `https://host/`, `https://host/mcp`, `https://host/mcp/`, a path prefix
 * (`https://host/pact/mcp`) and the push URL itself (`…/mcp/push/sse`). Requires https except for loopback
 * hosts (127.0.0.0/8, ::1, localhost), which may use http. Throws `ConfigError` (`invalid_server_url`).
 */
export function normalizeServerUrl(input: string): ServerUrl {
  const text = input.trim();
  const fail = (why: string): never => {
    throw new ConfigError('invalid_server_url', `Server URL "${safeForMessage(text)}" ${why}`);
  };
  if (text === '') fail(`is empty; give the push server's address, ${EXAMPLE}`);

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`is not a URL; give the full address with its scheme, ${EXAMPLE}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`uses ${url.protocol.replace(/:$/, '')}; the push server is reached over https, ${EXAMPLE}`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    fail(
      `uses plain http to a non-loopback host, which would send the API key unencrypted; use https://${url.host}${url.pathname === '/' ? '' : url.pathname} (http is allowed only for localhost, 127.0.0.0/8 and [::1])`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    fail('contains a user name or password; remove them and give the API key separately (PUSH_RELAY_API_KEY or settings)');
  }
  if (url.search !== '' || url.hash !== '') {
    fail(`has a query or fragment; remove everything from "?" or "#" on, ${EXAMPLE}`);
  }

  let path = url.pathname.replace(/\/+$/, '');
  for (const suffix of [PUSH_ENDPOINT, '/mcp']) {
    if (path.endsWith(suffix)) {
      path = path.slice(0, -suffix.length);
      break;
    }
  }
  path = path.replace(/\/+$/, '');
  if (path.includes('//')) fail('has an empty path segment ("//"); remove it');

  const origin = url.origin;
  const base = `${origin}${path}`;
  return { origin, base, controlUrl: `${base}/mcp/`, pushUrl: `${base}${PUSH_ENDPOINT}` };
}

/** A string is normalized; an already normalized `ServerUrl` is checked again (cheap) and returned as such. */
export function toServerUrl(server: string | ServerUrl): ServerUrl {
  return normalizeServerUrl(typeof server === 'string' ? server : server.base);
}

/** localhost, 127.0.0.0/8 and ::1 (as URL.hostname spells them). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  const parts = host.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Never echo credentials from a mistyped URL back into logs. */
function safeForMessage(text: string): string {
  const clipped = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return clipped.replace(/\/\/[^/@\s]*@/, '//***@').replace(/([?&][^=&#]*(?:token|key|secret|auth)[^=&#]*=)[^&#]*/gi, '$1***');
}
