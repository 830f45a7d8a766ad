// Which push server the relay talks to, as who, with which key: resolved from the command line, the environment,
// the settings file and the key the host holds (pure, no I/O). The same function decides at start and when the
// Settings page saves, so a saved change means exactly what the next start would do with it.
import { hostname } from 'node:os';
import type { Settings } from '../config/settings.js';
import type { EventSource } from '../inbox/types.js';
import { tenantIdForSignIn } from '../auth/identity.js';
import type { SignInRecord } from '../auth/sign-in-store.js';
import { DEMO_TENANT } from '../reference-server/demo-identity.js';
import { tenantIdForKey } from '../upstream/push-stream.js';
import { normalizeServerUrl, type ServerUrl } from '../upstream/server-url.js';
import { RelayConfigError } from './errors.js';

/** Demo events keep one identity across restarts, whatever port the embedded server gets. */
export const DEMO_SOURCE: EventSource = { server: 'demo:reference-server', tenant: DEMO_TENANT };

export type UpstreamTarget =
  | { mode: 'demo'; clientId: string; source: EventSource }
  | { mode: 'server'; clientId: string; source: EventSource; server: ServerUrl; apiKey: string; signIn?: SignInRef };

/** An OAuth sign-in the target uses instead of an API key (`apiKey` is then ''). */
export interface SignInRef {
  /** Changes with every login, so a new login reaches a running relay as new credentials. */
  signInId: string;
  subject: string;
}

/** What wins over the settings file: `--server`, `--demo`, `--client-id` and the environment. */
export interface TargetOverrides {
  server?: string;
  demo?: boolean;
  clientId?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * `heldKey` is a key the host holds outside settings.json: the tray's decrypted key, or one just saved through the
 * Settings page. PUSH_RELAY_API_KEY wins over everything; then a live OAuth sign-in to the server (`signInFor`,
 * `push-relay login`); then the held key, then a plain `apiKey` in the file; then a sign-in whose refresh was
 * refused (so the state says "sign in again"). Logging out therefore switches back to the key. Throws
 * RelayConfigError (`missing_api_key`) for a server without any credentials, ConfigError for a bad server URL.
 */
export function resolveTarget(
  settings: Settings,
  overrides: TargetOverrides,
  heldKey: string | undefined,
  signInFor: (serverBase: string) => SignInRecord | undefined = () => undefined,
): UpstreamTarget {
  const { env } = overrides;
  const configured = overrides.server || env.PUSH_RELAY_SERVER || settings.server || undefined;
  const clientId = overrides.clientId ?? settings.clientId ?? defaultClientId();
  if (overrides.demo === true || !configured || configured === 'demo') return { mode: 'demo', clientId, source: DEMO_SOURCE };
  const server = normalizeServerUrl(configured);
  const signIn = env.PUSH_RELAY_API_KEY ? undefined : signInFor(server.base);
  const storedKey = heldKey || settings.apiKey || '';
  if (signIn?.signInId && (signIn.tokens || !storedKey)) {
    // The source is who signed in, not the token (auth/identity.ts): refreshes and re-logins keep one cursor.
    const tenant = tenantIdForSignIn(signIn.issuer ?? server.origin, signIn.subject ?? 'unknown');
    return { mode: 'server', clientId, server, apiKey: '', signIn: { signInId: signIn.signInId, subject: signIn.subject ?? 'unknown' }, source: { server: server.base, tenant } };
  }
  const apiKey = env.PUSH_RELAY_API_KEY || storedKey;
  if (!apiKey) {
    throw new RelayConfigError(
      `no credentials for ${configured}: sign in with \`push-relay login --server ${server.base}\`, or set PUSH_RELAY_API_KEY or "apiKey" in settings.json, or run with --demo`,
      'missing_api_key',
    );
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
  return credentialId(current) === credentialId(next) ? 'none' : 'key';
}

function credentialId(t: Extract<UpstreamTarget, { mode: 'server' }>): string {
  return t.signIn ? `oauth:${t.signIn.signInId}` : `key:${t.apiKey}`;
}

function defaultClientId(): string {
  const host = hostname().replace(/[^\w.-]/g, '-').slice(0, 100) || 'host';
  return `push-relay-${host}`;
}
