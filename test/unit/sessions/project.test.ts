import { describe, expect, it } from 'vitest';
import { isRemote, normalizeRemote, projectMatches } from '../../../relay/sessions/project.js';

describe('route project matching', () => {
  it('a directory matches the cwd or repository root at or below it, not a sibling with the same prefix', () => {
    expect(projectMatches('/w/app', { cwd: '/w/app' })).toBe(true);
    expect(projectMatches('/w/app', { cwd: '/w/app/src/x' })).toBe(true);
    expect(projectMatches('/w/app/', { cwd: '/w/app/src' })).toBe(true);
    expect(projectMatches('/w/app', { cwd: '/tmp', root: '/w/app' })).toBe(true);
    expect(projectMatches('/w/app', { cwd: '/w/app2' })).toBe(false);
    expect(projectMatches('/w/app', { cwd: '/w' })).toBe(false);
    expect(projectMatches('relative/dir', { cwd: '/w/relative/dir' })).toBe(false);
    expect(projectMatches('/w/app', {})).toBe(false);
  });

  it('a remote matches the same repository however it is spelled', () => {
    const spellings = ['git@github.com:acme/app.git', 'https://github.com/acme/app', 'https://user@GitHub.com/acme/app.git/', 'ssh://git@github.com/acme/app'];
    for (const s of spellings) expect(isRemote(s)).toBe(true);
    for (const s of spellings) expect(normalizeRemote(s)).toBe('github.com/acme/app');
    expect(projectMatches('https://github.com/acme/app', { cwd: '/x', remote: 'git@github.com:acme/app.git' })).toBe(true);
    expect(projectMatches('https://github.com/acme/app', { cwd: '/x', remote: 'git@github.com:acme/other.git' })).toBe(false);
    expect(projectMatches('https://github.com/acme/app', { cwd: '/x' })).toBe(false);
  });
});
