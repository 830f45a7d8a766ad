// Main-process side of the channel registry: every channel has an argument schema and one handler, and every
// message is checked before it is handled — its sender must be OUR inbox window
// (`BrowserWindow.fromWebContents(event.sender)`), showing a page of the relay's origin.
import { z } from 'zod';
import type { ElectronApi, IpcInvokeEvent, WindowLike } from './electron-api.js';
import { CHANNELS, type ChannelName } from './ipc-channels.js';
import { isSameOrigin } from './web-security.js';

/** Argument tuples per channel, validated before any handler runs (the renderer is not trusted). */
const CHANNEL_ARGS = {
  getConfig: z.tuple([]),
} as const satisfies Record<ChannelName, z.ZodType<unknown[]>>;

export interface BridgeConfig {
  relayUrl: string;
  token: string;
  secretStorage: { backend: string; warning: string | null } | null;
}

export interface IpcHandlers {
  getConfig(): BridgeConfig | null;
}

export interface IpcOptions {
  electron: Pick<ElectronApi, 'ipcMain' | 'BrowserWindow'>;
  /** The inbox window, if one exists. */
  window: () => WindowLike | undefined;
  /** The relay's origin (http://127.0.0.1:PORT), once it listens. */
  origin: () => string | null;
  handlers: IpcHandlers;
  log?: (line: string) => void;
}

export class IpcRefusedError extends Error {
  readonly code = 'ipc_refused';
}

/** True only for our inbox window's page on the relay's origin. */
export function isTrustedSender(event: IpcInvokeEvent, options: Pick<IpcOptions, 'electron' | 'window' | 'origin'>): boolean {
  const ours = options.window();
  if (!ours || ours.isDestroyed()) return false;
  if (options.electron.BrowserWindow.fromWebContents(event.sender) !== ours) return false;
  const frameUrl = event.senderFrame?.url;
  return typeof frameUrl === 'string' && isSameOrigin(frameUrl, options.origin());
}

/** Registers every channel; returns the function that removes them again. */
export function registerIpc(options: IpcOptions): () => void {
  const { ipcMain } = options.electron;
  const log = options.log ?? (() => undefined);
  const check = <T>(name: ChannelName, schema: z.ZodType<T>, event: IpcInvokeEvent, args: unknown[]): T => {
    if (!isTrustedSender(event, options)) {
      log(`refused ${CHANNELS[name]} from a sender that is not the inbox window`);
      throw new IpcRefusedError(`${CHANNELS[name]}: refused (not the inbox window)`);
    }
    const parsed = schema.safeParse(args);
    if (!parsed.success) throw new IpcRefusedError(`${CHANNELS[name]}: invalid arguments`);
    return parsed.data;
  };

  ipcMain.on(CHANNELS.getConfig, (event, ...args) => {
    try {
      check('getConfig', CHANNEL_ARGS.getConfig, event, args);
      event.returnValue = options.handlers.getConfig();
    } catch {
      event.returnValue = null;
    }
  });

  return () => {
    ipcMain.removeAllListeners(CHANNELS.getConfig);
  };
}
