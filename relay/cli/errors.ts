// CLI errors: a user mistake is one line on stderr and a non-zero exit, never a stack trace (DESIGN.md "CLI").
// The exit code of every typed error comes from its kind in the error catalogue (relay/util/errors.ts).
import { ERROR_KINDS, RelayError } from '../util/errors.js';

/** A wrong command line; exit code 2. */
export class UsageError extends RelayError {
  declare readonly code: 'usage';

  constructor(message: string) {
    super('usage', 'usage', message);
  }
}

/**
 * `--help` / `-h` asked for a command's usage: not a failure, but it ends the command the same way (from inside
 * the argument parsing, before anything runs), so it travels the rejection path and exits 0 with the text on stdout.
 */
export class HelpRequest extends Error {
  readonly code = 'help';
  /** The command's one-line summary (main.ts adds it; the usage line comes from the command itself). */
  summary?: string;
  constructor(readonly usage: string) {
    super('help requested');
  }
  text(): string {
    return `usage: ${this.usage}\n${this.summary ? `\n${this.summary}\n` : ''}`;
  }
}

/** True when `argv` asks for help: `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
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
      if (err instanceof HelpRequest) {
        process.stdout.write(err.text());
        return process.exit(0);
      }
      if (err instanceof RelayError) {
        process.stderr.write(`push-relay: ${err.message}\n`);
        return process.exit(ERROR_KINDS[err.kind].exit);
      }
      // A bug, not a user mistake: keep the stack so it can be reported.
      process.stderr.write(`push-relay: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(ERROR_KINDS.internal.exit);
    },
  );
}
