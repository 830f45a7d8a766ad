// One error catalogue for the relay (STYLE.md "Errors": ntfy's server/errors.go). Every typed error extends
// RelayError and names its kind here; the kind says, once, what the failure becomes on each surface: the local
// API's HTTP status (relay/util/http.ts httpErrorOf), the MCP tool error (relay/local/mcp/tool-errors.ts), and
// the CLI exit code (relay/cli/errors.ts exitWhenDone); whether the same call may succeed later unchanged
// (retryable) or the caller must change something first (fatal); and what to do. `code` stays the error's own
// fine-grained discriminator (`inbox_closed`, `port_in_use`, …), the one the wire bodies and tests show.
// No imports: every layer may use this, the hooks included.

export type ToolErrorCode =
  /** No relay on the home dir, or it does not answer. */
  | 'relay_not_running'
  /** The relay is shutting down (its inbox closed under the call). */
  | 'relay_stopping'
  /** The relay refused the arguments. */
  | 'invalid_request'
  /** The push server (control plane) failed or refused. */
  | 'upstream_error'
  | 'relay_error';

export interface ErrorKind {
  /** The local API's answer. */
  readonly status: number;
  /** The CLI's exit code. */
  readonly exit: number;
  /** What an MCP tool reports. */
  readonly tool: ToolErrorCode;
  /** The same call may succeed later unchanged (back off and retry); false: fatal until something changes. */
  readonly retryable: boolean;
  /** What the user or caller should do. */
  readonly action: string;
}

// Order matters only for kindOfStatus: the first kind with a status is the one a client infers from it.
export const ERROR_KINDS = {
  /** The request's content is wrong: a query parameter, a body field, a tool argument. */
  bad_request: { status: 400, exit: 1, tool: 'invalid_request', retryable: false, action: 'change the request as the message says' },
  /** The command line is wrong (exit 2, as POSIX utilities do). */
  usage: { status: 400, exit: 2, tool: 'invalid_request', retryable: false, action: 'fix the command line; `push-relay help` lists the commands' },
  /** The relay refused the local token. */
  unauthorized: { status: 401, exit: 1, tool: 'relay_error', retryable: false, action: 'use the token in <home>/local-token, or point --home at the home dir the relay runs on' },
  /** What the request names does not exist (a subscription id the push server does not know). */
  not_found: { status: 404, exit: 1, tool: 'invalid_request', retryable: false, action: 'list what exists and use one of its ids' },
  /** Set-up the user must fix first: a settings file, a server URL, a port in use, another relay on the home dir. */
  config: { status: 409, exit: 1, tool: 'relay_error', retryable: false, action: 'fix what the message names, then start again' },
  /** A bug: nothing the caller did. */
  internal: { status: 500, exit: 70, tool: 'relay_error', retryable: false, action: 'see <home>/logs/relay.log and report it' },
  /** The push server's control plane failed (network, protocol, its own error) or refused the key. */
  upstream: { status: 502, exit: 1, tool: 'upstream_error', retryable: true, action: 'check the push server and the API key (`push-relay status`), then retry' },
  /** The relay is shutting down; a new one will answer. */
  relay_stopping: { status: 503, exit: 1, tool: 'relay_stopping', retryable: true, action: 'retry once the relay runs again' },
  /** No relay runs on the home dir, or it does not answer. Never sent on the wire: the client finds it out. */
  relay_unavailable: { status: 503, exit: 1, tool: 'relay_not_running', retryable: true, action: 'start it with `push-relay daemon` (or the tray app)' },
  /** The inbox could not write (disk full, I/O error); nothing partial was kept. */
  storage: { status: 507, exit: 1, tool: 'relay_error', retryable: true, action: 'free disk space or check the inbox directory, then retry' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorKindName = keyof typeof ERROR_KINDS;

/** The base of every typed error: a kind from the catalogue, a code, and a message that says what to do. */
export class RelayError extends Error {
  override readonly name: string = 'RelayError';

  constructor(
    readonly kind: ErrorKindName,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The catalogue entry of any thrown value: its kind for a RelayError, `internal` for anything else. */
export function kindOf(err: unknown): ErrorKind & { name: ErrorKindName } {
  const name = err instanceof RelayError ? err.kind : 'internal';
  return { name, ...ERROR_KINDS[name] };
}

/** The kind a client infers from the local API's answer status (the inverse of `status`, first match wins). */
export function kindOfStatus(status: number): ErrorKindName {
  for (const [name, kind] of Object.entries(ERROR_KINDS) as [ErrorKindName, ErrorKind][]) if (kind.status === status) return name;
  return status >= 400 && status < 500 ? 'bad_request' : 'internal';
}
