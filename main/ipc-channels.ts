// The one registry of IPC channels between the inbox window and the main process (after electron/fiddle's
// channel enum). The preload (main/preload/preload.cts, CommonJS and sandboxed, so it cannot import this
// file at run time) repeats these values and `satisfies` this type: a drift is a compile error.
export const CHANNELS = {
  /** sync; → `{ relayUrl, token, secretStorage }` for the window that asks (null for any other sender). */
  getConfig: 'push-relay:get-config',
} as const;

export type ChannelName = keyof typeof CHANNELS;
export type Channel = (typeof CHANNELS)[ChannelName];
