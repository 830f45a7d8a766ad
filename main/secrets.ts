// The API key, kept with Electron's safeStorage (OS keychain / DPAPI / Secret Service) in settings'
// `apiKeyEncrypted` (base64) — never in plain text. The async API is used when this Electron has it
// (it supports key rotation: `shouldReEncrypt`), the sync one otherwise (Electron 39 has only that).
//
// Linux: safeStorage may fall back to `basic_text`, a hard-coded key — obfuscation, not protection. The
// key is still stored (encrypted that way), but the tray says so clearly: a log line and a settings flag
// (`secretStorage.warning`) the UI shows.
import type { Sealer } from '../relay/auth/sign-in-store.js';
import type { SafeStorageApi } from './electron-api.js';

export type SecretErrorCode = 'encryption_unavailable' | 'decrypt_failed';

export class SecretStorageError extends Error {
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SecretStorageError';
  }
}

export interface SecretStorageStatus {
  /** `basic_text`, `gnome_libsecret`, `kwallet5`, … on Linux; `keychain` (macOS) / `dpapi` (Windows) elsewhere. */
  backend: string;
  available: boolean;
  /** What a person should know, or null when the OS protects the key properly. */
  warning: string | null;
}

/** Where the encrypted key lives (settings.json, through the relay's settings store). */
export interface EncryptedKeyStore {
  getEncrypted(): string | undefined;
  /** Stores the encrypted key (`null` removes it); any plain `apiKey` left by a headless setup goes with it. */
  saveEncrypted(value: string | null): void;
}

export const BASIC_TEXT_WARNING =
  'No OS keyring was found (safeStorage backend "basic_text"): the API key is stored encrypted with a ' +
  'built-in key, which hides it from casual reading but does not protect it. Install and unlock a keyring ' +
  '(GNOME Keyring or KWallet), restart Push Relay, and enter the key again.';

const UNAVAILABLE_MESSAGE =
  'OS encryption is not available (no keychain/keyring), so the API key was NOT saved: Push Relay never ' +
  'stores it in plain text. Unlock or install a keyring and try again, or start the app with ' +
  'PUSH_RELAY_API_KEY set in its environment.';

export interface SecretsOptions {
  safeStorage: SafeStorageApi;
  platform: NodeJS.Platform;
  store: EncryptedKeyStore;
  log?: (level: 'info' | 'warn', line: string) => void;
}

export class ApiKeyVault {
  readonly #o: SecretsOptions;

  constructor(options: SecretsOptions) {
    this.#o = options;
  }

  /** Call after the app is ready (before that, Linux reports the backend as `unknown`). */
  async status(): Promise<SecretStorageStatus> {
    const { safeStorage, platform } = this.#o;
    const backend = backendOf(safeStorage, platform);
    const available = await this.#available();
    let warning: string | null = null;
    if (!available) warning = UNAVAILABLE_MESSAGE;
    else if (backend === 'basic_text') warning = BASIC_TEXT_WARNING;
    return { backend, available, warning };
  }

  /** Encrypts and stores `key` (null removes it, plain copies included). Throws SecretStorageError when the OS cannot encrypt: nothing is written then. */
  async save(key: string | null): Promise<'encrypted'> {
    this.#o.store.saveEncrypted(key === null ? null : await this.encrypt(key));
    return 'encrypted';
  }

  /**
   * `key` encrypted for settings' `apiKeyEncrypted` (base64), written by the caller (the Settings route writes it
   * with the rest of its change, in one write). Throws SecretStorageError when the OS cannot encrypt.
   */
  async encrypt(key: string): Promise<string> {
    if (!(await this.#available())) throw new SecretStorageError('encryption_unavailable', UNAVAILABLE_MESSAGE);
    const { safeStorage } = this.#o;
    const encrypted = safeStorage.encryptStringAsync ? await safeStorage.encryptStringAsync(key) : safeStorage.encryptString(key);
    const status = await this.status();
    if (status.warning) this.#o.log?.('warn', status.warning);
    return Buffer.from(encrypted).toString('base64');
  }

  /**
   * The stored key, decrypted; undefined when none is stored. `shouldReEncrypt` (async API: the OS rotated
   * its key): call `save(key)` once this process may write settings (it holds the home's lock).
   */
  async load(): Promise<{ key: string; shouldReEncrypt: boolean } | undefined> {
    const stored = this.#o.store.getEncrypted();
    if (!stored) return undefined;
    if (!(await this.#available())) {
      throw new SecretStorageError('encryption_unavailable', `the saved API key cannot be decrypted now: ${UNAVAILABLE_MESSAGE}`);
    }
    const { safeStorage } = this.#o;
    const buf = Buffer.from(stored, 'base64');
    try {
      if (safeStorage.decryptStringAsync) {
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(buf);
        return { key: result, shouldReEncrypt };
      }
      return { key: safeStorage.decryptString(buf), shouldReEncrypt: false };
    } catch (err) {
      throw new SecretStorageError(
        'decrypt_failed',
        `the saved API key cannot be decrypted (${(err as Error).message}); it was encrypted by another user, machine or keyring — enter it again in Settings`,
      );
    }
  }

  async #available(): Promise<boolean> {
    const { safeStorage } = this.#o;
    try {
      return safeStorage.isAsyncEncryptionAvailable ? await safeStorage.isAsyncEncryptionAvailable() : safeStorage.isEncryptionAvailable();
    } catch {
      return false;
    }
  }
}

/** The key as read before this process may write settings (it does not hold the home's lock yet). */
export function readOnlyKeyStore(encrypted: string | undefined): EncryptedKeyStore {
  const refuse = () => {
    throw new Error('settings are read-only until the relay holds the home lock');
  };
  return { getEncrypted: () => encrypted || undefined, saveEncrypted: refuse };
}

/**
 * OAuth sign-ins (relay/auth/sign-in-store.ts) sealed with safeStorage, as the API key is; undefined when the OS
 * cannot encrypt, and then the tray keeps a sign-in in memory only (never tokens in plain text on disk).
 */
export function signInSealer(safeStorage: SafeStorageApi, platform: NodeJS.Platform): Sealer | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  const backend = backendOf(safeStorage, platform);
  return {
    seal: (text) => safeStorage.encryptString(text).toString('base64'),
    unseal: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
    describe: backend === 'basic_text' ? 'safeStorage with its built-in key (no OS keyring found: obfuscation, not protection)' : `the OS keychain (safeStorage: ${backend})`,
  };
}

/** `basic_text`, `gnome_libsecret`, … on Linux; `keychain` (macOS) / `dpapi` (Windows) elsewhere. */
function backendOf(safeStorage: SafeStorageApi, platform: NodeJS.Platform): string {
  if (platform === 'linux') return safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  return platform === 'darwin' ? 'keychain' : platform === 'win32' ? 'dpapi' : 'unknown';
}
