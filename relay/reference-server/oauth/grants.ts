// The authorization server's memory: registered clients, pending consents, authorization codes, and the
// access/refresh tokens of each grant; bounded, because /register and /authorize are open to anyone who can
// reach the port. With --data-dir, registered clients and refresh-token grants (issued, rotated, revoked) are
// also journalled (`GrantJournal`, kept by store.ts in journal.jsonl), so a restarted server keeps every
// sign-in: the relay's next request gets a 401 for its access token (those stay in memory: minutes long) and its
// refresh works. A refresh token is journalled only as its SHA-256 hash, never the raw token, so the data dir
// holds nothing a reader could present; the map of live refresh tokens is keyed by that hash for the same reason.
//
// A "grant" is one approval: its code, and every access and refresh token issued from it. Security BCP
// (RFC 9700 §2.1.1 and §4.14) drives two rules here: a code used twice revokes everything its first use
// issued (the second user may be the thief), and a rotated refresh token presented again revokes the grant.
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/server';

export interface GrantLimits {
  /** Access-token lifetime. The MCP authorization spec wants short-lived tokens; tests use ~2 s. */
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** Registered clients kept; more registrations are refused (DCR is unauthenticated). */
  maxClients: number;
  /** Consents waiting for a click, and codes waiting for redemption. */
  maxPending: number;
}

export const DEFAULT_GRANT_LIMITS: GrantLimits = {
  accessTokenTtlMs: 10 * 60_000,
  refreshTokenTtlMs: 30 * 24 * 3600_000,
  maxClients: 1000,
  maxPending: 200,
};

/** RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; ours is 1. */
const CODE_TTL_MS = 60_000;
const CONSENT_TTL_MS = 10 * 60_000;

/** What /authorize was asked for, checked, and waiting for the user's click. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  scope: string;
  codeChallenge: string;
  resource: string;
}

interface Grant {
  id: string;
  clientId: string;
  tenant: string;
  scope: string;
  resource: string;
  revoked: boolean;
}

interface CodeRecord {
  request: AuthorizationRequest;
  grant: Grant;
  expiresAt: number;
  used: boolean;
}

interface TokenRecord {
  grant: Grant;
  expiresAt: number;
}

export interface AccessTokenInfo {
  tenant: string;
  clientId: string;
  scope: string;
  resource: string;
  expiresAt: number;
}

export interface IssuedTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** One journal line of the authorization server (store.ts keeps them as `{ k: 'oauth', entry }`). */
export type GrantEntry =
  | { t: 'client'; client: OAuthClientInformationFull }
  | { t: 'refresh'; hash: string; grant: Omit<Grant, 'revoked'>; expiresAt: number }
  | { t: 'rotated'; hash: string }
  | { t: 'revoked'; grantId: string };

/** Where grants persist: the entries read back at start, in order, and a writer for new ones. */
export interface GrantJournal {
  readonly entries: readonly GrantEntry[];
  write(entry: GrantEntry): void;
}

export type GrantFailure = { error: 'invalid_grant' | 'invalid_client' | 'invalid_target'; error_description: string };

export class Grants {
  readonly #limits: GrantLimits;
  readonly #now: () => number;
  readonly clients = new Map<string, OAuthClientInformationFull>();
  readonly #consents = new Map<string, { request: AuthorizationRequest; expiresAt: number }>();
  readonly #codes = new Map<string, CodeRecord>();
  readonly #access = new Map<string, TokenRecord>();
  readonly #refresh = new Map<string, TokenRecord & { rotated: boolean }>();
  readonly #revokedListeners = new Set<(grantId: string) => void>();

  readonly #journal: GrantJournal | undefined;

  constructor(limits: GrantLimits, now: () => number, journal?: GrantJournal) {
    this.#limits = limits;
    this.#now = now;
    this.#journal = journal;
    if (journal) this.#restore(journal.entries);
  }

  get limits(): GrantLimits {
    return this.#limits;
  }

