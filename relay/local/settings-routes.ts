// `GET/PUT /v1/settings` for the UI's Settings page (token-protected, mounted as an extra route).
// The API key is write-only: GET says whether one is set, never what it is. PUT validates with the settings
// file's own schema (plus the server-URL rules the relay applies at start) and writes through openSettings.
// The running upstream connection is not touched: server, client id and key are read once at start, and
// swapping them under a live stream (new identity, new resume point, new subscriptions) is a restart's job.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { openSettings, SettingsSchema, type Settings } from '../config/settings.js';
import { ConfigError, normalizeServerUrl } from '../upstream/server-url.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';

export const SETTINGS_PATH = '/v1/settings';

export const RESTART_MESSAGE =
  'Saved. The relay reads the server URL, client id and API key when it starts: restart it (quit and start ' +
  '`push-relay daemon` again, or relaunch the app) to use them.';

export interface SettingsRoutesOptions {
  home: string;
  /** The relay's environment: an env var overrides the file, and the UI should say so. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where a new API key goes. Default: `apiKey` in settings.json (plain text — what a headless daemon has).
   * The tray app passes its safeStorage writer here. `null` removes the key.
   */
  saveApiKey?: (key: string | null) => Promise<'plain' | 'encrypted'> | 'plain' | 'encrypted';
  /**
   * Uses a new API key on the live connection (leaving `unauthorized` at once). Returns false when it cannot
   * (demo mode, or PUSH_RELAY_API_KEY overrides the file); then the change waits for a restart.
   */
  applyApiKey?: (key: string) => boolean;
}

/** What the UI sees: the settings file with the key reduced to whether it is set. */
export interface SettingsView {
  server: string | null;
  clientId: string | null;
  apiKeySet: boolean;
  apiKeyStorage: 'plain' | 'encrypted' | null;
  localPort: number | null;
  /** Kept for the notification policy's own page (relay/notify validates it). */
  notifications: Record<string, unknown> | null;
}

/** Fields the UI may write. `null` clears one (server: back to demo mode). Unknown keys are refused. */
export const SettingsUpdateSchema = z.strictObject({
  server: z.string().trim().max(2000).nullable().optional(),
  clientId: z.string().trim().nullable().optional(),
  apiKey: z.string().trim().max(4096).nullable().optional(),
});
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;

export function settingsRoutes(options: SettingsRoutesOptions): Record<string, Handler> {
  const env = options.env ?? process.env;
  const store = () => openSettings(options.home);
  const read = (s: ReturnType<typeof store>): Settings => {
    try {
      return s.read();
    } catch (err) {
      throw new HttpError(500, 'invalid_settings', (err as Error).message);
    }
  };
  const describe = (settings: Settings, path: string) => ({
    settings: view(settings),
    path,
    // The environment wins over the file at start (README "Running against a real push server").
    overridden_by_env: {
      server: Boolean(env.PUSH_RELAY_SERVER),
      apiKey: Boolean(env.PUSH_RELAY_API_KEY),
    },
  });

  const handler: Handler = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const s = store();
      return sendJson(res, 200, describe(read(s), s.path));
    }
    if (req.method !== 'PUT') {
      throw new HttpError(405, 'method_not_allowed', `use GET or PUT on ${SETTINGS_PATH}`, { allow: 'GET, PUT' });
    }
    const parsed = SettingsUpdateSchema.safeParse(await readJson(req, 16 * 1024));
    if (!parsed.success) throw invalid(parsed.error);
    const update = normalize(parsed.data);
    // Validate everything before writing anything, with the settings file's own schema.
    const s = store();
    const current = read(s);
    const next: Settings = { ...current };
    for (const key of ['server', 'clientId'] as const) {
      if (update[key] === undefined) continue;
      if (update[key] === null) delete next[key];
      else next[key] = update[key];
    }
    const checked = SettingsSchema.safeParse(next);
    if (!checked.success) throw invalid(checked.error);
    if (typeof update.server === 'string' && update.server !== 'demo') {
      try {
        normalizeServerUrl(update.server);
      } catch (err) {
        if (err instanceof ConfigError) throw new HttpError(400, 'invalid_settings', `server: ${err.message}`);
        throw err;
      }
    }
    if (typeof update.apiKey === 'string') {
      const key = SettingsSchema.shape.apiKey.safeParse(update.apiKey);
      if (!key.success) throw invalid(key.error, 'apiKey');
    }

    for (const key of ['server', 'clientId'] as const) {
      const value = update[key];
      if (value === undefined) continue;
      if (value === null) await s.delete(key);
      else await s.set(key, value);
    }
    let apiKeyStorage: 'plain' | 'encrypted' | undefined;
    if (update.apiKey !== undefined) {
      if (options.saveApiKey) {
        apiKeyStorage = await options.saveApiKey(update.apiKey);
      } else if (update.apiKey === null) {
        await s.delete('apiKey');
      } else {
        await s.set('apiKey', update.apiKey);
        apiKeyStorage = 'plain';
      }
    }
    const changed = Object.values(update).some((v) => v !== undefined);
    // A new key alone can be used at once (the stream reconnects with it); server or client id changes cannot.
    const onlyKey = typeof update.apiKey === 'string' && update.server === undefined && update.clientId === undefined;
    const applied = onlyKey && options.applyApiKey !== undefined && options.applyApiKey(update.apiKey as string);
    sendJson(res, 200, {
      ...describe(read(s), s.path),
      restart_required: changed && !applied,
      message: applied ? 'Saved and in use: the relay reconnects with the new key.' : changed ? RESTART_MESSAGE : 'Nothing to change.',
      ...(apiKeyStorage === 'plain'
        ? { warning: `The API key is stored in plain text in ${s.path} (readable only by you: mode 0600).` }
        : {}),
    });
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

function invalid(error: z.ZodError, field?: string): HttpError {
  const message = error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown setting(s) ${i.keys.join(', ')}; this page can change server, clientId and apiKey`;
      const path = i.path.join('.') || field || 'settings';
      return `${path}: ${i.message}`;
    })
    .join('; ');
  return new HttpError(400, 'invalid_settings', message);
}
