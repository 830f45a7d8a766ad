// Why a push connection attempt failed, as the state machine needs it: a typed code, the state to enter
// (offline for the network, unauthorized for a refused key — no retries —, reconnecting otherwise) and a
// message a user can act on. Pure: it only reads what the attempt saw (DESIGN.md "Failure behaviour").
import { clipChars, neutralizeText, quoteUntrusted } from '../protocol/untrusted-text.js';
import { API_KEY_REFUSED_HINT } from './credentials.js';
import { describeError, isNetworkErrorCode, networkErrorCode, RedirectError } from './errors.js';
import type { StreamResponse } from './http-fetch.js';
import type { ServerUrl } from './server-url.js';
import type { StreamErrorCode } from './stream-status.js';

export interface Failure {
  code: StreamErrorCode;
  message: string;
  state: 'reconnecting' | 'offline' | 'unauthorized';
  status?: number;
  retryAfter?: string | null;
}

/** What one attempt saw of the server, from the request to the end of the stream. */
export interface AttemptOutcome {
  /** The fetch itself rejected (network, redirect refused). */
  fetchError: unknown;
  status: number | undefined;
  retryAfter: string | null;
  contentType: string;
  /** The start of a non-200 body (see `readSome`). */
  body: string;
  /** Reading the stream failed after it opened. */
  readError: unknown;
  /** The server ended the stream cleanly. */
  ended: boolean;
}

/** Longest server-said text kept in a failure message (the whole message stays one line under ~600 characters). */
const MAX_SAID_CHARS = 300;
const MAX_MESSAGE_CHARS = 600;

/**
 * The failure's message goes to stderr, `push-relay status`, the tray and `relay_status`, so it leaves here
 * neutralized (relay/protocol/untrusted-text.ts): what the server said (error body, content-type) is quoted
 * as untrusted text, and the rest, which may carry server-chosen bytes through error causes, is escaped too.
 */
export function classifyFailure(a: AttemptOutcome, url: Pick<ServerUrl, 'origin' | 'pushUrl'>, eventMessage: string | undefined, refusedHint = API_KEY_REFUSED_HINT): Failure {
  const failure = classify(a, url, eventMessage, refusedHint);
  return { ...failure, message: neutralizeText(failure.message, MAX_MESSAGE_CHARS) };
}

function classify(a: AttemptOutcome, url: Pick<ServerUrl, 'origin' | 'pushUrl'>, eventMessage: string | undefined, refusedHint: string): Failure {
  const origin = url.origin;
  if (a.fetchError !== undefined) {
    const err = a.fetchError;
    if (err instanceof RedirectError) return { code: err.code, state: 'reconnecting', message: err.message, status: err.status };
    const code = networkErrorCode(err);
    if (isNetworkErrorCode(code)) {
      return { code: 'network_error', state: 'offline', message: `cannot reach ${origin}: ${describeError(err)}` };
    }
    return { code: 'connect_failed', state: 'reconnecting', message: `request to ${origin} failed: ${describeError(err)}` };
  }
  const status = a.status;
  if (status !== undefined && status !== 200) {
    const said = serverMessage(a.body);
    const detail = `${url.pushUrl} answered ${status}${said ? `: ${quoteUntrusted(said, MAX_SAID_CHARS)}` : ''}`;
    if (status === 401 || status === 403) {
      return {
        code: 'unauthorized',
        state: 'unauthorized',
        status,
        message: `${detail}. ${refusedHint}`,
      };
    }
    if (status === 429) return { code: 'rate_limited', state: 'reconnecting', status, retryAfter: a.retryAfter, message: detail };
    if (status === 503) return { code: 'server_unavailable', state: 'reconnecting', status, retryAfter: a.retryAfter, message: detail };
    if (status >= 500) return { code: 'server_error', state: 'reconnecting', status, message: detail };
    return { code: 'http_error', state: 'reconnecting', status, message: detail };
  }
  if (status === 200 && !a.contentType.toLowerCase().startsWith('text/event-stream')) {
    return {
      code: 'bad_content_type',
      state: 'reconnecting',
      status,
      message: `${url.pushUrl} answered with content-type ${quoteUntrusted(a.contentType, 80)}, not text/event-stream; is the server address right?`,
    };
  }
  if (a.readError !== undefined) {
    return { code: 'stream_dropped', state: 'reconnecting', message: `stream from ${origin} dropped: ${describeError(a.readError)}` };
  }
  if (a.ended) return { code: 'stream_ended', state: 'reconnecting', message: `${origin} closed the stream` };
  return { code: 'stream_dropped', state: 'reconnecting', message: `stream from ${origin} failed: ${eventMessage ?? 'unknown error'}` };
}

/** Up to `max` characters of a body, then the socket is released. */
export async function readSome(res: Pick<StreamResponse, 'body'>, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a body that fails mid-way still gave us its status
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.slice(0, max);
}

/**
 * The `{ error: { message } }` of a JSON error body (reference server, Pact), else the text's first line;
 * clipped on a code point, still raw (the caller quotes it).
 */
export function serverMessage(body: string): string {
  if (body.trim() === '') return '';
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown; code?: unknown } | string; message?: unknown };
    if (typeof json.error === 'object' && json.error && typeof json.error.message === 'string') return clipChars(json.error.message, MAX_SAID_CHARS);
    if (typeof json.error === 'string') return clipChars(json.error, MAX_SAID_CHARS);
    if (typeof json.message === 'string') return clipChars(json.message, MAX_SAID_CHARS);
  } catch {
    // not JSON
  }
  return clipChars(body.split('\n', 1)[0]!.trim(), MAX_SAID_CHARS);
}
