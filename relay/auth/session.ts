// A signed-in relay's bearer credentials (upstream/credentials.ts): the access token of a SignInRecord,
// refreshed through the SDK's `auth()` (refresh grant, rotation saved before use) shortly before it expires and
// when the server answers 401. Refreshes are single-flight: the push stream and the control client asking at
// once share one refresh, so a rotation never races itself (a rotated refresh token used twice revokes the
// grant on a careful server, RFC 9700 §4.14.2).
//
// A refused refresh (revoked or expired refresh token: the SDK ends up asking to redirect the user, which the
// background provider refuses) signs the session out for good: no token any more, a 401 is final, and the
// push stream goes `unauthorized` saying "sign in again" instead of retrying. A refresh that fails for the
// network is not a sign-out: the error goes up as a network failure and the stream backs off as when offline.
// The SDK's client side loads only when a refresh happens: a relay on an API key never pays for it at start
// (relay/upstream/lazy-control-client.ts explains the cost), and a signed-in one only every few minutes.
import type { BearerCredentials } from '../upstream/credentials.js';
import { describeError, redact } from '../upstream/errors.js';
import type { FetchFn } from '../upstream/guarded-fetch.js';
import type { ServerUrl } from '../upstream/server-url.js';
import { SIGN_IN_AGAIN, SignInError } from './errors.js';
import { createOAuthFetch } from './oauth-fetch.js';
import { RelayOAuthProvider } from './provider.js';
import type { SignInRecord, SignInStore } from './sign-in-store.js';

export interface OAuthSessionOptions {
  server: ServerUrl;
  store: SignInStore;
  fetch?: FetchFn;
  now?: () => number;
  log?: (line: string) => void;
}

/** Refresh this long before expiry: a fifth of the token's lifetime, at most a minute. */
const MAX_SKEW_MS = 60_000;

export interface SignInStatus {
  signedIn: boolean;
  subject: string | null;
  scopes: string[];
  issuer: string | null;
  expiresAt: number | null;
  refreshes: number;
  /** Where the tokens are kept (SignInStore.where). */
  storedIn: string;
  /** Why the session ended (refresh refused), with what to do. */
  problem: string | null;
}

export class OAuthSession implements BearerCredentials {
  readonly #o: OAuthSessionOptions;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  #record: SignInRecord;
  #inflight: Promise<boolean> | undefined;
  #refreshes = 0;

  /**
   * Throws SignInError (`sign_in_required`) when the store has no sign-in for the server. One whose refresh was
   * refused loads (signed out: its requests go without a token, and the 401 says to sign in again).
   */
  constructor(options: OAuthSessionOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => undefined);
    const record = options.store.load(options.server.base);
    if (!record) {
      throw new SignInError('sign_in_required', `not signed in to ${options.server.base}; ${SIGN_IN_AGAIN}`);
    }
    this.#record = record;
  }

  get record(): SignInRecord {
    return this.#record;
  }

  get refusedHint(): string {
    return this.#record.refreshFailed ?? `The sign-in was refused; ${SIGN_IN_AGAIN}.`;
  }

  async token(): Promise<string | undefined> {
    const { expiresAt, tokens } = this.#record;
    if (!tokens) return undefined;
    if (expiresAt !== undefined && expiresAt - this.#now() <= this.#skewMs()) await this.#refresh();
    return this.#record.tokens?.access_token;
  }

  async refreshAfterRejection(rejected: string | undefined): Promise<boolean> {
    if (!this.#record.tokens) return false;
    // Someone refreshed since that request left: retry with the newer token, no second refresh.
    if (rejected !== this.#record.tokens.access_token) return true;
    return this.#refresh();
  }

  secrets(): string[] {
    const t = this.#record.tokens;
    return [t?.access_token, t?.refresh_token].filter((s): s is string => Boolean(s));
  }

  status(): SignInStatus {
    const r = this.#record;
    return {
      signedIn: Boolean(r.tokens),
      subject: r.subject ?? null,
      scopes: (r.tokens?.scope ?? '').split(' ').filter(Boolean),
      issuer: r.issuer ?? null,
      expiresAt: r.expiresAt ?? null,
      refreshes: this.#refreshes,
      storedIn: this.#o.store.where,
      problem: r.tokens ? null : (r.refreshFailed ?? `signed out; ${SIGN_IN_AGAIN}`),
    };
  }

  #skewMs(): number {
    const ttl = (this.#record.tokens?.expires_in ?? 0) * 1000;
    return Math.min(MAX_SKEW_MS, ttl / 5);
  }

  /** One refresh at a time; everyone asking meanwhile gets its outcome. */
  #refresh(): Promise<boolean> {
    this.#inflight ??= this.#doRefresh().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #doRefresh(): Promise<boolean> {
    const { auth, OAuthError } = await import('@modelcontextprotocol/client');
    // The SDK answers any refresh failure that is not an OAuth error (a refused connection, a 5xx) by starting
    // a new authorization, which the background provider refuses as "sign in again". Note such failures here,
    // so they count as transient, not as a sign-out.
    let transient: unknown;
    const base = this.#o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const oauthFetch = createOAuthFetch(async (input, init) => {
      try {
        const res = await base(input, init);
        if (res.status >= 500) transient = new Error(`${new URL(String(input)).origin} answered ${res.status}`);
        return res;
      } catch (err) {
        transient = err;
        throw err;
      }
    });
    const provider = new RelayOAuthProvider({
      store: this.#o.store,
      record: this.#record,
      subject: () => oauthFetch.lastSubject ?? this.#record.subject,
      now: this.#now,
    });
    try {
      await auth(provider, { serverUrl: this.#o.server.controlUrl, fetchFn: oauthFetch.fetch });
      this.#record = provider.record;
      this.#refreshes++;
      if (!this.#record.tokens) throw new SignInError('sign_in_required', `the sign-in to ${this.#o.server.base} has no tokens`);
      return true;
    } catch (err) {
      if (transient !== undefined || (!(err instanceof SignInError) && !(err instanceof OAuthError))) {
        // The network or the server failed: not a verdict on the sign-in. Keep the tokens; the caller backs off.
        this.#record = provider.record;
        throw transient ?? err;
      }
      const why = `the push server refused to refresh the sign-in (${redact(describeError(err), this.secrets()).slice(0, 200)}); ${SIGN_IN_AGAIN}`;
      this.#log(`oauth: ${why}`);
      this.#record = { ...provider.record, tokens: undefined, expiresAt: undefined, refreshFailed: why };
      this.#o.store.save(this.#record);
      return false;
    }
  }
}
