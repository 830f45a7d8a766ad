// The tray's Sign in / Sign out entries and the sealed sign-in store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSignInStore, SEALED_SIGN_IN_FILE } from '../../../relay/auth/sign-in-store.js';
import { buildMenu, type MenuFacts, type MenuNode } from '../../../main/menu-model.js';
import { signInSealer } from '../../../main/secrets.js';
import { signInFacts } from '../../../main/sign-in.js';
import type { SafeStorageApi } from '../../../main/electron-api.js';

const base: MenuFacts = { statusLine: 'Connected', recent: [], pausedUntil: null, now: 0, openAtLogin: false, loginItemSupported: false };
const labels = (nodes: MenuNode[]) => nodes.map((n) => ('label' in n ? n.label : n.kind));

describe('tray menu: Sign in / Sign out', () => {
  it('offers Sign in for an API key or a refused sign-in, nothing in demo mode', () => {
    expect(signInFacts('demo', { method: 'demo' })).toBeUndefined();
    expect(labels(buildMenu({ ...base, signIn: signInFacts('server', { method: 'api-key' }) }))).toContain('Sign in…');
    const refused = signInFacts('server', { method: 'oauth', signed_in: false, subject: 'acme', scopes: [], expires_at: null, refreshes: 3, stored_in: 'x', problem: 'sign in again' });
    expect(labels(buildMenu({ ...base, signIn: refused }))).toEqual(expect.arrayContaining(['Signed out: sign in again', 'Sign in…']));
    expect(labels(buildMenu({ ...base, signIn: undefined }))).not.toContain('Sign in…');
  });

  it('shows who is signed in and the scopes (neutralized), with Sign out', () => {
    const facts = signInFacts('server', { method: 'oauth', signed_in: true, subject: 'acme\u202Eevil', scopes: ['push:read'], expires_at: null, refreshes: 0, stored_in: 'x', problem: null });
    const menu = buildMenu({ ...base, signIn: facts });
    const who = labels(menu).find((l) => l.startsWith('Signed in as'));
    expect(who).toMatch(/^Signed in as acme.*evil \(push:read\)$/);
    expect(who).not.toContain('\u202E');
    expect(menu.find((n) => n.kind === 'item' && n.label === 'Sign out')).toMatchObject({ action: { type: 'sign-out' } });
  });
});

describe('sign-ins sealed with safeStorage', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  const fakeStorage = (available: boolean): SafeStorageApi => ({
    isEncryptionAvailable: () => available,
    encryptString: (t) => Buffer.from(`sealed:${Buffer.from(t).toString('hex')}`),
    decryptString: (b) => Buffer.from(b.toString().slice('sealed:'.length), 'hex').toString(),
    getSelectedStorageBackend: () => 'gnome_libsecret',
  });

  it('never writes tokens in plain text, and is absent without OS encryption', () => {
    dir = mkdtempSync(join(tmpdir(), 'sealed-'));
    const store = new FileSignInStore(dir, signInSealer(fakeStorage(true), 'linux'));
    store.save({ server: 'https://s', tokens: { access_token: 'secret-access-1', token_type: 'Bearer' } });
    expect(readFileSync(join(dir, SEALED_SIGN_IN_FILE), 'utf8')).not.toContain('secret-access-1');
    expect(store.load('https://s')?.tokens?.access_token).toBe('secret-access-1');
    expect(store.where).toContain('OS keychain (safeStorage: gnome_libsecret)');
    expect(signInSealer(fakeStorage(false), 'linux')).toBeUndefined();
  });
});
