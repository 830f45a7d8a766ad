// The relay's OAuthClientProvider for the v2 SDK's `auth()` (discovery, registration, PKCE, code exchange and
// refresh are all the SDK's). This class only keeps what the SDK hands it, in one SignInRecord saved through
// a SignInStore, and decides what "go to the browser" means: print/open the URL during `login`, and refuse in
// the background (the daemon never opens a browser by itself; it says "sign in again").
import { randomBytes } from 'node:crypto';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { VERSION } from '../util/version.js';
import { SIGN_IN_AGAIN, SignInError } from './errors.js';
import type { SignInRecord, SignInStore } from './sign-in-store.js';

export const CLIENT_NAME = 'Push Relay';

export interface ProviderOptions {
  store: SignInStore;
  record: SignInRecord;
  /** Interactive sign-in: the loopback redirect and what to do with the authorization URL. */
  interactive?: { redirectUrl: string; open: (url: URL) => void | Promise<void> };
  /** The `sub` the last token response named (oauth-fetch.ts). */
  subject: () => string | undefined;
  now: () => number;
}

export class RelayOAuthProvider implements OAuthClientProvider {
  readonly #o: ProviderOptions;
  #record: SignInRecord;
  #verifier: string | undefined;
  #state: string | undefined;

  constructor(options: ProviderOptions) {
    this.#o = options;
    this.#record = options.record;
  }

  get record(): SignInRecord {
    return this.#record;
  }

  /** The state sent with the authorization request; the redirect listener checks it. */
  get expectedState(): string | undefined {
    return this.#state;
  }

  get redirectUrl(): string | undefined {
    // Also set outside login: without one the SDK takes the flow for client_credentials, and a refresh needs none.
    return this.#o.interactive?.redirectUrl ?? this.#record.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: CLIENT_NAME,
      redirect_uris: [this.redirectUrl ?? 'http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      software_id: 'push-relay',
      software_version: VERSION,
    };
  }

  state(): string {
    this.#state = randomBytes(24).toString('base64url');
    return this.#state;
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#record.clientInformation;
  }

  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.#update({ clientInformation: info, redirectUrl: this.redirectUrl });
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.#record.tokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    // Saved before the SDK returns: a rotated refresh token must be on disk before the old one is forgotten,
    // or a crash in between would leave only a used one (whose reuse revokes the grant).
    const expiresAt = tokens.expires_in === undefined ? undefined : this.#o.now() + tokens.expires_in * 1000;
    this.#update({ tokens, expiresAt, subject: this.#o.subject() ?? this.#record.subject, issuer: tokens.issuer ?? this.#record.issuer, refreshFailed: undefined });
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    if (!this.#o.interactive) throw new SignInError('sign_in_required', `the sign-in to ${this.#record.server} ended (refresh refused); ${SIGN_IN_AGAIN}`);
    await this.#o.interactive.open(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier; // memory only: it lives for one login
  }

  codeVerifier(): string {
    if (!this.#verifier) throw new SignInError('oauth_authorization_failed', 'no sign-in in progress (no PKCE verifier)');
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#update({ discoveryState: state });
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#record.discoveryState;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'verifier') {
      this.#verifier = undefined;
      return;
    }
    const patch: Partial<SignInRecord> = {};
    if (scope === 'all' || scope === 'tokens') Object.assign(patch, { tokens: undefined, expiresAt: undefined });
    if (scope === 'all' || scope === 'client') patch.clientInformation = undefined;
    if (scope === 'all' || scope === 'discovery') patch.discoveryState = undefined;
    this.#update(patch);
  }

  #update(patch: Partial<SignInRecord>): void {
    this.#record = { ...this.#record, ...patch };
    this.#o.store.save(this.#record);
  }
}
