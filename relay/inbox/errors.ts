// Typed inbox errors (STYLE.md "Typed errors with a discriminator"): callers branch on `code`, never on message text.
import { RelayError, type ErrorKindName } from '../util/errors.js';

export type InboxErrorCode =
  /** The inbox was closed; every later call fails with this until it is opened again. */
  | 'inbox_closed'
  /** A write or fsync of the log or of consumers.json failed (disk full, I/O error); nothing partial was kept. */
  | 'inbox_write_failed'
  /** The inbox directory could not be read or created. */
  | 'inbox_open_failed'
  /** A caller passed something the inbox cannot store or use (e.g. a non-integer seq). */
  | 'inbox_invalid_argument';

/** Each code's kind in the error catalogue: a closed inbox is a relay shutting down; a failed write, a disk to check. */
const KINDS: Record<InboxErrorCode, ErrorKindName> = {
  inbox_closed: 'relay_stopping',
  inbox_write_failed: 'storage',
  inbox_open_failed: 'storage',
  inbox_invalid_argument: 'bad_request',
};

export class InboxError extends RelayError {
  override readonly name: string = 'InboxError';
  declare readonly code: InboxErrorCode;

  constructor(code: InboxErrorCode, message: string, options?: ErrorOptions) {
    super(KINDS[code], code, message, options);
  }
}

export class InboxClosedError extends InboxError {
  override readonly name = 'InboxClosedError';

  constructor() {
    super('inbox_closed', 'The inbox is closed; open it again before using it.');
  }
}

/**
 * A failed write. The append (or ack) that hit it was rejected as a whole and the log was cut back to its
 * last durable record, so retrying later (once there is space again) is safe.
 */
export class InboxWriteError extends InboxError {
  override readonly name = 'InboxWriteError';
  declare readonly code: 'inbox_write_failed';
  /** The errno code of the underlying failure (`ENOSPC`, `EIO`, …) when there is one. */
  readonly errnoCode: string | undefined;

  constructor(what: string, cause: unknown) {
    const errnoCode = errnoOf(cause);
    super('inbox_write_failed', `Could not write ${what}${errnoCode ? ` (${errnoCode})` : ''}: ${messageOf(cause)}. Free disk space or check the inbox directory, then retry.`, { cause });
    this.errnoCode = errnoCode;
  }
}

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
