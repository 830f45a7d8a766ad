// The settings file (`<home>/settings.json`), shared with the tray app, which keeps it through electron-store
// (conf). Reading is a JSON.parse and a zod check, at start; writing goes through `conf` itself (atomic write,
// conf's format, mode 0600), loaded only when something is written — from the Settings page. conf brings ajv,
// ajv-formats and semver: 45–60 ms and ~6 MB of every daemon start when it was loaded to read (measured).
// Validation is zod, once, at start: the same schema the UI uses, with messages a person can act on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETENTION } from '../inbox/types.js';
import { NotificationSettingsSchema } from '../notify/settings.js';
import { RelayError } from '../util/errors.js';

export const DEFAULT_LOCAL_PORT = 47831;

export const SettingsSchema = z.object({
  /** Push server base URL; unset means demo mode against the embedded reference server. */
  server: z.string().min(1).nullable().optional(),
  clientId: z
    .string()
    .regex(/^[\w.:@-]{1,200}$/, 'use letters, digits and _ . : @ - (at most 200)')
    .optional(),
  /** Plain-text API key, for headless machines only; the tray app keeps `apiKeyEncrypted` instead. */
  apiKey: z.string().min(1).optional(),
  /** Written by the tray app through Electron safeStorage; the daemon cannot decrypt it. */
  apiKeyEncrypted: z.string().optional(),
  localPort: z.number().int().min(0).max(65535).optional(),
  heartbeatMs: z.number().int().min(1000).max(600_000).optional(),
  retention: z
    .object({
      maxEvents: z.number().int().min(100).max(10_000_000).optional(),
      maxAgeDays: z.number().min(1).max(3650).optional(),
    })
    .optional(),
  /** Notification policy: schema, defaults and rules in relay/notify/settings.ts. */
  notifications: NotificationSettingsSchema.optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** settings.json cannot be used as it is; the message says what to fix. */
export class SettingsError extends RelayError {
  declare readonly code: 'invalid_settings';

  constructor(message: string) {
    super('config', 'invalid_settings', message);
  }
}

export interface SettingsStore {
  read(): Settings;
  /** Validates the value, then writes it (through conf, loaded on first write). */
  set<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void>;
  delete(key: keyof Settings): Promise<void>;
  readonly path: string;
}

/** `<home>/settings.json` (created on first write). `read()` throws SettingsError for invalid content, each time. */
export function openSettings(home: string): SettingsStore {
  const path = join(home, 'settings.json');
  const load = (): Record<string, unknown> => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SettingsError(`cannot read ${path}: ${(err as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new SettingsError(`cannot read ${home}/settings.json: ${(err as Error).message}; fix the JSON or delete the file`);
    }
    // Used as parsed (the schema judges it): copying it with Object.assign would turn an own `__proto__` key
    // into a prototype.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SettingsError(`${path} must hold a JSON object ({ "key": value, … }); fix it or delete the file`);
    }
    return value as Record<string, unknown>;
  };
  const read = (): Settings => {
    const parsed = SettingsSchema.safeParse(load());
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `"${i.path.join('.')}" ${i.message}`).join('; ');
      throw new SettingsError(`${path}: ${issues}; fix the value or delete the key`);
    }
    return parsed.data;
  };
  return {
    path,
    read,
    async set(key, value) {
      if (value === undefined) throw new TypeError('Use `delete()` to clear values');
      SettingsSchema.shape[key].parse(value);
      (await writer(home)).set(key, value);
    },
    async delete(key) {
      (await writer(home)).delete(key);
    },
  };
}

/** conf on `<home>/settings.json`, as electron-store in the tray opens it. */
async function writer(home: string): Promise<{ set(key: string, value: unknown): void; delete(key: string): void }> {
  const { default: Conf } = await import('conf');
  try {
    return new Conf<Record<string, unknown>>({ cwd: home, configName: 'settings', projectName: 'push-relay', configFileMode: 0o600 });
  } catch (err) {
    throw new SettingsError(`cannot read ${home}/settings.json: ${(err as Error).message}; fix the JSON or delete the file`);
  }
}

export function retentionFrom(settings: Settings) {
  return {
    maxEvents: settings.retention?.maxEvents ?? DEFAULT_RETENTION.maxEvents,
    maxAgeMs: settings.retention?.maxAgeDays !== undefined ? settings.retention.maxAgeDays * 86_400_000 : DEFAULT_RETENTION.maxAgeMs,
  };
}
