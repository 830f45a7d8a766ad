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
