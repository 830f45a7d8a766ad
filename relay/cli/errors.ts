// CLI errors: a user mistake is one line on stderr and a non-zero exit, never a stack trace (DESIGN.md "CLI").
// The exit code of every typed error comes from its kind in the error catalogue (relay/util/errors.ts).
import { neutralizeText } from '../protocol/untrusted-text.js';
import { ERROR_KINDS, RelayError } from '../util/errors.js';

/** A wrong command line; exit code 2. */
export class UsageError extends RelayError {
  declare readonly code: 'usage';

  constructor(message: string) {
    super('usage', 'usage', message);
  }
}

/** A failure the user can act on (a port in use, a missing build …); exit code 1. */
export class CliError extends RelayError {
  constructor(message: string, code: string) {
    super('config', code, message);
  }
}

/**
 * Ends the process once a command is `done`: with process.exitCode (0 unless the command set one), a typed
 * error as one line and its kind's exit code, anything else as a bug with its stack (exit 70). Shared by the CLI
 * (main.ts) and the hook bundle (hook-main.ts), so `push-relay hook …` and the installed hook command fail alike.
 */
export function exitWhenDone(done: Promise<void>): void {
  done.then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      if (err instanceof RelayError) {
        // A message may carry the push server's text (a refused subscribe, relayed): one neutral line.
        process.stderr.write(`push-relay: ${neutralizeText(err.message, 1000)}\n`);
        return process.exit(ERROR_KINDS[err.kind].exit);
      }
      // A bug, not a user mistake: keep the stack so it can be reported.
      process.stderr.write(`push-relay: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(ERROR_KINDS.internal.exit);
    },
  );
}
