// What a new user types first: `--help` on any command, `--version`, and near misses of commands and options.
// Runs bin/push-relay (the compiled CLI, as a user does); no relay is needed for any of it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../relay/cli/commands.js';
import { runCli } from '../../helpers/cli.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('every command answers --help and -h with its usage, exit 0', () => {
  const cases = Object.keys(COMMANDS).flatMap((name) => [[name, '--help'], [name, '-h']] as const);
  it.each(cases)('push-relay %s %s', async (name, flag) => {
    const { code, stdout, stderr } = await runCli([name, flag]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: push-relay ${name}\\b`));
  });

  it('after other arguments too, and through `push-relay help <command>`', async () => {
    const late = await runCli(['subscribe', '--topic', 'deal.*', '--help']);
    expect(late.code).toBe(0);
    expect(late.stdout).toContain('usage: push-relay subscribe --topic T');
    const viaHelp = await runCli(['help', 'subscribe']);
    expect(viaHelp).toMatchObject({ code: 0, stdout: late.stdout });
    expect(viaHelp.stdout).toContain(COMMANDS.subscribe!.summary);
  });

  it('prints the same usage line a usage error prints', async () => {
    const help = await runCli(['subscribe', '--help']);
    const mistake = await runCli(['subscribe']);
    expect(mistake.code).toBe(2);
    const usageLine = help.stdout.split('\n')[0]!;
    expect(mistake.stderr).toContain(usageLine);
  });
});

describe('--version', () => {
  it.each([['--version'], ['version']])('push-relay %s prints the package version', async (arg) => {
    const { code, stdout } = await runCli([arg]);
    expect(code).toBe(0);
    expect(stdout).toBe(`push-relay ${PACKAGE_VERSION}`);
  });
});

describe('near misses get a suggestion', () => {
  it('a mistyped command', async () => {
    const { code, stderr } = await runCli(['subscibe', '--topic', 'deal.*']);
    expect(code).toBe(2);
    expect(stderr).toBe('push-relay: unknown command "subscibe"; did you mean `subscribe`?\n');
  });

  it('a mistyped option', async () => {
    const { code, stderr } = await runCli(['subscribe', '--tpoic', 'deal.*']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('push-relay: unknown option --tpoic; did you mean --topic?');
  });

  it('a mistyped hook name and hook option (the hook bundle, exit 1: never 2 for a hook)', async () => {
    const name = await runCli(['hook', 'stpo'], {}, '{}');
    expect(name.code).toBe(1);
    expect(name.stderr).toContain('unknown hook "stpo"; did you mean `stop`?');
    const option = await runCli(['hook', 'stop', '--consumr', 'x'], {}, '{}');
    expect(option.code).toBe(1);
    expect(option.stderr).toContain('did you mean --consumer?');
  });

  it('nothing is suggested for a word that is not close to any', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toBe('push-relay: unknown command "frobnicate"; run `push-relay --help` to see the commands\n');
  });
});
