// The page's address: where the local token comes from, and the hash routes (`#event=<seq>` is the deep link a
// notification click opens; `#subscriptions`, `#settings` are the tray menu's entries).
//
// Token sources, first match wins:
//   1. the URL fragment `#token=…` (the `inbox <url>` line of `push-relay daemon`): never sent to the server;
//      read once, then removed from the address bar (history.replaceState) so it is not bookmarked, shared in
//      a screenshot, or kept in history;
//   2. the Electron preload bridge: `contextBridge.exposeInMainWorld('pushRelay', { relayUrl, token })`;
//   3. sessionStorage (this tab only), so a reload keeps working after the fragment is gone.

export type Route = { view: 'inbox'; event: number | null } | { view: 'subscriptions' } | { view: 'settings' };

/** What main/preload exposes (relay URL + local token, nothing else). */
export interface PushRelayBridge {
  relayUrl?: string;
  token?: string;
  /** Electron safeStorage's backend, and a warning when it is plain text (Linux `basic_text`). */
  secretStorage?: { backend: string; warning: string | null } | null;
}

declare global {
  interface Window {
    pushRelay?: PushRelayBridge;
  }
}

const TOKEN_KEY = 'push-relay.token';
const TOKEN_RE = /^[\w.~+/=-]{8,512}$/;

export function parseHash(hash: string): { token: string | null; route: Route } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  const event = params.get('event');
  let route: Route = { view: 'inbox', event: null };
  if (event !== null && /^\d{1,15}$/.test(event)) route = { view: 'inbox', event: Number(event) };
  else if (params.has('subscriptions')) route = { view: 'subscriptions' };
  else if (params.has('settings')) route = { view: 'settings' };
  return { token: token !== null && TOKEN_RE.test(token) ? token : null, route };
}

export function routeHash(route: Route): string {
  if (route.view === 'inbox') return route.event === null ? '#inbox' : `#event=${route.event}`;
  return `#${route.view}`;
}

/** Finds the token (see the order above) and strips it from the address bar. */
export function takeToken(): string | null {
  const { token, route } = parseHash(location.hash);
  if (location.hash.includes('token=')) {
    history.replaceState(history.state, '', `${location.pathname}${location.search}${routeHash(route)}`);
  }
  if (token) {
    rememberToken(token);
    return token;
  }
  const bridged = window.pushRelay?.token;
  if (typeof bridged === 'string' && TOKEN_RE.test(bridged)) return bridged;
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function rememberToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token lives in memory for this page only.
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // as above
  }
}

/** Accepts a pasted token or a whole inbox URL (`http://127.0.0.1:…/#token=…`). */
export function tokenFromInput(text: string): string | null {
  const trimmed = text.trim();
  const hashAt = trimmed.indexOf('#');
  if (hashAt >= 0) return parseHash(trimmed.slice(hashAt)).token;
  return TOKEN_RE.test(trimmed) ? trimmed : null;
}
