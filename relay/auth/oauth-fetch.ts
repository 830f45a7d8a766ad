// The fetch the SDK's OAuth flow runs on (discovery, registration, token, revocation). Three things differ from
// a plain fetch: every body is bounded (a registration endpoint answering garbage or gigabytes gets a clear
// error, not a hang: capped-body.ts); redirects are refused (a 307 from a token endpoint would re-POST the code
// or refresh token to wherever it points); and the `sub` of a token response is noted, because the SDK's
// OAuthTokensSchema strips parameters it does not know (RFC 6749 §5.1 allows them), and the relay keys the
// inbox source on who signed in (identity.ts).
import { capResponseBodies } from '../upstream/capped-body.js';
import type { FetchFn } from '../upstream/guarded-fetch.js';

export interface OAuthFetch {
  fetch: FetchFn;
  /** The `sub` of the last successful token response, if the server named one. */
  lastSubject: string | undefined;
  /** The last URL requested (which step of the flow failed, for the error message). */
  lastUrl: string | undefined;
}

export function createOAuthFetch(base: FetchFn = (input, init) => globalThis.fetch(input, init)): OAuthFetch {
  const capped = capResponseBodies((input, init) => base(input, { ...init, redirect: 'error' }));
  const out: OAuthFetch = {
    lastSubject: undefined,
    lastUrl: undefined,
    fetch: async (input, init) => {
      out.lastUrl = String(input);
      const res = await capped(input, init);
      const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
      if (res.ok && /(^|&)grant_type=/.test(body)) {
        try {
          const json = (await res.clone().json()) as { sub?: unknown };
          if (typeof json.sub === 'string' && json.sub.length > 0 && json.sub.length <= 256) out.lastSubject = json.sub;
        } catch {
          // Not JSON: the SDK reports that itself.
        }
      }
      return res;
    },
  };
  return out;
}
