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
    expect([...electron.ipcMain.syncListeners.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
    off();
    expect(electron.ipcMain.syncListeners.size).toBe(0);
  });

  it('answers our inbox window', () => {
    const { electron, fromOurs } = setup();
    expect(electron.ipcMain.sendSync(CHANNELS.getConfig, fromOurs)).toEqual({ relayUrl: ORIGIN, token: TOKEN, secretStorage: null });
  });

  it('refuses a webContents that is not our window (another window, a devtools page, a stray contents)', () => {
    const { electron, handlers, log } = setup();
    const other = new electron.BrowserWindow({}) as FakeWindow;
    for (const sender of [other.webContents, new FakeWebContents()]) {
      const event: IpcInvokeEvent = { sender, senderFrame: { url: `${ORIGIN}/` } };
      expect(electron.ipcMain.sendSync(CHANNELS.getConfig, event)).toBeNull();
    }
    expect(handlers.getConfig).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/refused push-relay:get-config from a sender that is not the inbox window/));
  });

  it('refuses our window when it shows another origin (or its frame is gone)', () => {
    const { electron, ours, handlers } = setup();
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'http://127.0.0.1:9999/' }, null]) {
      const event: IpcInvokeEvent = { sender: ours.webContents, senderFrame };
      expect(electron.ipcMain.sendSync(CHANNELS.getConfig, event)).toBeNull();
    }
    expect(handlers.getConfig).not.toHaveBeenCalled();
  });

  it('refuses a destroyed window', () => {
    const { electron, ours, fromOurs, win, handlers } = setup();
    win.destroy();
    expect(ours.destroyed).toBe(true);
    expect(electron.ipcMain.sendSync(CHANNELS.getConfig, fromOurs)).toBeNull();
    expect(handlers.getConfig).not.toHaveBeenCalled();
  });

  it('validates arguments before any handler runs', () => {
    const { electron, handlers, fromOurs } = setup();
    expect(electron.ipcMain.sendSync(CHANNELS.getConfig, fromOurs, 'unexpected')).toBeNull();
    expect(handlers.getConfig).not.toHaveBeenCalled();
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

  it('requires only electron and exposes the relay URL, the token and the key-storage status, nothing else', () => {
    const { exposed, sendSync, invoke, required } = runPreload({ relayUrl: ORIGIN, token: TOKEN, secretStorage: { backend: 'basic_text', warning: 'w' } });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['pushRelay']);
    const api = exposed.pushRelay as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['relayUrl', 'secretStorage', 'token']);
    expect(api).toMatchObject({ relayUrl: ORIGIN, token: TOKEN, secretStorage: { backend: 'basic_text', warning: 'w' } });
    expect(Object.isFrozen(api)).toBe(true);
    expect(sendSync.mock.calls).toEqual([[CHANNELS.getConfig]]);
    expect(invoke).not.toHaveBeenCalled();
  });

  it('exposes no token when main refused to answer', () => {
    const { exposed } = runPreload(null);
    expect(exposed.pushRelay).toMatchObject({ relayUrl: undefined, token: undefined, secretStorage: null });
  });
});
