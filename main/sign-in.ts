// The tray's Sign in / Sign out (seed 001's OAuth path): the running relay's own sign-in (relay/auth/sign-in-flow.ts,
// the one the Settings page starts too) with the system browser; the relay stores the result in the store the
// tray gave it (sealed by safeStorage, secrets.ts) and switches to it without a restart.
import type { SignInFlow } from '../relay/auth/sign-in-flow.js';
import { FileSignInStore, MemorySignInStore, type SignInStore } from '../relay/auth/sign-in-store.js';
import type { AuthStatus } from '../relay/protocol/local-api.js';
import type { SafeStorageApi } from './electron-api.js';
import type { MenuFacts } from './menu-model.js';
import { signInSealer } from './secrets.js';

export function traySignInStore(home: string, safeStorage: SafeStorageApi, platform: NodeJS.Platform): SignInStore {
  const sealer = signInSealer(safeStorage, platform);
  return sealer ? new FileSignInStore(home, sealer) : new MemorySignInStore();
}

export interface TraySignInDeps {
  /** The running relay's sign-in; undefined while it starts. */
  flow: () => Pick<SignInFlow, 'start' | 'signOut'> | undefined;
  openExternal: (url: string) => Promise<void>;
}

/** Resolves once signed in (or cancelled from the page); throws with the relay's reason when it failed. */
export async function traySignIn(d: TraySignInDeps): Promise<void> {
  const flow = d.flow();
  if (!flow) return;
  const { done } = await flow.start((url) => d.openExternal(url.href));
  const end = await done;
  if (end.state === 'failed') throw new Error(end.problem ?? 'the sign-in failed');
}

export async function traySignOut(d: TraySignInDeps): Promise<void> {
  await d.flow()?.signOut();
}

/** The menu's sign-in facts from the relay's status: none in demo mode; Sign in… for an API key or signed out. */
export function signInFacts(mode: 'demo' | 'server' | undefined, auth: AuthStatus | undefined): MenuFacts['signIn'] {
  if (mode !== 'server' || !auth) return undefined;
  if (auth.method !== 'oauth') return auth.method === 'api-key' ? { signedIn: false } : undefined;
  return auth.signed_in ? { signedIn: true, who: auth.subject ?? 'unknown', scopes: auth.scopes } : { signedIn: false, problem: auth.problem ?? undefined };
}
