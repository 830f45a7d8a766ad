// Where a sign-in lives between runs: the registered client, the tokens and what discovery found, per push
// server. Tokens are secrets (DESIGN.md "Security"): the tray keeps them sealed by the OS keychain (Electron
// safeStorage, supplied by main/secrets.ts as a `Sealer`); the headless daemon has no keychain API in plain Node,
// so it keeps them in one file in the relay home, created with mode 0600 and never through a symlink
// (relay/util/safe-fs.ts), and says so in `login` and `status`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import { readTextNoFollow, unlinkIfPresent, writeFileAtomicSync } from '../util/safe-fs.js';

export interface SignInRecord {
  /** The push server's base URL (ServerUrl.base): the key of this record. */
  server: string;
  /** Fresh per completed login: a new login means new credentials for a running relay. */
  signInId?: string;
  /** Who the tokens act for, as the server named it (`sub` of the token response), and the issuer. */
  subject?: string;
  issuer?: string;
  signedInAt?: string;
  /** The loopback redirect URI the client was registered with (any port works on loopback, RFC 8252 §7.3). */
  redirectUrl?: string;
  clientInformation?: StoredOAuthClientInformation;
  tokens?: StoredOAuthTokens;
  /** When the access token expires, ms since the epoch (from `expires_in` at the time it was issued). */
  expiresAt?: number;
  discoveryState?: OAuthDiscoveryState;
  /** Why the last refresh failed; set when the user must sign in again. */
  refreshFailed?: string;
}

export interface SignInStore {
  load(server: string): SignInRecord | undefined;
  save(record: SignInRecord): void;
  remove(server: string): void;
  /** Where and how it keeps tokens, for `login` and `status`, e.g. "<home>/oauth-tokens.json (mode 0600)". */
  readonly where: string;
}

/** Encrypts text for storage and back (Electron safeStorage in the tray). */
export interface Sealer {
  seal(text: string): string;
  unseal(sealed: string): string;
  /** e.g. "the OS keychain (safeStorage: gnome_libsecret)". */
  readonly describe: string;
}

interface FileShape {
  version: 1;
  servers: Record<string, SignInRecord>;
}

export const SIGN_IN_FILE = 'oauth-sign-ins.json';
/** The tray's sealed copy: another file, so the daemon and the tray never misread each other's format. */
export const SEALED_SIGN_IN_FILE = 'oauth-sign-ins.sealed';

/**
 * All sign-ins of a home dir in one file: plain JSON with mode 0600 for the daemon, or sealed text when a
 * `Sealer` is given. Read on every load, so a `push-relay login` in another process is seen at once.
 */
export class FileSignInStore implements SignInStore {
  readonly path: string;
  readonly where: string;
  readonly #sealer: Sealer | undefined;

  constructor(home: string, sealer?: Sealer) {
    this.path = join(home, sealer ? SEALED_SIGN_IN_FILE : SIGN_IN_FILE);
    this.#sealer = sealer;
    this.where = sealer ? `${this.path}, encrypted with ${sealer.describe}` : `${this.path} (plain JSON, file mode 0600: readable only by you; no OS keychain is used by the headless relay)`;
  }

  load(server: string): SignInRecord | undefined {
    return this.#read().servers[server];
  }

  save(record: SignInRecord): void {
    const all = this.#read();
    all.servers[record.server] = record;
    this.#write(all);
  }

  remove(server: string): void {
    const all = this.#read();
    if (!(server in all.servers)) return;
    delete all.servers[server];
    if (Object.keys(all.servers).length === 0) unlinkIfPresent(this.path);
    else this.#write(all);
  }

  #read(): FileShape {
    let text: string;
    try {
      text = readTextNoFollow(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
      throw err;
    }
    try {
      const parsed = JSON.parse(this.#sealer ? this.#sealer.unseal(text.trim()) : text) as FileShape;
      return parsed && typeof parsed.servers === 'object' && parsed.servers !== null ? parsed : { version: 1, servers: {} };
    } catch {
      // Damaged or sealed by another key: as good as signed out (never half-trusted).
      return { version: 1, servers: {} };
    }
  }

  #write(all: FileShape): void {
    const text = JSON.stringify(all, null, 2);
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 }); // a first `login` may come before any relay ran
    writeFileAtomicSync(this.path, this.#sealer ? this.#sealer.seal(text) : text, 0o600);
  }
}

/** In memory only (tests, and a tray without a keychain that must not write tokens in plain text). */
export class MemorySignInStore implements SignInStore {
  readonly #records = new Map<string, SignInRecord>();
  readonly where = 'memory only (this sign-in ends when the relay stops)';

  load(server: string): SignInRecord | undefined {
    const r = this.#records.get(server);
    return r && structuredClone(r);
  }

  save(record: SignInRecord): void {
    this.#records.set(record.server, structuredClone(record));
  }

  remove(server: string): void {
    this.#records.delete(server);
  }
}
