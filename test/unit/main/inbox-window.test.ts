// The inbox window: secure web preferences, one window, close hides / quit destroys, routes as hash
// links, navigation and new windows blocked, permissions denied, a CSP on responses that lack one.
import { describe, expect, it, vi } from 'vitest';
import { InboxWindow, inboxUrl } from '../../../main/inbox-window.js';
import { FALLBACK_CSP, hardenWebContents, isSafeExternalUrl, secureWebPreferences } from '../../../main/web-security.js';
import { FakeWebContents, FakeWindow, fakeElectron } from './fakes.js';

const TARGET = { url: 'http://127.0.0.1:47831', token: 'a'.repeat(64) };

function setup(target: typeof TARGET | null = TARGET) {
  const electron = fakeElectron();
  const external: string[] = [];
  const seen = vi.fn();
  const win = new InboxWindow({ electron, preload: '/dist/main/preload/preload.cjs', target: () => target, openExternal: (u) => external.push(u), onSeen: seen });
  return { electron, win, external, seen };
}

describe('inbox window', () => {
  it('is isolated, sandboxed, without Node, with the CommonJS preload', () => {
    const { win } = setup();
    win.show();
    const prefs = FakeWindow.all[0]!.options.webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/dist/main/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs).toEqual(secureWebPreferences('/dist/main/preload/preload.cjs'));
  });

  it('loads the relay UI with the token in the fragment and deep-links with #event=<seq>', () => {
    const { win } = setup();
    win.show();
    const w = FakeWindow.all[0]!;
    expect(w.lastUrl).toBe(`http://127.0.0.1:47831/#token=${TARGET.token}`);
    expect(w.visible && w.focused).toBe(true);
    win.show({ view: 'inbox', event: 42 });
    expect(w.lastUrl).toBe(`http://127.0.0.1:47831/#token=${TARGET.token}&event=42`);
    win.show({ view: 'subscriptions' });
    expect(w.lastUrl).toMatch(/#token=a+&subscriptions$/);
    win.show({ view: 'settings' });
    expect(w.lastUrl).toMatch(/#token=a+&settings$/);
    expect(FakeWindow.all).toHaveLength(1); // one window, reused
    // "Open inbox" on an existing window keeps the page as it is (filters, scroll).
    const loads = w.loaded.length;
    win.show();
    expect(w.loaded).toHaveLength(loads);
    expect(new URL(inboxUrl(TARGET, { view: 'inbox', event: 7 })).hash).toBe(`#token=${TARGET.token}&event=7`);
  });

  it('closing hides to the tray; after allowClose (quit) it really closes; minimised windows are restored', () => {
    const { win, seen } = setup();
    win.show();
    const w = FakeWindow.all[0]!;
    expect(seen).toHaveBeenCalled();
    w.close();
    expect(w.destroyed).toBe(false);
    expect(w.visible).toBe(false);
    w.minimized = true;
    win.show();
    expect(w.minimized).toBe(false);
    expect(w.visible).toBe(true);
    win.allowClose();
    w.close();
    expect(w.destroyed).toBe(true);
    expect(win.current()).toBeUndefined();
    win.show(); // a new one when asked again
    expect(FakeWindow.all).toHaveLength(2);
  });

  it('shows nothing while the relay is not running', () => {
    const { win } = setup(null);
    expect(win.show()).toBe(false);
    expect(FakeWindow.all).toHaveLength(0);
  });

  it('denies every new window; web links go to the OS browser, nothing else does', () => {
    const { win, external } = setup();
    win.show();
    const open = FakeWindow.all[0]!.webContents.openHandler!;
    expect(open({ url: 'https://example.com/deal/1' })).toEqual({ action: 'deny' });
    expect(open({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(open({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(open({ url: `${TARGET.url}/#token=x` })).toEqual({ action: 'deny' });
    expect(external).toEqual(['https://example.com/deal/1']);
  });

  it('prevents navigation and redirects off the relay origin; same-origin navigation is allowed', () => {
    const { win } = setup();
    win.show();
    const wc = FakeWindow.all[0]!.webContents;
    expect(wc.navigate('http://127.0.0.1:47831/#event=3')).toBe(true);
    expect(wc.navigate('http://127.0.0.1:9999/')).toBe(false);
    expect(wc.navigate('http://localhost:47831/')).toBe(false);
    expect(wc.navigate('https://evil.example/')).toBe(false);
    expect(wc.navigate('file:///etc/passwd')).toBe(false);
    expect(wc.navigate('https://evil.example/', 'will-redirect')).toBe(false);
    const attach = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    wc.emit('will-attach-webview', attach);
    expect(attach.defaultPrevented).toBe(true);
  });

  it('denies every permission request and check', () => {
    const { win } = setup();
    win.show();
    const session = FakeWindow.all[0]!.webContents.session;
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal']) {
      const cb = vi.fn();
      session.requestHandler!(null, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
      expect(session.checkHandler!(null, permission)).toBe(false);
    }
  });

  it('adds a strict CSP to responses without one and keeps the relay’s own', () => {
    const { win } = setup();
    win.show();
    const listener = FakeWindow.all[0]!.webContents.session.headersListener!;
    const results: Record<string, string | string[]>[] = [];
    listener({ url: `${TARGET.url}/x`, responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => results.push(r.responseHeaders!));
    listener({ url: `${TARGET.url}/`, responseHeaders: { 'content-security-policy': ["default-src 'self'"] } }, (r) => results.push(r.responseHeaders!));
    expect(results[0]!['Content-Security-Policy']).toEqual([FALLBACK_CSP]);
    expect(FALLBACK_CSP).toMatch(/default-src 'none'/);
    expect(FALLBACK_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(results[1]).toEqual({ 'content-security-policy': ["default-src 'self'"] });
  });

  it('any webContents can be hardened the same way (app-wide guard)', () => {
    const wc = new FakeWebContents();
    hardenWebContents(wc, { allowedOrigin: () => null });
    expect(wc.navigate('http://127.0.0.1:47831/')).toBe(false); // no relay yet: nowhere to go
    expect(wc.openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('external links: http(s) with a host and no credentials only', () => {
    expect(isSafeExternalUrl('https://pact.place/deals/1')).toBe(true);
    expect(isSafeExternalUrl('http://example.com')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'https://user:pw@example.com', 'smb://host/share', 'not a url', 42, `https://x.com/${'a'.repeat(3000)}`]) {
      expect(isSafeExternalUrl(bad), String(bad)).toBe(false);
    }
  });
});
