// CLI errors: a user mistake is one line on stderr and a non-zero exit, never a stack trace (DESIGN.md "CLI").
export class UsageError extends Error {
  readonly code = 'usage';
  readonly exitCode = 2;
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
      if (err instanceof HelpRequest) {
        process.stdout.write(err.text());
        process.exit(0);
      }
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
