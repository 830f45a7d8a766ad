// relay/util/safe-fs.ts against a real temp dir: planted links are refused or replaced, never written through.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendNoFollow, readTextNoFollow, UnsafeFileError, writeFileAtomicSync, writeFileNoFollow } from '../../../relay/util/safe-fs.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

let home: TempDir;
let outside: TempDir;
let target: string;

beforeEach(async () => {
  home = await tempDir();
  outside = await tempDir();
  target = join(outside.path, 'victim');
  writeFileSync(target, 'precious\n');
});
afterEach(async () => {
  await home.cleanup();
  await outside.cleanup();
});

describe('safe-fs', () => {
  it('refuses to read through a planted link, naming the file and what to run', () => {
    const link = join(home.path, 'local-token');
    symlinkSync(target, link);
    expect(() => readTextNoFollow(link)).toThrow(UnsafeFileError);
    expect(() => readTextNoFollow(link)).toThrow(`rm '${link}'`);
  });

  it('refuses to append through a planted link; the target is unchanged', () => {
    const link = join(home.path, 'relay.log');
    symlinkSync(target, link);
    expect(() => appendNoFollow(link, 'line\n')).toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('overwrites in place, but never through a planted link', () => {
    const file = join(home.path, 'stop-chain-x');
    writeFileNoFollow(file, '12');
    writeFileNoFollow(file, '3');
    expect(readFileSync(file, 'utf8')).toBe('3');
    const link = join(home.path, 'stop-chain-y');
    symlinkSync(target, link);
    expect(() => writeFileNoFollow(link, '1')).toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('refuses to append to a planted FIFO instead of blocking on it', () => {
    const fifo = join(home.path, 'relay.log');
    execFileSync('mkfifo', [fifo]); // node:fs cannot make a FIFO
    expect(() => appendNoFollow(fifo, 'line\n')).toThrow();
  });

  it('replaces a link at the destination and a link at the temp name; neither target is written', () => {
    const dest = join(home.path, 'relay.json');
    symlinkSync(target, dest);
    symlinkSync(target, `${dest}.tmp`);
    writeFileAtomicSync(dest, '{"pid":1}\n');
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(lstatSync(dest).isFile()).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('{"pid":1}\n');
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(existsSync(`${dest}.tmp`)).toBe(false);
  });

  it('a temp file left by a crash does not block the next write', () => {
    const dest = join(home.path, 'local-token');
    writeFileSync(`${dest}.tmp`, 'half-written');
    writeFileAtomicSync(dest, 'abc\n');
    expect(readFileSync(dest, 'utf8')).toBe('abc\n');
  });
});
