// Comments and test names say the rule itself and cite DESIGN.md's sections ("Who uses it" 2, "Failure
// behaviour", "Security"…) or a seed by name, never an issue or a numbered journey: issues are not part of the
// product, and a reader of the code has DESIGN.md but not the tracker.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SELF = relative(ROOT, fileURLToPath(import.meta.url));
const DIRS = ['relay', 'main', 'renderer', 'scripts', 'test'];
const TEXT = new Set(['.ts', '.cts', '.mts', '.js', '.mjs', '.cjs', '.html', '.css', '.json', '.md', '.sh', '.yml', '.yaml']);

/** "issue 6", "Issue #12", "issues 3", "journey 2", "Journey 2's", "journeys 2 and 3". */
const CITATION = /\b(?:issues?\s*#?\d|journeys?\s*#?\d)/i;

function citations(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => CITATION.test(l.text));
}

function sourceFiles(): string[] {
  return DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && TEXT.has(extname(e.name)))
      .map((e) => relative(ROOT, join(e.parentPath, e.name))),
  ).filter((path) => path !== SELF && !path.split(/[\\/]/).includes('node_modules'));
}

describe('no issue citations', () => {
  it('the pattern catches the forms that were reworded, and not zod issues', () => {
    for (const cited of ['(issue 6, "Fault injection")', 'DESIGN.md journey 6: nothing lost', "Journey 2's fail-open half", 'journeys 2 and 3', 'see issue #12']) {
      expect(citations(`// ${cited}`), cited).toHaveLength(1);
    }
    for (const fine of ["DESIGN.md 'Who uses it' 2 (Claude Code at a stop)", 'error.issues[0]?.message', 'const issue = parsed.error.issues[0]!;', "it('reports the bad key as the issue path')"]) {
      expect(citations(fine), fine).toEqual([]);
    }
  });

  it(`none in ${DIRS.join(', ')}`, () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((path) => citations(readFileSync(join(ROOT, path), 'utf8')).map((c) => `${path}:${c.line}: ${c.text}`));
    expect(found).toEqual([]);
  });
});
