// Topic patterns are "fnmatch globs" (seed 000, subscribe: `["deal.*", "workflow.run.*"]`), so this follows
// Python's `fnmatch.fnmatchcase`: case-sensitive, `*` crosses dots (`deal.*` matches `deal.a.b`), `?` is one
// character, `[seq]` / `[!seq]` are classes with ranges, an unclosed `[` is a literal, and backslash is NOT an
// escape. Everything else is literal.
//
// Matching walks tokens instead of building a RegExp: the regex a glob translates to (`.*a.*a.*b`) backtracks
// exponentially on hostile patterns, while the two-pointer walk below is O(pattern × topic) at worst, and there
// are no regex metacharacters to escape in the first place.
import * as z from 'zod';

type Token = { kind: 'star' } | { kind: 'any' } | { kind: 'lit'; cp: number } | { kind: 'class'; negated: boolean; items: ClassItem[] };
type ClassItem = { lo: number; hi: number };

const MAX_CACHE = 1000;
const cache = new Map<string, (topic: string) => boolean>();

/** Compiles an fnmatch pattern into a predicate; compiled patterns are cached (bounded, cleared when full). */
export function compileTopicGlob(pattern: string): (topic: string) => boolean {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const matcher = build(pattern);
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(pattern, matcher);
  return matcher;
}

export function topicMatches(pattern: string, topic: string): boolean {
  return compileTopicGlob(pattern)(topic);
}

export function topicMatchesAny(patterns: readonly string[], topic: string): boolean {
  return patterns.some((p) => compileTopicGlob(p)(topic));
}

const TOPIC_PATTERN_HELP = 'a topic pattern is 1–200 printable ASCII characters without spaces, e.g. "deal.*" or "account.health_at_risk"';

/** A topic pattern as clients send it to `subscribe`. */
export const TopicPatternSchema = z
  .string()
  .min(1, `topic pattern is empty; ${TOPIC_PATTERN_HELP}`)
  .max(200, `topic pattern is too long; ${TOPIC_PATTERN_HELP}`)
  .regex(/^[\x21-\x7e]+$/, `topic pattern has whitespace or a non-ASCII character; ${TOPIC_PATTERN_HELP}`);

function build(pattern: string): (topic: string) => boolean {
  const tokens = tokenize(Array.from(pattern, (ch) => ch.codePointAt(0) ?? 0));
  // Fast paths for the common shapes: an exact topic, and `prefix.*`.
  const literal = literalPrefix(tokens);
  if (literal.length === tokens.length) return (topic) => topic === pattern;
  if (literal.length === tokens.length - 1 && tokens.at(-1)?.kind === 'star') {
    const prefix = literal.map((cp) => String.fromCodePoint(cp)).join('');
    return (topic) => topic.startsWith(prefix);
  }
  return (topic) => matchTokens(tokens, Array.from(topic, (ch) => ch.codePointAt(0) ?? 0));
}

function literalPrefix(tokens: Token[]): number[] {
  const out: number[] = [];
  for (const t of tokens) {
    if (t.kind !== 'lit') break;
    out.push(t.cp);
  }
  return out;
}

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const BANG = 0x21; // !
const DASH = 0x2d; // -

function tokenize(p: number[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i++] as number;
    if (c === STAR) {
      // Consecutive stars are one star (as CPython does); it keeps the walk simple.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === QUESTION) {
      tokens.push({ kind: 'any' });
    } else if (c === OPEN) {
      const parsed = parseClass(p, i);
      if (parsed) {
        tokens.push(parsed.token);
        i = parsed.next;
      } else {
        tokens.push({ kind: 'lit', cp: c }); // unclosed `[` is a literal (fnmatch.translate)
      }
    } else {
      tokens.push({ kind: 'lit', cp: c });
    }
  }
  return tokens;
}

/**
 * Parses a class whose `[` is at `start - 1`. Mirrors CPython's `fnmatch.translate`: a `]` right after `[` or
 * `[!` is literal; the first character and a `-` right after a range are literal, as is a trailing `-`;
 * reversed ranges like `z-a` are dropped (CPython removes them so `re` accepts the set).
 */
function parseClass(p: number[], start: number): { token: Token; next: number } | undefined {
  let j = start;
  if (p[j] === BANG) j++;
  if (p[j] === CLOSE) j++;
  while (j < p.length && p[j] !== CLOSE) j++;
  if (j >= p.length) return undefined;

  // Split into chunks at range dashes, exactly as CPython does.
  const chunks: number[][] = [];
  let i = start;
  let k = p[start] === BANG ? start + 2 : start + 1;
  for (;;) {
    k = indexOf(p, DASH, k, j);
    if (k < 0) break;
    chunks.push(p.slice(i, k));
    i = k + 1;
    k = k + 3;
  }
  const tail = p.slice(i, j);
  if (tail.length > 0) chunks.push(tail);
  else chunks.at(-1)?.push(DASH);
  for (let m = chunks.length - 1; m > 0; m--) {
    const prev = chunks[m - 1] as number[];
    const cur = chunks[m] as number[];
    if ((prev.at(-1) ?? -1) > (cur[0] ?? -1)) {
      chunks[m - 1] = [...prev.slice(0, -1), ...cur.slice(1)];
      chunks.splice(m, 1);
    }
  }
  // Negation is read after dropping reversed ranges, as CPython does (so `[c-a!x]` comes out negated too).
  const negated = chunks[0]?.[0] === BANG;
  if (negated) chunks[0]?.shift();

  // Adjacent chunks are joined by a range: last char of one .. first char of the next. The rest is literal.
  const items: ClassItem[] = [];
  chunks.forEach((chunk, n) => {
    const from = n > 0 ? 1 : 0; // first char was the `hi` of the previous range
    const to = n < chunks.length - 1 ? chunk.length - 1 : chunk.length; // last char is the `lo` of the next
    for (let m = from; m < to; m++) items.push({ lo: chunk[m] as number, hi: chunk[m] as number });
    const next = chunks[n + 1];
    const lo = chunk.at(-1);
    if (next && lo !== undefined && next[0] !== undefined) items.push({ lo, hi: next[0] });
  });
  return { token: { kind: 'class', negated, items }, next: j + 1 };
}

function indexOf(p: number[], value: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (p[i] === value) return i;
  return -1;
}

function matchOne(t: Token, cp: number): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'lit':
      return t.cp === cp;
    case 'class':
      return t.items.some((r) => cp >= r.lo && cp <= r.hi) !== t.negated;
    case 'star':
      return false;
  }
}

/** Classic wildcard walk: on a mismatch, retry from the last `*` with it eating one more character. */
function matchTokens(tokens: Token[], s: number[]): boolean {
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < s.length) {
    const t = tokens[ti];
    if (t?.kind === 'star') {
      starTi = ti++;
      starSi = si;
    } else if (t && matchOne(t, s[si] as number)) {
      ti++;
      si++;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      si = ++starSi;
    } else {
      return false;
    }
  }
  while (tokens[ti]?.kind === 'star') ti++;
  return ti === tokens.length;
}
