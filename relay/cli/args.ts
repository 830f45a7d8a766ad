// Argument parsing on node:util parseArgs, with messages that say what to do instead of stack traces.
// `--help`/`-h` is answered here for every command that parses through `parse`, from the same usage line its
// errors print, so the two never drift apart.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HelpRequest, UsageError, wantsHelp } from './errors.js';
import { didYouMean } from './suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  if (wantsHelp(argv)) throw new HelpRequest(usage);
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const unknown = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-[^']+)'/.exec(e.message)?.[1] : undefined;
    if (unknown !== undefined) {
      const name = unknown.replace(/^-+/, '').split('=')[0]!;
      const hint = didYouMean(name, Object.keys(options), (o) => `--${o}`);
      throw new UsageError(`unknown option ${unknown}${hint}\nusage: ${usage}`);
    }
    const message = e.message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${message}\nusage: ${usage}`);
  }
}

export function intOption(name: string, raw: string | undefined, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} needs a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}
