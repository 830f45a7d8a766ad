// CLI errors: a user mistake is one line on stderr and a non-zero exit, never a stack trace (DESIGN.md "CLI").
export class UsageError extends Error {
  readonly code = 'usage';
  readonly exitCode = 2;
}

/** A failure the user can act on (a port in use, a relay not running …); exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Ends the process once a command is `done`: with process.exitCode (0 unless the command set one), a user
 * mistake as one line and its exit code, anything else as a bug with its stack (exit 70). Shared by the CLI
 * (main.ts) and the hook bundle (hook-main.ts), so `push-relay hook …` and the installed hook command fail alike.
 */
export function exitWhenDone(done: Promise<void>): void {
  done.then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof CliError) {
        process.stderr.write(`push-relay: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      // A bug, not a user mistake: keep the stack so it can be reported.
      process.stderr.write(`push-relay: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(70);
    },
  );
}
