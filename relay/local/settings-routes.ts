// `GET/PUT /v1/settings` for the UI's Settings page (token-protected), mounted by the relay core for every host:
// the daemon and the tray app serve this same handler over the same settings store (relay/config/settings.ts).
// The API key is write-only: GET says whether one is set, never what it is.
//
// A PUT is applied live: validate the change with the settings schema, let the relay build the upstream it
// asks for (a new server, client id or mode gets its own stream; a new key goes to the running one), and only
// then write settings.json and switch. So a refused change writes nothing, and a saved one is in use.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SettingsError, type Settings, type SettingsPatch, type SettingsStore } from '../config/settings.js';
import { RelayConfigError } from '../core/errors.js';
import { ConfigError } from '../upstream/server-url.js';
import { LOCAL_API, type SettingsResponse } from '../protocol/local-api.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';

export const SETTINGS_PATH = LOCAL_API.settings;

export type KeyStorage = NonNullable<SettingsView['apiKeyStorage']>;

/** The change that stores a new API key (`null`: remove it). Throws HttpError when it cannot be stored. */
export type KeyWriter = (key: string | null) => Promise<{ patch: SettingsPatch; storage: KeyStorage }>;

/** A new key alone is plain `apiKey` in settings.json (mode 0600): what a headless daemon has. */
export const plainKeyWriter: KeyWriter = async (key) => ({ patch: key === null ? { apiKey: null, apiKeyEncrypted: null } : { apiKey: key }, storage: 'plain' });

/** A switch the relay has built but not made; see relay/core/live-upstream.ts. */
export interface PreparedSettings {
  commit(): Promise<void>;
  discard(): Promise<void>;
  /** What the person should read once it is committed. */
  message: string;
}

/**
 * The one way settings change while the relay runs: validate the patch, let the relay build what it asks for,
 * write settings.json, then switch. One change at a time (`serial`): each is validated against, and written over,
 * what the previous one left. The Settings page's PUT and a finished sign-in that names a new server
 * (relay/core/relay.ts) both go through it, so the two can never interleave.
 */
export interface SettingsWriter {
  /** Runs `fn` after every change queued before it, and before any queued after it. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Applies one change NOW (the caller is inside `serial`). Throws HttpError saying which field to fix. */
  applyNow(patch: SettingsPatch, key: string | null | undefined): Promise<PreparedSettings>;
}

export function settingsWriter(store: SettingsStore, prepare: SettingsRoutesOptions['prepare']): SettingsWriter {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    serial<T>(fn: () => Promise<T>): Promise<T> {
      const done = queue.then(fn);
      queue = done.catch(() => undefined);
      return done;
    },
    async applyNow(patch, key) {
      let next: Settings;
      try {
        next = store.preview(patch);
      } catch (err) {
        throw refused(err);
      }
      let prepared: PreparedSettings;
      try {
        prepared = await prepare(next, key);
      } catch (err) {
        throw refused(err);
      }
      try {
        store.update(patch);
      } catch (err) {
        await prepared.discard();
        throw refused(err);
      }
      await prepared.commit();
      return prepared;
    },
  };
}

export interface SettingsRoutesOptions {
  store: SettingsStore;
  /** Shared with the other writers of settings (the sign-in's server); built from `store` and `prepare` if absent. */
  writer?: SettingsWriter;
  /** Which settings the command line or environment overrides (the UI says so). */
  overridden: { server: boolean; clientId: boolean; apiKey: boolean };
  /** Where a new API key goes (default: plain `apiKey`); the tray encrypts it with safeStorage. */
  writeKey?: KeyWriter;
  /**
   * Builds what `next` asks for (with `key` as the key in use: a string is new, null removed, undefined unchanged).
   * Throws RelayConfigError / ConfigError for settings the relay cannot run with; nothing is running differently then.
   */
  prepare(next: Settings, key: string | null | undefined): Promise<PreparedSettings>;
}

/** What the UI sees: the settings file with the key reduced to whether it is set (the local API contract's shape). */
export type SettingsView = SettingsResponse['settings'];

/** Fields the UI may write. `null` clears one (server: back to demo mode). Unknown keys are refused. */
export const SettingsUpdateSchema = z.strictObject({
  server: z.string().trim().max(2000).nullable().optional(),
  clientId: z.string().trim().nullable().optional(),
  apiKey: z.string().trim().max(4096).nullable().optional(),
});
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;

