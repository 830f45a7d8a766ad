// Topic globs under random and adversarial input (the fnmatch globs of seed 000, Pact "MCP push subscriptions",
// written by agents and users): compileTopicGlob agrees with a reference — a port of CPython's fnmatch.translate
// (the module follows `fnmatch.fnmatchcase`), run as a RegExp on short inputs where backtracking is harmless —
// and stays linear in the topic on patterns that make a backtracking regex explode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTopicGlob, TopicPatternSchema } from '../../relay/protocol/topic-glob.js';

/**
 * CPython 3.12 `fnmatch._translate` + `_join_translated_parts`, emitting a JS RegExp source instead of a
 * Python one. Differences that matter in JS are handled: `]` and `[` inside a class are escaped, and the set
 * operators Python escapes (`&&`, `~~`, `||`) are plain in a JS class without the `v` flag.
 */
function referenceRegExp(pat: string): RegExp {
  const res: string[] = [];
  const STAR = '\u0000STAR';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i]!;
    i++;
    if (c === '*') {
      if (res.length === 0 || res.at(-1) !== STAR) res.push(STAR);
    } else if (c === '?') {
      res.push('.');
    } else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) {
        res.push('\\[');
      } else {
        let stuff = pat.slice(i, j);
        if (!stuff.includes('-')) {
          stuff = escapeClass(stuff);
        } else {
          const chunks: string[] = [];
          let k = pat[i] === '!' ? i + 2 : i + 1;
          for (;;) {
            k = pat.indexOf('-', k);
            if (k < 0 || k >= j) break;
            chunks.push(pat.slice(i, k));
            i = k + 1;
            k = k + 3;
          }
          const chunk = pat.slice(i, j);
          if (chunk) chunks.push(chunk);
          else chunks[chunks.length - 1] += '-';
          for (let m = chunks.length - 1; m > 0; m--) {
            if (chunks[m - 1]!.at(-1)! > chunks[m]![0]!) {
              chunks[m - 1] = chunks[m - 1]!.slice(0, -1) + chunks[m]!.slice(1);
              chunks.splice(m, 1);
            }
          }
          stuff = chunks.map((s) => escapeClass(s).replace(/-/g, '\\-')).join('-');
        }
        i = j + 1;
        if (!stuff) res.push('(?!)');
        else if (stuff === '!') res.push('.');
        else {
          if (stuff[0] === '!') stuff = `^${stuff.slice(1)}`;
          else if (stuff[0] === '^') stuff = `\\${stuff}`;
          res.push(`[${stuff}]`);
        }
      }
    } else {
      res.push(c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
    }
  }
  return new RegExp(`^${res.map((r) => (r === STAR ? '.*' : r)).join('')}$`, 's');
}

function escapeClass(s: string): string {
  return s.replace(/[\\\][]/g, '\\$&');
}

const ALPHABET = ['a', 'b', '.', '*', '?', '[', ']', '!', '-', '^', '\\', 'z', '_'];
const arbPattern = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 10 }).map((cs) => cs.join(''));
const arbTopic = fc.array(fc.constantFrom('a', 'b', '.', 'z', '-', '!', '[', ']', '\\', '^', '_', 'A', '*', '?'), { maxLength: 10 }).map((cs) => cs.join(''));

describe('compileTopicGlob agrees with fnmatch', () => {
  it('on the reference examples (sanity of the reference itself)', () => {
    const cases: [string, string, boolean][] = [
      ['deal.*', 'deal.won', true],
      ['deal.*', 'deal', false],
      ['[!a]', 'b', true],
      ['[]a]', ']', true],
      ['[a-c]', 'b', true],
      ['[c-a]', 'b', false],
      ['[', '[', true],
      ['a\\.b', 'a\\.b', true],
      ['[!]', '!', false],
    ];
    for (const [pattern, topic, expected] of cases) {
      expect(referenceRegExp(pattern).test(topic), `reference ${pattern} ~ ${topic}`).toBe(expected);
      expect(compileTopicGlob(pattern)(topic), `glob ${pattern} ~ ${topic}`).toBe(expected);
    }
  });

  it('on random patterns over the glob metacharacters, and random topics', () => {
    fc.assert(
      fc.property(arbPattern, fc.array(arbTopic, { minLength: 1, maxLength: 8 }), (pattern, topics) => {
        const glob = compileTopicGlob(pattern);
        const reference = referenceRegExp(pattern);
        for (const topic of topics) expect(glob(topic), `${JSON.stringify(pattern)} ~ ${JSON.stringify(topic)}`).toBe(reference.test(topic));
      }),
      { numRuns: 5000 },
    );
  });

  it('on topics built to match: a pattern always matches the topic it was instantiated from', () => {
    // Instantiate a pattern without classes: `*` → random text, `?` → one character, literals as they are.
    const arbParts = fc.array(fc.oneof(fc.constantFrom('*', '?'), fc.constantFrom('a', 'b', '.', 'x', '_', '-')), { maxLength: 12 });
    fc.assert(
      fc.property(arbParts, fc.array(fc.string({ maxLength: 4 }), { minLength: 12, maxLength: 12 }), (parts, fill) => {
        const pattern = parts.join('');
        const topic = parts.map((p, i) => (p === '*' ? fill[i]! : p === '?' ? fill[i]![0] ?? 'q' : p)).join('');
        expect(compileTopicGlob(pattern)(topic)).toBe(true);
        expect(referenceRegExp(pattern).test(topic)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any pattern or topic (any code point, lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), (pattern, topic) => {
        expect(typeof compileTopicGlob(pattern)(topic)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('compileTopicGlob on adversarial patterns', () => {
  // A backtracking regex needs on the order of C(topic, stars) steps on these; the token walk needs at
  // most pattern × topic. A generous absolute bound on big inputs tells the two apart without fine timing:
  // 100 stars against 100,000 characters is ~10^7 steps here, and never finishes as a regex.
  const huge = 'a'.repeat(100_000);
  const adversarial = [
    `${'a*'.repeat(99)}b`, // the classic
    `*${'a*'.repeat(98)}b*`,
    `${'?*'.repeat(99)}b`,
    `${'[a]*'.repeat(49)}b`,
    `${'*[!b]'.repeat(39)}b`,
  ];

  it.each(adversarial)('%#: no match against 100,000 characters, well within a generous bound', (pattern) => {
    expect(TopicPatternSchema.safeParse(pattern).success).toBe(true); // a pattern a client may really send
    const glob = compileTopicGlob(pattern);
    const start = performance.now();
    expect(glob(huge)).toBe(false);
    expect(glob(`${huge}b`)).toBe(true);
    // Generous: the walk takes tens of milliseconds; a backtracking matcher would take longer than the universe.
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it('topic length does not change the verdict of a random pattern on a long repetition', () => {
    fc.assert(
      fc.property(arbPattern, fc.constantFrom('a', 'ab', 'a.', '.'), (pattern, unit) => {
        const glob = compileTopicGlob(pattern);
        const reference = referenceRegExp(pattern);
        // Short enough for the reference regex to stay fast with ≤ 10-character patterns.
        const topic = unit.repeat(12);
        expect(glob(topic)).toBe(reference.test(topic));
      }),
      { numRuns: 1000 },
    );
  });
});
