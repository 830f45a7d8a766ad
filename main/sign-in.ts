// The tray's Sign in / Sign out (seed 001's OAuth path): the relay's own sign-in (relay/auth/sign-in.ts, the MCP
// SDK's flow) with the system browser, a store sealed by safeStorage (secrets.ts), and the running relay told
// through its Settings route, as `push-relay login` does, so it switches credentials without a restart.
import { signIn, signOut } from '../relay/auth/sign-in.js';
import { FileSignInStore, MemorySignInStore, type SignInStore } from '../relay/auth/sign-in-store.js';
import type { AuthStatus } from '../relay/protocol/local-api.js';
import { LOCAL_API } from '../relay/protocol/local-api.js';
import { normalizeServerUrl } from '../relay/upstream/server-url.js';
import type { SafeStorageApi } from './electron-api.js';
import type { MenuFacts } from './menu-model.js';
import { signInSealer } from './secrets.js';

export function traySignInStore(home: string, safeStorage: SafeStorageApi, platform: NodeJS.Platform): SignInStore {
  const sealer = signInSealer(safeStorage, platform);
  return sealer ? new FileSignInStore(home, sealer) : new MemorySignInStore();
}

export interface TraySignInDeps {
  store: SignInStore;
  /** The running relay's local API (its Settings route applies the new credentials). */
  relay: () => { url: string; token: string; server: string } | undefined;
  openExternal: (url: string) => Promise<void>;
  fetch?: typeof globalThis.fetch;
}

export async function traySignIn(d: TraySignInDeps): Promise<void> {
  const relay = d.relay();
  if (!relay) return;
  await signIn({ server: normalizeServerUrl(relay.server), store: d.store, open: (url) => d.openExternal(url.href) });
  await apply(d, relay);
}

export async function traySignOut(d: TraySignInDeps): Promise<void> {
  const relay = d.relay();
  if (!relay) return;
  await signOut(normalizeServerUrl(relay.server), d.store);
  await apply(d, relay);
}

async function apply(d: TraySignInDeps, relay: { url: string; token: string; server: string }): Promise<void> {
  const res = await (d.fetch ?? globalThis.fetch)(`${relay.url}${LOCAL_API.settings}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ server: relay.server }),
  });
  const body = (await res.json()) as { error?: { message?: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `the relay answered ${res.status}`);
}

/** The menu's sign-in facts from the relay's status: none in demo mode; Sign in… for an API key or signed out. */
export function signInFacts(mode: 'demo' | 'server' | undefined, auth: AuthStatus | undefined): MenuFacts['signIn'] {
  if (mode !== 'server' || !auth) return undefined;
  if (auth.method !== 'oauth') return auth.method === 'api-key' ? { signedIn: false } : undefined;
  return auth.signed_in ? { signedIn: true, who: auth.subject ?? 'unknown', scopes: auth.scopes } : { signedIn: false, problem: auth.problem ?? undefined };
}
