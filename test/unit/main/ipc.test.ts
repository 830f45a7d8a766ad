// The channel registry: one table of channels, argument schemas, and a sender check on every message —
// only OUR inbox window (BrowserWindow.fromWebContents(event.sender)) on the relay's origin is answered.
// The preload is run for real (transpiled from its source, in a vm, as a sandboxed CommonJS script).
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import type { IpcInvokeEvent } from '../../../main/electron-api.js';
import { InboxWindow } from '../../../main/inbox-window.js';
import { CHANNELS } from '../../../main/ipc-channels.js';
import { registerIpc, type IpcHandlers } from '../../../main/ipc.js';
import { FakeWebContents, FakeWindow, fakeElectron } from './fakes.js';

const ORIGIN = 'http://127.0.0.1:47831';
const TOKEN = 'f'.repeat(64);

function setup() {
  const electron = fakeElectron();
  const win = new InboxWindow({ electron, preload: '/p.cjs', target: () => ({ url: ORIGIN, token: TOKEN }), openExternal: () => undefined });
  win.show();
  const handlers: IpcHandlers = {
    getConfig: vi.fn(() => ({ relayUrl: ORIGIN, token: TOKEN, secretStorage: null })),
    openExternal: vi.fn(() => Promise.resolve(true)),
    pauseNotifications: vi.fn(() => ({ pausedUntil: 123 })),
  };
  const log = vi.fn<(line: string) => void>();
  const off = registerIpc({ electron, window: () => win.current(), origin: () => win.origin(), handlers, log });
  const ours = FakeWindow.all[0]!;
  const fromOurs: IpcInvokeEvent = { sender: ours.webContents, senderFrame: { url: `${ORIGIN}/#event=1` } };
  return { electron, win, handlers, log, off, ours, fromOurs };
}

describe('IPC channel registry', () => {
  it('registers exactly the registry’s channels, and removes them again', () => {
    const { electron, off } = setup();
    expect([...electron.ipcMain.handlers.keys(), ...electron.ipcMain.syncListeners.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
    off();
    expect(electron.ipcMain.handlers.size + electron.ipcMain.syncListeners.size).toBe(0);
  });

  it('answers our inbox window', async () => {
    const { electron, handlers, fromOurs } = setup();
    expect(electron.ipcMain.sendSync(CHANNELS.getConfig, fromOurs)).toEqual({ relayUrl: ORIGIN, token: TOKEN, secretStorage: null });
    expect(await electron.ipcMain.invoke(CHANNELS.openExternal, fromOurs, 'https://example.com')).toBe(true);
    expect(await electron.ipcMain.invoke(CHANNELS.pauseNotifications, fromOurs, '1h')).toEqual({ pausedUntil: 123 });
    expect(handlers.openExternal).toHaveBeenCalledWith('https://example.com');
    expect(handlers.pauseNotifications).toHaveBeenCalledWith('1h');
  });

  it('refuses a webContents that is not our window (another window, a devtools page, a stray contents)', async () => {
    const { electron, handlers, log } = setup();
    const other = new electron.BrowserWindow({}) as FakeWindow;
    for (const sender of [other.webContents, new FakeWebContents()]) {
      const event: IpcInvokeEvent = { sender, senderFrame: { url: `${ORIGIN}/` } };
      expect(electron.ipcMain.sendSync(CHANNELS.getConfig, event)).toBeNull();
      await expect(electron.ipcMain.invoke(CHANNELS.openExternal, event, 'https://example.com')).rejects.toThrow(/refused/);
      await expect(electron.ipcMain.invoke(CHANNELS.pauseNotifications, event, '1h')).rejects.toThrow(/refused/);
    }
    expect(handlers.getConfig).not.toHaveBeenCalled();
    expect(handlers.openExternal).not.toHaveBeenCalled();
    expect(handlers.pauseNotifications).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/refused push-relay:open-external from a sender that is not the inbox window/));
  });

  it('refuses our window when it shows another origin (or its frame is gone)', async () => {
    const { electron, ours, handlers } = setup();
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'http://127.0.0.1:9999/' }, null]) {
      const event: IpcInvokeEvent = { sender: ours.webContents, senderFrame };
      expect(electron.ipcMain.sendSync(CHANNELS.getConfig, event)).toBeNull();
      await expect(electron.ipcMain.invoke(CHANNELS.openExternal, event, 'https://example.com')).rejects.toThrow(/refused/);
    }
    expect(handlers.getConfig).not.toHaveBeenCalled();
  });

  it('refuses a destroyed window', async () => {
    const { electron, ours, fromOurs, win } = setup();
    win.destroy();
    expect(ours.destroyed).toBe(true);
    await expect(electron.ipcMain.invoke(CHANNELS.pauseNotifications, fromOurs, '1h')).rejects.toThrow(/refused/);
  });

  it('validates arguments before any handler runs', async () => {
    const { electron, handlers, fromOurs } = setup();
    await expect(electron.ipcMain.invoke(CHANNELS.pauseNotifications, fromOurs, 'forever')).rejects.toThrow(/invalid arguments/);
    await expect(electron.ipcMain.invoke(CHANNELS.pauseNotifications, fromOurs)).rejects.toThrow(/invalid arguments/);
    await expect(electron.ipcMain.invoke(CHANNELS.openExternal, fromOurs, { href: 'https://x' })).rejects.toThrow(/invalid arguments/);
    await expect(electron.ipcMain.invoke(CHANNELS.openExternal, fromOurs, 'https://x', 'extra')).rejects.toThrow(/invalid arguments/);
    expect(handlers.openExternal).not.toHaveBeenCalled();
    expect(handlers.pauseNotifications).not.toHaveBeenCalled();
  });
});

