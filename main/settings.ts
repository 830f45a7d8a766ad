// Settings in the tray: electron-store (thin over conf) is the storage backend of THE relay settings store
// (relay/config/settings.ts) on the same `<home>/settings.json` the daemon uses. The tray never validates or
// writes on its own: the store validates with its one zod schema and writes through its one path, and the relay
// core serves the one Settings route over it. electron-store gets no schema and no defaults, so it neither
// validates a second time (ajv) nor writes when opened; it is opened once the relay holds the home's lock.
import { resolve } from 'node:path';
import type { SettingsBackend, SettingsStore } from '../relay/config/settings.js';
import type { EncryptedKeyStore, SecretStorageStatus } from './secrets.js';

/** The part of a conf / electron-store instance the tray uses. */
export interface ConfLike {
  store: Record<string, unknown>;
  readonly path: string;
}

export interface TrayStoreOptions {
  /** electron-store's `name` (conf's `configName`): settings.json. */
  name: 'settings';
  cwd: string;
  configFileMode: number;
  /** An invalid file is an error to show, never a reason to wipe the person's settings. */
  clearInvalidConfig: false;
}

export type StoreFactory = (options: TrayStoreOptions) => ConfLike;

export function trayStoreOptions(home: string): TrayStoreOptions {
  return { name: 'settings', cwd: home, configFileMode: 0o600, clearInvalidConfig: false };
}

/** electron-store as the settings store's backend; created on first use, so a broken file surfaces as a SettingsError. */
export function electronStoreBackend(factory: StoreFactory, home: string): SettingsBackend {
  let store: ConfLike | undefined;
  const open = () => (store ??= factory(trayStoreOptions(home)));
  return {
    // conf names the file `<cwd>/<name>.json`, the same path the daemon uses.
    path: resolve(home, 'settings.json'),
    load: () => open().store,
    save(value) {
      open().store = value;
    },
  };
}

/** What the tray itself keeps in settings: the encrypted key and the secret-storage flag, through the relay's store. */
export class TraySettings implements EncryptedKeyStore {
  readonly #store: SettingsStore;

  constructor(store: SettingsStore) {
    this.#store = store;
  }

  get path(): string {
    return this.#store.path;
  }

  getEncrypted(): string | undefined {
    return this.#store.read().apiKeyEncrypted || undefined;
  }

  saveEncrypted(value: string | null): void {
    // A plain `apiKey` left by a headless setup goes once an encrypted one is saved (and with it when removed).
    this.#store.update({ apiKeyEncrypted: value, apiKey: null });
  }

  setSecretStorage(status: SecretStorageStatus): void {
    this.#store.update({ secretStorage: { backend: status.backend, available: status.available, warning: status.warning } });
  }
}
