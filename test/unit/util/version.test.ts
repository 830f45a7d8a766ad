// The version every part of the relay announces comes from package.json through relay/util/version.ts: a
// literal like `version: '0.1.0'` beside it goes stale at the first release and is refused here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../../relay/util/version.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

describe('VERSION', () => {
  it('is the version in package.json', () => {
    expect(VERSION).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('is the only source of a version number under relay/', () => {
    const literal = /\bversion\s*:\s*['"`]\d+\.\d+\.\d+/;
    const offenders = [...sources(join(root, 'relay'))].filter((file) => literal.test(readFileSync(file, 'utf8'))).map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
