// Public surface of the upstream side: the push stream, the control-plane client and their pure helpers.
export { normalizeServerUrl, toServerUrl, isLoopbackHost, ConfigError, type ServerUrl } from './server-url.js';
export { decodeFrame, isMalformed, MalformedCounter, MALFORMED_KINDS, MAX_FRAME_BYTES, type DecodeResult, type Malformed, type MalformedKind, type SseMessage } from './frame-decoder.js';
export { Backoff, DEFAULT_BACKOFF, parseRetryAfter, type BackoffOptions, type ConnectionOutcome, type JitterStrategy } from './backoff.js';
export { createGuardedFetch, type FetchFn, type GuardedFetchOptions } from './guarded-fetch.js';
export { httpFetch, type StreamFetch, type StreamResponse } from './http-fetch.js';
export * from './push-stream.js';
export * from './control-client.js';
export { ControlError, RedirectError, redact, type ControlErrorCode, type ConfigErrorCode, type RedirectErrorCode } from './errors.js';
