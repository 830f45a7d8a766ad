// CLI entry: `--help`, `--version`, and dispatch to one module per command (relay/cli/commands.ts).
import { VERSION } from '../util/version.js';
import { COMMANDS } from './commands.js';
import { exitWhenDone, HelpRequest, UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return (
    `usage: push-relay <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    'push-relay <command> --help shows a command’s options; push-relay --version prints the version.\n'
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || (command === 'help' && rest.length === 0)) {
    process.stdout.write(help());
    return;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`push-relay ${VERSION}\n`);
    return;
  }
  // `push-relay help subscribe` is `push-relay subscribe --help`.
  const [name, args] = command === 'help' ? [rest[0]!, ['--help']] : [command, rest];
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const hint = didYouMean(name, Object.keys(COMMANDS)) || '; run `push-relay --help` to see the commands';
    throw new UsageError(`unknown command "${name}"${hint}`);
  }
  try {
    await (await entry.load()).run(args);
  } catch (err) {
    if (err instanceof HelpRequest) err.summary = entry.summary;
    throw err;
  }
}

exitWhenDone(main(process.argv.slice(2)));