describe('preload (main/preload/preload.cts, run as a sandboxed CommonJS script)', () => {
  function runPreload(config: unknown) {
    const source = readFileSync(new URL('../../../main/preload/preload.cts', import.meta.url), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const exposed: Record<string, unknown> = {};
    const sendSync = vi.fn(() => config);
    const invoke = vi.fn(() => Promise.resolve('ok'));
    const required: string[] = [];
    const electron = {
      ipcRenderer: { sendSync, invoke },
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    };
    const require = (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`module not found: ${id} (a sandboxed preload can require only electron)`);
      return electron;
    };
    const module = { exports: {} };
    runInNewContext(js, { require, module, exports: module.exports });
    return { exposed, sendSync, invoke, required };
  }

  it('requires only electron and exposes the relay URL, the token and two actions over the registry channels', async () => {
    const { exposed, sendSync, invoke, required } = runPreload({ relayUrl: ORIGIN, token: TOKEN, secretStorage: { backend: 'basic_text', warning: 'w' } });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['pushRelay']);
    const api = exposed.pushRelay as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['openExternal', 'pauseNotifications', 'relayUrl', 'secretStorage', 'token']);
    expect(api).toMatchObject({ relayUrl: ORIGIN, token: TOKEN, secretStorage: { backend: 'basic_text', warning: 'w' } });
    expect(Object.isFrozen(api)).toBe(true);
    expect(sendSync).toHaveBeenCalledWith(CHANNELS.getConfig);
    await (api.openExternal as (u: unknown) => Promise<unknown>)({ toString: () => 'https://example.com' });
    await (api.pauseNotifications as (r: string) => Promise<unknown>)('8h');
    expect(invoke.mock.calls).toEqual([
      [CHANNELS.openExternal, 'https://example.com'],
      [CHANNELS.pauseNotifications, '8h'],
    ]);
  });

  it('exposes no token when main refused to answer', () => {
    const { exposed } = runPreload(null);
    expect(exposed.pushRelay).toMatchObject({ relayUrl: undefined, token: undefined, secretStorage: null });
  });
});
