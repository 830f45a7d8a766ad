// The inbox window's preload: sandboxed, context-isolated, CommonJS (a sandboxed preload cannot load ES
// modules or our other files). It exposes the relay URL, the local token and the key-storage status, nothing else;
// the main process checks every message's sender (main/ipc.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS + verbatimModuleSyntax: the only import form
import electron = require('electron');
import type { CHANNELS as MainChannels } from '../ipc-channels.js';

// The registry's values, repeated (no run-time import in a sandbox) and checked against it at compile time.
const CHANNELS = {
  getConfig: 'push-relay:get-config',
} as const satisfies typeof MainChannels;

interface Config {
  relayUrl: string;
  token: string;
  secretStorage: { backend: string; warning: string | null } | null;
}

const config = electron.ipcRenderer.sendSync(CHANNELS.getConfig) as Config | null;

electron.contextBridge.exposeInMainWorld(
  'pushRelay',
  Object.freeze({
    relayUrl: config?.relayUrl,
    token: config?.token,
    secretStorage: config?.secretStorage ?? null,
  }),
);
