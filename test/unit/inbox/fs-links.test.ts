// relay/inbox/fs.ts never writes through a link planted in the inbox dir: consumers.json.tmp (a leftover of a
// crash, or a link) is replaced, a link at a segment or at consumers.json is refused. Real temp dirs.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeInboxFs, writeFileAtomically } from '../../../relay/inbox/fs.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

let inbox: TempDir;
let outside: TempDir;
let target: string;

beforeEach(async () => {
  inbox = await tempDir('inbox-links-');
  outside = await tempDir('inbox-links-outside-');
  target = join(outside.path, 'victim');
  writeFileSync(target, 'precious\n');
});
afterEach(async () => {
  await inbox.cleanup();
  await outside.cleanup();
});

describe('inbox file access and planted links', () => {
  it('replaces consumers.json through a fresh temp file, whatever is planted at the temp name', async () => {
    const path = join(inbox.path, 'consumers.json');
    symlinkSync(target, `${path}.tmp`);
    await writeFileAtomically(nodeInboxFs, path, '{"version":1}');
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(readFileSync(path, 'utf8')).toBe('{"version":1}');
    // A leftover regular temp file (a crash between create and rename) does not block the next write either.
    writeFileSync(`${path}.tmp`, 'half');
    await writeFileAtomically(nodeInboxFs, path, '{"version":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"version":2}');
  });

  it('refuses to open or read a segment or consumers.json that is a link', async () => {
    const segment = join(inbox.path, '00000001.log');
    symlinkSync(target, segment);
    await expect(nodeInboxFs.open(segment, 'r+')).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(nodeInboxFs.open(segment, 'w')).rejects.toMatchObject({ code: 'ELOOP' });
    const consumers = join(inbox.path, 'consumers.json');
    symlinkSync(target, consumers);
    await expect(nodeInboxFs.readFile(consumers)).rejects.toMatchObject({ code: 'ELOOP' });
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });
});
