// The one fetch through which the bearer token leaves the relay (DESIGN.md "Security", "Failure behaviour":
// redirect to another origin → never forward the bearer token).
//
// Every request is sent with `redirect: 'manual'` and redirects are followed here, by hand: at most a few,
// and only within the configured origin, re-sending the token each time. A redirect to any other origin
// (another host, port or scheme, or one with userinfo) is not followed at all and fails with a
// `RedirectError`, so the request that would carry the token there is never made. Seed 001 shows why this
// is not hypothetical: the real server answers `/mcp` with a redirect, and following one across origins
// either leaks the header or silently drops it.
//
// Node's fetch (undici) returns the real 3xx response for `redirect: 'manual'`, Location included; a browser
// would return an opaque one, but this file runs in Node only (relay/ never runs in a renderer). The push
// stream passes its own smaller transport (http-fetch.ts), which never follows redirects either. Headers are
// kept as a plain lower-cased record, not a `Headers`: that global is undici's, and touching it loads undici.
import { RedirectError } from './errors.js';

export type FetchFn = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** What the guard reads of a response: status, Location, and a body to release. A fetch Response has it. */
export interface GuardedResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: { cancel(): Promise<void> } | null;
}

/** The request fields the guard reads or sets. */
export interface GuardedInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  redirect?: string;
}

export interface GuardedFetchOptions<R extends GuardedResponse = Response, I extends GuardedInit = RequestInit> {
  /** The only origin that ever receives the token, e.g. `https://api.pact.place`. */
  origin: string;
  /**
   * Read at every request (and every redirect hop), so a new key takes effect without rebuilding anything. An
   * OAuth session's is async: it refreshes first when the token is about to expire (relay/auth/session.ts).
   */
  token: () => string | undefined | Promise<string | undefined>;
  /**
   * Called when a request sent with `rejected` is answered 401; true means a fresh token is there, and the
   * request is sent once more with it (one retry, never a loop). Absent for an API key: a 401 is final.
   */
  onRejected?: (rejected: string | undefined) => Promise<boolean>;
  /** The underlying fetch (tests inject one that counts requests). Default: globalThis.fetch. */
  fetch?: (input: string | URL, init?: I) => Promise<R>;
  /** Same-origin redirects followed per request. Default 3. */
  maxRedirects?: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function createGuardedFetch<R extends GuardedResponse = Response, I extends GuardedInit = RequestInit>(
  options: GuardedFetchOptions<R, I>,
): (input: string | URL, init?: I) => Promise<R> {
  const origin = new URL(options.origin).origin;
  const maxRedirects = options.maxRedirects ?? 3;
  // Without a fetch of their own, R and I are fetch's Response and RequestInit (the defaults).
  const baseFetch = options.fetch ?? ((input: string | URL, init?: I) => globalThis.fetch(input, init as RequestInit) as Promise<unknown> as Promise<R>);

  return async (input, init = {} as I) => {
    let url = new URL(input instanceof URL ? input.href : input);
    if (url.origin !== origin) {
      // A caller bug, not a server's doing: refuse rather than send the token somewhere unexpected.
      throw new RedirectError('cross_origin_redirect', `refusing to send the API key to ${url.origin}: the configured server is ${origin}`, where(url), undefined, 0);
    }
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const headers = headerRecord(init.headers);
    let retried = false;
    for (let hops = 0; ; hops++) {
      const token = await options.token();
      if (token) headers.authorization = `Bearer ${token}`;
      else delete headers.authorization;
      // A body that is a stream cannot be sent twice; the relay only sends strings (JSON-RPC messages).
      const response = await baseFetch(url, { ...init, method, body, headers: { ...headers }, redirect: 'manual' });
      if (response.status === 401 && options.onRejected && !retried) {
        retried = true;
        // The token may have expired in flight or been revoked: one refresh (shared with concurrent callers), one
        // retry. Without a fresh token the 401 is the answer, body and all (it says why).
        if (await options.onRejected(token)) {
          await response.body?.cancel().catch(() => undefined);
          hops--;
          continue;
        }
        return response;
      }
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      await response.body?.cancel().catch(() => undefined);

      let target: URL;
      try {
        target = new URL(location, url);
      } catch {
        throw new RedirectError('invalid_redirect', `${where(url)} answered ${response.status} with an unreadable Location; not followed`, where(url), undefined, response.status);
      }
      if (target.origin !== origin || target.username !== '' || target.password !== '') {
        throw new RedirectError(
          'cross_origin_redirect',
          `${where(url)} redirected (${response.status}) to another origin, ${where(target)}; not followed, so the API key was not sent there. ` +
            `If that is the right server, configure its address (${target.origin}) instead.`,
          where(url),
          where(target),
          response.status,
        );
      }
      if (hops >= maxRedirects) {
        throw new RedirectError('too_many_redirects', `${where(url)}: more than ${maxRedirects} redirects; check the server address`, where(url), where(target), response.status);
      }
      // Fetch's rules (WHATWG Fetch, "HTTP-redirect fetch" step 12): 303, and 301/302 after a POST, become a
      // GET without a body; 307/308 keep the method and body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        if (method !== 'GET' && method !== 'HEAD') method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      url = target;
    }
  };
}

/** Request headers (a record, `[name, value]` pairs or a Headers object) as a record with lower-case names. */
function headerRecord(init: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  };
  if (init === undefined || init === null) return out;
  if (Array.isArray(init)) for (const [name, value] of init as [string, string][]) add(name, value);
  else if (typeof (init as Headers).forEach === 'function') (init as Headers).forEach((value, name) => add(name, value));
  else for (const [name, value] of Object.entries(init as Record<string, string>)) add(name, String(value));
  return out;
}

/** A URL for messages: origin and path, never userinfo, query or fragment. */
function where(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
