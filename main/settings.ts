// Settings in the tray: electron-store (thin over conf) on THE SAME file the daemon reads and writes in conf’s format,
// `<home>/settings.json`. The JSON schema comes from the relay's zod schema (relay/config/settings.ts), so
// both processes accept and refuse the same values, plus the one key only the tray writes: `secretStorage`.
// One writer: the tray opens this store only once it holds the home's instance lock (after startRelay).
import { z } from 'zod';
import { SettingsSchema } from '../relay/config/settings.js';
import type { EncryptedKeyStore, SecretStorageStatus } from './secrets.js';

/** The part of a conf / electron-store instance the tray uses. */
export interface ConfLike {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  readonly path: string;
}

export interface TrayStoreOptions {
  /** electron-store's `name` (conf's `configName`): settings.json. */
  name: 'settings';
  cwd: string;
  schema: Record<string, Record<string, unknown>>;
  defaults: Record<string, unknown>;
  configFileMode: number;
  /** An invalid file is an error to show, never a reason to wipe the person's settings. */
  clearInvalidConfig: false;
}

export type StoreFactory = (options: TrayStoreOptions) => ConfLike;

export const SecretStorageFlagSchema = z.object({
  backend: z.string(),
  available: z.boolean(),
  warning: z.string().nullable(),
});

/** Defaults of the tray's own keys (the shared keys have none: unset means the daemon's defaults). */
export const TRAY_DEFAULTS = {
  secretStorage: { backend: 'unknown', available: false, warning: null },
} satisfies Record<string, unknown>;

export function trayStoreSchema(): TrayStoreOptions['schema'] {
  const shared = z.toJSONSchema(SettingsSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>> };
  const own = z.toJSONSchema(SecretStorageFlagSchema, { io: 'input' }) as Record<string, unknown>;
  delete own.$schema;
  return { ...shared.properties, secretStorage: own };
}

export function trayStoreOptions(home: string): TrayStoreOptions {
  return { name: 'settings', cwd: home, schema: trayStoreSchema(), defaults: TRAY_DEFAULTS, configFileMode: 0o600, clearInvalidConfig: false };
}

export class TraySettings implements EncryptedKeyStore {
  readonly #store: ConfLike;

  constructor(store: ConfLike) {
    this.#store = store;
  }

  get path(): string {
    return this.#store.path;
  }

  getEncrypted(): string | undefined {
    const v = this.#store.get('apiKeyEncrypted');
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  setEncrypted(value: string): void {
    this.#store.set('apiKeyEncrypted', value);
  }

  deleteEncrypted(): void {
    this.#store.delete('apiKeyEncrypted');
  }

  deletePlain(): void {
    this.#store.delete('apiKey');
  }

  setSecretStorage(status: SecretStorageStatus): void {
    this.#store.set('secretStorage', { backend: status.backend, available: status.available, warning: status.warning });
  }
}

export function openTraySettings(factory: StoreFactory, home: string): TraySettings {
  return new TraySettings(factory(trayStoreOptions(home)));
}
