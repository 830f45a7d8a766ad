// Typed errors of the upstream side (STYLE.md "Typed errors with a discriminator"): callers branch on `code`,
// never on message text. Every message is safe to log: secrets are redacted before they get here. Each is a
// RelayError of the catalogue (relay/util/errors.ts), which says what it becomes on the local API, MCP and CLI.
import { RelayError } from '../util/errors.js';

export type ConfigErrorCode = 'invalid_server_url';

/** A configuration value that cannot work; the message says what to change. */
export class ConfigError extends RelayError {
  override readonly name = 'ConfigError';
  declare readonly code: ConfigErrorCode;

  constructor(code: ConfigErrorCode, message: string) {
    super('config', code, message);
  }
}

export type RedirectErrorCode = 'cross_origin_redirect' | 'too_many_redirects' | 'invalid_redirect';

/**
 * A redirect the guarded fetch refused to follow. The bearer token never left the configured origin: the
 * request that would have carried it to `to` was not made.
 */
export class RedirectError extends RelayError {
  override readonly name = 'RedirectError';
  declare readonly code: RedirectErrorCode;

  constructor(
    code: RedirectErrorCode,
    message: string,
    /** Where the redirect came from and pointed to, without query or fragment. */
    readonly from: string,
    readonly to: string | undefined,
    readonly status: number,
  ) {
    super('upstream', code, message);
  }
}

export type ControlErrorCode =
  /** 401/403: the API key is wrong, revoked or lacks the scope. */
  | 'unauthorized'
  /** The tool ran and answered `isError: true`; the message is the server's. */
  | 'tool_error'
  /** The arguments fail the tool's input schema (checked before anything is sent). */
  | 'invalid_input'
  /** The server answered with something the tool's output schema does not accept. */
  | 'invalid_response'
  | 'cross_origin_redirect'
  | 'too_many_redirects'
  | 'invalid_redirect'
  /** Network-level failure: refused, DNS, reset, timeout. */
  | 'unreachable'
  /** Any other HTTP or MCP protocol failure. */
  | 'protocol_error'
  /** `close()` was called. */
  | 'closed';

/**
 * A control-plane call that failed; `status` is the push server's HTTP status when there was one (never the
 * local API's: on /v1 every ControlError is a 502, but arguments refused before sending are a 400, and a closed
 * client is a relay shutting down).
 */
export class ControlError extends RelayError {
  override readonly name = 'ControlError';
  declare readonly code: ControlErrorCode;

  constructor(
    code: ControlErrorCode,
    message: string,
    readonly tool?: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(code === 'invalid_input' ? 'bad_request' : code === 'closed' ? 'relay_stopping' : 'upstream', code, message, options);
  }
}

/**
 * Removes bearer tokens (and any of the given literal secrets) from text meant for logs, status or errors
 * (DESIGN.md "Security": secrets never in logs). A server may echo the Authorization header in an error body.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  // RFC 6750 b64token; at least 8 characters so prose such as "unknown bearer token" stays readable.
  let out = text.replace(/\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, '$1 [redacted]');
  for (const secret of secrets) {
    // Short strings would redact ordinary words; real keys are long.
    if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** The errno-like code of a network failure, looking through `cause` chains (undici wraps them). */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Codes of failures below HTTP: the host cannot be reached at all (the relay's `offline` state). */
const OFFLINE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'CERT_HAS_EXPIRED',
]);

export function isNetworkErrorCode(code: string | undefined): boolean {
  return code !== undefined && OFFLINE_CODES.has(code);
}

/** One line describing an error, cause chain included, for logs and lastError (redact before showing). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.filter((p) => p.length > 0).join(': ') || 'unknown error';
}