  registerClient(info: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>): OAuthClientInformationFull | undefined {
    if (this.clients.size >= this.#limits.maxClients) return undefined;
    const full: OAuthClientInformationFull = {
      ...info,
      client_id: `client_${randomBytes(16).toString('base64url')}`,
      client_id_issued_at: Math.floor(this.#now() / 1000),
    };
    this.clients.set(full.client_id, full);
    this.#journal?.write({ t: 'client', client: full });
    return full;
  }

  /** Holds a checked request until the user approves or denies; undefined when too many wait. */
  holdConsent(request: AuthorizationRequest): string | undefined {
    this.#sweep();
    if (this.#consents.size >= this.#limits.maxPending) return undefined;
    const id = randomBytes(24).toString('base64url');
    this.#consents.set(id, { request, expiresAt: this.#now() + CONSENT_TTL_MS });
    return id;
  }

  /** The held request, removed: one click per consent page. */
  takeConsent(id: string): AuthorizationRequest | undefined {
    const held = this.#consents.get(id);
    this.#consents.delete(id);
    return held && held.expiresAt > this.#now() ? held.request : undefined;
  }

  peekConsent(id: string): AuthorizationRequest | undefined {
    const held = this.#consents.get(id);
    return held && held.expiresAt > this.#now() ? held.request : undefined;
  }

  issueCode(request: AuthorizationRequest, tenant: string): string | undefined {
    this.#sweep();
    if (this.#codes.size >= this.#limits.maxPending) return undefined;
    const code = randomBytes(32).toString('base64url');
    const grant: Grant = { id: randomBytes(12).toString('hex'), clientId: request.clientId, tenant, scope: request.scope, resource: request.resource, revoked: false };
    this.#codes.set(code, { request, grant, expiresAt: this.#now() + CODE_TTL_MS, used: false });
    return code;
  }

  /** Redeems a code once. The caller has checked nothing; everything the code is bound to is checked here. */
  redeemCode(input: { code: string; clientId: string; redirectUri: string; codeVerifier: string; resource: string | undefined }): IssuedTokens | GrantFailure {
    const record = this.#codes.get(input.code);
    if (!record) return { error: 'invalid_grant', error_description: 'unknown or expired authorization code' };
    if (record.used) {
      // RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny
      // the request and SHOULD revoke (when possible) all tokens previously issued based on that code."
      this.#revoke(record.grant);
      return { error: 'invalid_grant', error_description: 'authorization code already used; the tokens it issued are revoked' };
    }
    if (record.expiresAt <= this.#now()) return { error: 'invalid_grant', error_description: 'authorization code expired' };
    if (record.request.clientId !== input.clientId) return { error: 'invalid_grant', error_description: 'the code was issued to another client' };
    if (record.request.redirectUri !== input.redirectUri) return { error: 'invalid_grant', error_description: 'redirect_uri differs from the authorization request' };
    if (input.resource !== undefined && input.resource !== record.request.resource) {
      return { error: 'invalid_target', error_description: 'resource differs from the authorization request' };
    }
    if (!verifyS256(input.codeVerifier, record.request.codeChallenge)) {
      return { error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge (PKCE)' };
    }
    record.used = true;
    return this.#issue(record.grant);
  }

  refresh(input: { refreshToken: string; clientId: string; resource: string | undefined }): IssuedTokens | GrantFailure {
    const hash = tokenHash(input.refreshToken);
    const record = this.#refresh.get(hash);
    if (!record || record.grant.revoked || record.expiresAt <= this.#now()) {
      return { error: 'invalid_grant', error_description: 'refresh token is revoked, expired or unknown; sign in again' };
    }
    if (record.grant.clientId !== input.clientId) return { error: 'invalid_grant', error_description: 'the refresh token was issued to another client' };
    if (record.rotated) {
      // RFC 9700 §4.14.2: a rotated refresh token used again means two parties hold it; revoke the grant.
      this.#revoke(record.grant);
      return { error: 'invalid_grant', error_description: 'refresh token already used; the grant is revoked, sign in again' };
    }
    if (input.resource !== undefined && input.resource !== record.grant.resource) {
      return { error: 'invalid_target', error_description: 'resource differs from the one the grant is for' };
    }
    record.rotated = true;
    this.#journal?.write({ t: 'rotated', hash });
    return this.#issue(record.grant);
  }

  /** RFC 7009: revoking either token of a grant revokes the grant (§2.1 "SHOULD also invalidate"). */
  revokeToken(token: string, clientId: string | undefined): void {
    const record = this.#refresh.get(tokenHash(token)) ?? this.#access.get(token);
    if (!record) return;
    if (clientId !== undefined && record.grant.clientId !== clientId) return;
    this.#revoke(record.grant);
  }

  /** Every grant of every client (test control: "the user revoked the app"). */
  revokeAll(): void {
    for (const r of [...this.#refresh.values(), ...this.#access.values()]) this.#revoke(r.grant);
  }

  accessToken(token: string): AccessTokenInfo | undefined {
    const record = this.#access.get(token);
    if (!record || record.grant.revoked || record.expiresAt <= this.#now()) return undefined;
    const { tenant, clientId, scope, resource } = record.grant;
    return { tenant, clientId, scope, resource, expiresAt: record.expiresAt };
  }

  grantOf(token: string): string | undefined {
    return this.#access.get(token)?.grant.id;
  }

  onRevoked(listener: (grantId: string) => void): () => void {
    this.#revokedListeners.add(listener);
    return () => this.#revokedListeners.delete(listener);
  }

  #issue(grant: Grant): IssuedTokens {
    const now = this.#now();
    const access = `ref_at_${randomBytes(32).toString('base64url')}`;
    const refresh = `ref_rt_${randomBytes(32).toString('base64url')}`;
    this.#access.set(access, { grant, expiresAt: now + this.#limits.accessTokenTtlMs });
    const hash = tokenHash(refresh);
    const expiresAt = now + this.#limits.refreshTokenTtlMs;
    this.#refresh.set(hash, { grant, expiresAt, rotated: false });
    const { revoked: _, ...kept } = grant;
    this.#journal?.write({ t: 'refresh', hash, grant: kept, expiresAt });
    this.#sweep();
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.round(this.#limits.accessTokenTtlMs / 1000)),
      refresh_token: refresh,
      scope: grant.scope,
    };
  }

  #revoke(grant: Grant): void {
    if (grant.revoked) return;
    grant.revoked = true;
    this.#journal?.write({ t: 'revoked', grantId: grant.id });
    for (const l of this.#revokedListeners) l(grant.id);
  }

  /** Rebuilds clients and refresh grants from the journal (one Grant object per grant id, as when issued). */
  #restore(entries: readonly GrantEntry[]): void {
    const grants = new Map<string, Grant>();
    for (const e of entries) {
      if (e.t === 'client') this.clients.set(e.client.client_id, e.client);
      else if (e.t === 'refresh') {
        const grant = grants.get(e.grant.id) ?? { ...e.grant, revoked: false };
        grants.set(grant.id, grant);
        this.#refresh.set(e.hash, { grant, expiresAt: e.expiresAt, rotated: false });
      } else if (e.t === 'rotated') {
        const r = this.#refresh.get(e.hash);
        if (r) r.rotated = true;
      } else {
        const grant = grants.get(e.grantId);
        if (grant) grant.revoked = true;
      }
    }
    this.#sweep();
  }

  /** Drops what can no longer be used, so memory follows live grants, not history. */
  #sweep(): void {
    const now = this.#now();
    for (const [k, v] of this.#consents) if (v.expiresAt <= now) this.#consents.delete(k);
    // A used code is kept until it expires: its second use must still be recognized as a replay.
    for (const [k, v] of this.#codes) if (v.expiresAt <= now) this.#codes.delete(k);
    for (const [k, v] of this.#access) if (v.expiresAt <= now || v.grant.revoked) this.#access.delete(k);
    for (const [k, v] of this.#refresh) if (v.expiresAt <= now || v.grant.revoked) this.#refresh.delete(k);
  }
}

/** How a refresh token is kept: its SHA-256 (the token is 256 random bits, so no salt or slow hash is needed). */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge;
}
