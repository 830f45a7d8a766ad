// The settings file (`<home>/settings.json`), read and written through `conf` — the headless core of
// electron-store — so the tray app (electron-store on the same file) and the daemon share it.
// Validation is zod, once, at start: the same schema the UI uses, with messages a person can act on.
import Conf from 'conf';
import { z } from 'zod';
import { DEFAULT_RETENTION } from '../inbox/types.js';
import { NotificationSettingsSchema } from '../notify/settings.js';

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

export class SettingsError extends Error {
  readonly code = 'invalid_settings';
}

export interface SettingsStore {
  read(): Settings;
  set<K extends keyof Settings>(key: K, value: Settings[K]): void;
  delete(key: keyof Settings): void;
  readonly path: string;
}

/** Opens `<home>/settings.json` (created on first write). Throws SettingsError for invalid content. */
export function openSettings(home: string): SettingsStore {
  let conf: Conf<Record<string, unknown>>;
  try {
    conf = new Conf<Record<string, unknown>>({ cwd: home, configName: 'settings', projectName: 'push-relay', configFileMode: 0o600 });
  } catch (err) {
    throw new SettingsError(`cannot read ${home}/settings.json: ${(err as Error).message}; fix the JSON or delete the file`);
  }
  const read = (): Settings => {
    const parsed = SettingsSchema.safeParse(conf.store);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `"${i.path.join('.')}" ${i.message}`).join('; ');
      throw new SettingsError(`${conf.path}: ${issues}; fix the value or delete the key`);
    }
    return parsed.data;
  };
  return {
    path: conf.path,
    read,
    set(key, value) {
      SettingsSchema.shape[key].parse(value);
      conf.set(key, value);
    },
    delete(key) {
      conf.delete(key);
    },
  };
}

export function retentionFrom(settings: Settings) {
  return {
    maxEvents: settings.retention?.maxEvents ?? DEFAULT_RETENTION.maxEvents,
    maxAgeMs: settings.retention?.maxAgeDays !== undefined ? settings.retention.maxAgeDays * 86_400_000 : DEFAULT_RETENTION.maxAgeMs,
  };
}
