// `npm ci` on the Node the README promises must not warn EBADENGINE: every locked package that declares
// `engines.node` has to accept the lowest Node our own `engines` allows (a devDependency that wants a newer
// Node — as Claude Code's npm wrapper does from 2.1.198 on — is a broken promise, not noise).
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; os?: string[] }>;
};

describe('engines', () => {
  const floor = semver.minVersion(pkg.engines.node);

  it('our own engines range has a floor', () => {
    expect(floor?.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('every locked package accepts the lowest Node our engines allow', () => {
    const refusing = Object.entries(lock.packages)
      .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
      .filter(([, range]) => range !== undefined && !semver.satisfies(floor!, range))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refusing).toEqual([]);
  });
});
