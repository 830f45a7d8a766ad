// The settings store: ONE schema (zod) and ONE write path for `<home>/settings.json`, shared by the daemon and
// the tray app. Only the storage backend differs: the daemon keeps the file itself (relay/config/settings-file.ts),
// the tray keeps it through electron-store (main/settings.ts). Both read and write through `SettingsStore`, so
// a value one accepts the other accepts, and every refusal names the field in the schema's words (STYLE.md
// "Normalize options in one place": validate once, fail like conf's "`foo` must be string").
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETENTION } from '../inbox/types.js';
import { NotificationSettingsSchema } from '../notify/settings.js';
import { SessionSettingsSchema } from '../sessions/settings.js';
import { RelayError } from '../util/errors.js';
import { UpstreamsSchema } from './upstreams.js';
import { refuseSymlink, settingsFile, SettingsFileError, type SettingsBackend } from './settings-file.js';

export type { SettingsBackend } from './settings-file.js';

export const DEFAULT_LOCAL_PORT = 47831;

/** Written by the tray app after start: which OS secret store protects `apiKeyEncrypted`, for the UI to show. */
export const SecretStorageFlagSchema = z.object({
  backend: z.string(),
  available: z.boolean(),
  warning: z.string().nullable(),
});

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
  secretStorage: SecretStorageFlagSchema.optional(),
  /** Standard MCP servers as event sources: schema in relay/config/upstreams.ts. */
  upstreams: UpstreamsSchema.optional(),
  /** How Claude Code sessions share events: mode and routes (relay/sessions/settings.ts). */
  sessions: SessionSettingsSchema.optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;
/** A change: a value sets a key, `null` removes it, a missing key stays as it is. */
export type SettingsPatch = { [K in keyof Settings]?: Settings[K] | null };

/** Settings cannot be used as they are; the message says what to fix. */
export class SettingsError extends RelayError {
  declare readonly code: 'invalid_settings';
  /** Each offending key (`notifications.maxPerMinute`) with the schema's words, when values are to blame. */
  readonly issues: readonly { field: string; message: string }[];

  constructor(message: string, issues: readonly { field: string; message: string }[] = []) {
    super('config', 'invalid_settings', message);
    this.issues = issues;
  }
}

export interface SettingsStore {
  readonly path: string;
  /** The stored settings, validated. Throws SettingsError naming each bad field. */
  read(): Settings;
  /** What `update(patch)` would store, validated; nothing is written. Throws SettingsError. */
  preview(patch: SettingsPatch): Settings;
  /** The one write path: merges `patch` into what is stored, validates the whole, writes it. Throws SettingsError. */
  update(patch: SettingsPatch): Settings;
}

/** The settings of `home`: `<home>/settings.json` through `backend` (default: the file itself). */
export function openSettings(home: string, backend: SettingsBackend = settingsFile(join(home, 'settings.json'))): SettingsStore {
  const { path } = backend;
  const load = (): Record<string, unknown> => {
    try {
      return backend.load();
    } catch (err) {
      if (err instanceof SettingsFileError) throw new SettingsError(err.message);
      throw new SettingsError(`cannot read ${path}: ${(err as Error).message}; fix the JSON or delete the file`);
    }
  };
  const validate = (value: Record<string, unknown>, hint: string): Settings => {
    const parsed = SettingsSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw settingsError(parsed.error, `${path}: `, hint);
  };
  const merge = (patch: SettingsPatch): Record<string, unknown> => {
    // Unknown keys stay (a newer version's, conf's `__internal__`); spreading keeps an own `__proto__` as data.
    const next: Record<string, unknown> = { ...load() };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    return next;
  };
  return {
    path,
    read: () => validate(load(), 'fix the value or delete the key'),
    preview: (patch) => validate(merge(patch), 'nothing was saved'),
    update(patch) {
      const next = merge(patch);
      const settings = validate(next, 'nothing was saved');
      // Every backend: neither writer may put the key wherever a planted link points.
      try {
        refuseSymlink(path);
        backend.save(next);
      } catch (err) {
        throw new SettingsError(err instanceof SettingsFileError ? err.message : `cannot write ${path}: ${(err as Error).message}`);
      }
      return settings;
    },
  };
}

/** One line per bad field, each named by its key path: `"localPort" Too big: expected number to be <=65535`. */
export function settingsError(error: z.ZodError, prefix: string, hint: string): SettingsError {
  const issues = error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message }));
  return new SettingsError(`${prefix}${issues.map((i) => `"${i.field}" ${i.message}`).join('; ')}; ${hint}`, issues);
}

/** A key path as a reader writes it: `upstreams[2].url`, `notifications.maxPerMinute`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

export function retentionFrom(settings: Settings) {
  return {
    maxEvents: settings.retention?.maxEvents ?? DEFAULT_RETENTION.maxEvents,
    maxAgeMs: settings.retention?.maxAgeDays !== undefined ? settings.retention.maxAgeDays * 86_400_000 : DEFAULT_RETENTION.maxAgeMs,
  };
}
