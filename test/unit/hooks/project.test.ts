import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { originUrl, projectOf } from '../../../relay/hooks/project.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir('hook-project-');
});
afterEach(async () => {
  await dir.cleanup();
});

const CONFIG = '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://example.com/up.git\n[remote "origin"]\n\turl = git@github.com:acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n';

describe('a session project from the hook', () => {
  it('finds the repository root above the cwd and its origin remote, without running git', () => {
    const root = join(dir.path, 'app');
    mkdirSync(join(root, '.git'), { recursive: true });
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    writeFileSync(join(root, '.git', 'config'), CONFIG);
    expect(projectOf(join(root, 'src', 'deep'))).toEqual({ cwd: join(root, 'src', 'deep'), root, remote: 'git@github.com:acme/app.git' });
  });

  it('follows a worktree .git file to the main repository config', () => {
    const main = join(dir.path, 'main');
    mkdirSync(join(main, '.git', 'worktrees', 'wt'), { recursive: true });
    writeFileSync(join(main, '.git', 'config'), CONFIG);
    writeFileSync(join(main, '.git', 'worktrees', 'wt', 'commondir'), '../..\n');
    const wt = join(dir.path, 'wt');
    mkdirSync(wt);
    writeFileSync(join(wt, '.git'), `gitdir: ${join(main, '.git', 'worktrees', 'wt')}\n`);
    expect(projectOf(wt)).toEqual({ cwd: wt, root: wt, remote: 'git@github.com:acme/app.git' });
  });

  it('outside a repository, or with no cwd: only what is known', () => {
    expect(projectOf(dir.path).cwd).toBe(dir.path);
    expect(projectOf(undefined)).toEqual({});
    expect(projectOf('relative')).toEqual({});
    expect(originUrl('[remote "origin"]\n')).toBeUndefined();
  });
});
