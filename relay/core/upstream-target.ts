// Which push server the relay talks to, as who, with which key: resolved from the command line, the environment,
// the settings file and the key the host holds (pure, no I/O). The same function decides at start and when the
// Settings page saves, so a saved change means exactly what the next start would do with it.
import { hostname } from 'node:os';
import type { Settings } from '../config/settings.js';
import type { EventSource } from '../inbox/types.js';
import { DEMO_TENANT } from '../reference-server/demo-identity.js';
import { tenantIdForKey } from '../upstream/push-stream.js';
import { normalizeServerUrl, type ServerUrl } from '../upstream/server-url.js';
import { RelayConfigError } from './errors.js';

/** Demo events keep one identity across restarts, whatever port the embedded server gets. */
export const DEMO_SOURCE: EventSource = { server: 'demo:reference-server', tenant: DEMO_TENANT };

export type UpstreamTarget =
  | { mode: 'demo'; clientId: string; source: EventSource }
  | { mode: 'server'; clientId: string; source: EventSource; server: ServerUrl; apiKey: string };

/** What wins over the settings file: `--server`, `--demo`, `--client-id` and the environment. */
export interface TargetOverrides {
  server?: string;
  demo?: boolean;
  clientId?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * `heldKey` is a key the host holds outside settings.json: the tray's decrypted key, or one just saved through the
 * Settings page. PUSH_RELAY_API_KEY wins over it, and it wins over a plain `apiKey` in the file. Throws
 * RelayConfigError (`missing_api_key`) for a server without a key, ConfigError for a bad server URL.
 */
export function resolveTarget(settings: Settings, overrides: TargetOverrides, heldKey: string | undefined): UpstreamTarget {
  const { env } = overrides;
  const configured = overrides.server || env.PUSH_RELAY_SERVER || settings.server || undefined;
  const clientId = overrides.clientId ?? settings.clientId ?? defaultClientId();
  if (overrides.demo === true || !configured || configured === 'demo') return { mode: 'demo', clientId, source: DEMO_SOURCE };
  const server = normalizeServerUrl(configured);
  const apiKey = env.PUSH_RELAY_API_KEY || heldKey || settings.apiKey || '';
  if (!apiKey) {
    throw new RelayConfigError(`no API key for ${configured}: set PUSH_RELAY_API_KEY, or "apiKey" in settings.json, or run with --demo`, 'missing_api_key');
  }
  // A key is a tenant identity here (tenantIdForKey): a new key or server is a new source with its own cursor.
  return { mode: 'server', clientId, server, apiKey, source: { server: server.base, tenant: tenantIdForKey(apiKey) } };
}

/** Which settings the command line or the environment overrides (a saved value waits until they are gone). */
export function overridden(overrides: TargetOverrides): { server: boolean; clientId: boolean; apiKey: boolean } {
  return {
    server: Boolean(overrides.server || overrides.demo || overrides.env.PUSH_RELAY_SERVER),
    clientId: overrides.clientId !== undefined,
    apiKey: Boolean(overrides.env.PUSH_RELAY_API_KEY),
  };
}

/** How `next` differs from `current`: nothing, the key alone (same stream, new credentials), or the connection. */
export function targetChange(current: UpstreamTarget, next: UpstreamTarget): 'none' | 'key' | 'connection' {
  if (current.mode !== next.mode || current.clientId !== next.clientId) return 'connection';
  if (current.mode === 'demo' || next.mode === 'demo') return 'none';
  if (current.server.base !== next.server.base) return 'connection';
  return current.apiKey === next.apiKey ? 'none' : 'key';
}

function defaultClientId(): string {
  const host = hostname().replace(/[^\w.-]/g, '-').slice(0, 100) || 'host';
  return `push-relay-${host}`;
}
