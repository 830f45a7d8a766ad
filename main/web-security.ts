// The inbox window's guard rails (Electron security checklist): isolated, sandboxed, no Node; no new
// windows, no navigation off the relay's origin, no permissions, and a strict CSP on anything that lacks one.
import type { SessionLike, WebContentsLike, WebPreferencesLike } from './electron-api.js';

export function secureWebPreferences(preload: string): WebPreferencesLike {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** For responses that bring no policy of their own (the relay's UI sends a stricter-or-equal one). */
export const FALLBACK_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}

export function isSameOrigin(url: string, allowedOrigin: string | null): boolean {
  return allowedOrigin !== null && originOf(url) === allowedOrigin;
}

/** Links the UI may hand to the OS browser: http(s) with a host, no credentials, sane length. */
export function isSafeExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 2048) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export interface HardenOptions {
  /** The one origin this content may show (the relay's local URL); null = none yet. */
  allowedOrigin: () => string | null;
  /** Where a denied `window.open` / `target=_blank` link to the web goes. */
  openExternal?: (url: string) => void;
  log?: (line: string) => void;
}

/** Applies to every webContents the app creates (see `app.on('web-contents-created')`). */
export function hardenWebContents(contents: WebContentsLike, options: HardenOptions): void {
  const log = options.log ?? (() => undefined);
  contents.setWindowOpenHandler(({ url }) => {
    if (options.openExternal && isSafeExternalUrl(url) && !isSameOrigin(url, options.allowedOrigin())) options.openExternal(url);
    else log(`blocked a new window for ${describe(url)}`);
    return { action: 'deny' };
  });
  const guard = (kind: string) => (event: { preventDefault(): void }, url: string) => {
    if (isSameOrigin(url, options.allowedOrigin())) return;
    event.preventDefault();
    log(`blocked ${kind} to ${describe(url)}`);
  };
  contents.on('will-navigate', guard('navigation'));
  contents.on('will-redirect', guard('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
}

export function hardenSession(session: SessionLike, csp = FALLBACK_CSP): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    const has = Object.keys(headers).some((k) => k.toLowerCase() === 'content-security-policy');
    if (!has) headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
}

/** Only the origin: a URL may carry a token in its fragment or a secret in its query. */
function describe(url: string): string {
  return originOf(url) ?? 'a non-web URL';
}