export function settingsRoutes(options: SettingsRoutesOptions): Record<string, Handler> {
  const { store, overridden } = options;
  const writeKey = options.writeKey ?? plainKeyWriter;
  const read = (): Settings => {
    try {
      return store.read();
    } catch (err) {
      throw new HttpError(500, 'invalid_settings', (err as Error).message);
    }
  };
  const describe = (settings: Settings) => ({
    settings: view(settings),
    path: store.path,
    // The environment wins over the file (README "Running against a real push server").
    overridden_by_env: { server: overridden.server, apiKey: overridden.apiKey },
  });
  const writer = options.writer ?? settingsWriter(store, options.prepare);

  const put = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = SettingsUpdateSchema.safeParse(await readJson(req, 16 * 1024));
    if (!parsed.success) throw invalid(parsed.error);
    const update = normalize(parsed.data);
    const patch: SettingsPatch = { server: update.server, clientId: update.clientId };
    let storage: KeyStorage | undefined;
    if (update.apiKey !== undefined) {
      const key = await writeKey(update.apiKey);
      Object.assign(patch, key.patch);
      storage = key.storage;
    }
    const prepared = await writer.applyNow(patch, update.apiKey);
    const changed = Object.values(update).some((v) => v !== undefined);
    const waiting = (['server', 'clientId', 'apiKey'] as const).filter((k) => update[k] !== undefined && overridden[k]);
    sendJson(res, 200, {
      ...describe(read()),
      // Every change applies while the relay runs; none waits for a restart.
      restart_required: false,
      message: !changed
        ? 'Nothing to change.'
        : waiting.length > 0
          ? `Saved. ${waiting.join(' and ')} ${waiting.length === 1 ? 'is' : 'are'} set on this relay's command line or environment, which take precedence: the saved value is used once the relay restarts without them.`
          : prepared.message,
      ...(storage === 'plain' && typeof update.apiKey === 'string'
        ? { warning: `The API key is stored in plain text in ${store.path} (readable only by you: mode 0600).` }
        : {}),
    });
  };

  const handler: Handler = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, describe(read()));
    if (req.method !== 'PUT') {
      throw new HttpError(405, 'method_not_allowed', `use GET or PUT on ${SETTINGS_PATH}`, { allow: 'GET, PUT' });
    }
    return writer.serial(() => put(req, res));
  };
  return { [SETTINGS_PATH]: handler };
}

/** Empty text means "clear" for the optional fields; an empty API key is no change (a blank password box). */
function normalize(u: SettingsUpdate): SettingsUpdate {
  return {
    server: u.server === '' ? null : u.server,
    clientId: u.clientId === '' ? null : u.clientId,
    apiKey: u.apiKey === '' ? undefined : u.apiKey,
  };
}

function view(s: Settings): SettingsView {
  return {
    server: s.server ?? null,
    clientId: s.clientId ?? null,
    apiKeySet: Boolean(s.apiKey) || Boolean(s.apiKeyEncrypted),
    apiKeyStorage: s.apiKeyEncrypted ? 'encrypted' : s.apiKey ? 'plain' : null,
    localPort: s.localPort ?? null,
    notifications: s.notifications ?? null,
  };
}

/** A change the relay cannot take, as one line that starts with the field to fix (the page marks that field). */
function refused(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof SettingsError) {
    const text = err.issues.length > 0 ? err.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : err.message;
    return new HttpError(err.issues.length > 0 ? 400 : 500, 'invalid_settings', `${text}; nothing was saved`);
  }
  if (err instanceof ConfigError) return new HttpError(400, 'invalid_settings', `server: ${err.message}`);
  if (err instanceof RelayConfigError && err.code === 'missing_api_key') {
    return new HttpError(400, 'invalid_settings', 'apiKey: a push server needs an API key; enter one with the server URL, or clear the server to use demo mode');
  }
  return new HttpError(500, 'apply_failed', `not saved: the relay could not switch to these settings (${(err as Error).message}); the previous ones stay in use`);
}

function invalid(error: z.ZodError): HttpError {
  const message = error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown setting(s) ${i.keys.join(', ')}; this page can change server, clientId and apiKey`;
      return `${i.path.join('.') || 'settings'}: ${i.message}`;
    })
    .join('; ');
  return new HttpError(400, 'invalid_settings', message);
}
