// The API key through safeStorage: encrypted into settings (never plain), the async API preferred, a clear
// warning for Linux's basic_text backend, a clear error (and nothing written) when encryption is unavailable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeyVault, BASIC_TEXT_WARNING, readOnlyKeyStore, SecretStorageError, type EncryptedKeyStore } from '../../../main/secrets.js';
import { electronStoreBackend, TraySettings } from '../../../main/settings.js';
import { openSettings } from '../../../relay/config/settings.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { confFactory } from './conf-store.js';
import { FakeAsyncSafeStorage, FakeSafeStorage } from './fakes.js';

const KEY = 'pact_live_0123456789abcdef';
const dirs: TempDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function home(): Promise<string> {
  const d = await tempDir('secrets-');
  dirs.push(d);
  return d.path;
}

class MemoryKeyStore implements EncryptedKeyStore {
  encrypted: string | undefined;
  getEncrypted = () => this.encrypted;
  saveEncrypted = (v: string | null) => void (this.encrypted = v ?? undefined);
}

/** The tray's settings as the tray app has them: the relay's store over electron-store (conf here). */
const traySettings = (dir: string) => new TraySettings(openSettings(dir, electronStoreBackend(confFactory, dir)));

describe('ApiKeyVault', () => {
  it('stores the key encrypted in settings.json, never in plain text, and reads it back', async () => {
    const dir = await home();
    const settings = traySettings(dir);
    const safeStorage = new FakeSafeStorage();
    const vault = new ApiKeyVault({ safeStorage, platform: 'linux', store: settings });
    expect(await vault.save(KEY)).toBe('encrypted');
    const file = readFileSync(join(dir, 'settings.json'), 'utf8');
    expect(file).not.toContain(KEY);
    expect(file).not.toContain(Buffer.from(KEY).toString('base64'));
    expect(JSON.parse(file)).toMatchObject({ apiKeyEncrypted: expect.any(String) });
    expect(JSON.parse(file).apiKey).toBeUndefined();
    expect(await vault.load()).toEqual({ key: KEY, shouldReEncrypt: false });
    // The daemon reads the same file (relay/config/settings.ts, zod) and sees the encrypted key (it cannot decrypt it).
    expect(openSettings(dir).read()).toMatchObject({ apiKeyEncrypted: JSON.parse(file).apiKeyEncrypted });
  });

  it('replaces a plain apiKey left by a headless setup once an encrypted one is saved', async () => {
    const dir = await home();
    openSettings(dir).update({ apiKey: 'pact_old_plain_key' });
    const vault = new ApiKeyVault({ safeStorage: new FakeSafeStorage(), platform: 'darwin', store: traySettings(dir) });
    await vault.save(KEY);
    const file = readFileSync(join(dir, 'settings.json'), 'utf8');
    expect(file).not.toContain('pact_old_plain_key');
    expect(file).not.toContain(KEY);
  });

  it('prefers the async API when this Electron has it, and re-encryption is reported', async () => {
    const safeStorage = new FakeAsyncSafeStorage();
    const store = new MemoryKeyStore();
    const vault = new ApiKeyVault({ safeStorage, platform: 'darwin', store });
    await vault.save(KEY);
    safeStorage.shouldReEncrypt = true;
    expect(await vault.load()).toEqual({ key: KEY, shouldReEncrypt: true });
    expect(safeStorage.calls).toContain('encryptStringAsync');
    expect(safeStorage.calls).toContain('decryptStringAsync');
    expect(safeStorage.calls).toContain('isAsyncEncryptionAvailable');
    expect(safeStorage.calls).not.toContain('isEncryptionAvailable');
  });

  it('encryption unavailable: a clear error, nothing written (and certainly not the key in plain text)', async () => {
    const dir = await home();
    const settings = traySettings(dir);
    settings.setSecretStorage({ backend: 'gnome_libsecret', available: false, warning: null });
    const before = readFileSync(join(dir, 'settings.json'), 'utf8');
    for (const safeStorage of [new FakeSafeStorage(), new FakeAsyncSafeStorage()]) {
      safeStorage.available = false;
      const vault = new ApiKeyVault({ safeStorage, platform: 'linux', store: settings });
      const err = await vault.save(KEY).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretStorageError);
      expect(err).toMatchObject({ code: 'encryption_unavailable', message: expect.stringMatching(/NOT saved.*never\s+stores it in plain text/s) });
      expect(safeStorage.calls.filter((c) => c.startsWith('encrypt'))).toEqual([]);
    }
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain(KEY);
  });

  it('Linux basic_text backend: saved, but with a clear warning in the log and the status', async () => {
    const safeStorage = new FakeSafeStorage();
    safeStorage.backend = 'basic_text';
    const logs: string[] = [];
    const vault = new ApiKeyVault({ safeStorage, platform: 'linux', store: new MemoryKeyStore(), log: (level, l) => logs.push(`${level}: ${l}`) });
    expect(await vault.status()).toEqual({ backend: 'basic_text', available: true, warning: BASIC_TEXT_WARNING });
    await vault.save(KEY);
    expect(logs).toEqual([`warn: ${BASIC_TEXT_WARNING}`]);
    expect(BASIC_TEXT_WARNING).toMatch(/basic_text.*does not protect it/s);
  });

  it('reports the backend per platform; a real keyring has no warning', async () => {
    const safeStorage = new FakeSafeStorage();
    expect(await new ApiKeyVault({ safeStorage, platform: 'linux', store: new MemoryKeyStore() }).status()).toEqual({ backend: 'gnome_libsecret', available: true, warning: null });
    expect((await new ApiKeyVault({ safeStorage, platform: 'darwin', store: new MemoryKeyStore() }).status()).backend).toBe('keychain');
    expect((await new ApiKeyVault({ safeStorage, platform: 'win32', store: new MemoryKeyStore() }).status()).backend).toBe('dpapi');
    safeStorage.available = false;
    expect(await new ApiKeyVault({ safeStorage, platform: 'linux', store: new MemoryKeyStore() }).status()).toMatchObject({ available: false, warning: expect.stringMatching(/not available/) });
  });

  it('a key encrypted elsewhere: decrypt_failed with what to do; no key: undefined; removal', async () => {
    const store = new MemoryKeyStore();
    const vault = new ApiKeyVault({ safeStorage: new FakeSafeStorage(), platform: 'linux', store });
    expect(await vault.load()).toBeUndefined();
    store.encrypted = Buffer.from('garbage').toString('base64');
    await expect(vault.load()).rejects.toMatchObject({ code: 'decrypt_failed', message: expect.stringMatching(/enter it again in Settings/) });
    await vault.save(KEY);
    await vault.save(null);
    expect(store.encrypted).toBeUndefined();
  });

  it('a read-only store (before the home lock is held) refuses to write', async () => {
    const store = readOnlyKeyStore(undefined);
    expect(store.getEncrypted()).toBeUndefined();
    const vault = new ApiKeyVault({ safeStorage: new FakeSafeStorage(), platform: 'linux', store });
    await expect(vault.save(KEY)).rejects.toThrow(/read-only/);
  });
});
