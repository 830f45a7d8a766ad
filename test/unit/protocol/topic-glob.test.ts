import { describe, it, expect } from 'vitest';
import { compileTopicGlob, topicMatches, topicMatchesAny, TopicPatternSchema } from '../../../relay/protocol/topic-glob.js';

// Expectations follow Python's fnmatch.fnmatchcase, which the seed's "fnmatch globs" refers to.
describe('topicMatches', () => {
  it('matches the seed examples', () => {
    expect(topicMatches('deal.*', 'deal.won')).toBe(true);
    expect(topicMatches('workflow.run.*', 'workflow.run.failed')).toBe(true);
    expect(topicMatches('account.health_at_risk', 'account.health_at_risk')).toBe(true);
    expect(topicMatches('custom.*', 'custom.deal_at_risk')).toBe(true);
  });

  it('lets * cross dots and match the empty string', () => {
    expect(topicMatches('deal.*', 'deal.a.b')).toBe(true);
    expect(topicMatches('deal.*', 'deal.')).toBe(true);
    expect(topicMatches('deal.*', 'deal')).toBe(false);
    expect(topicMatches('*', 'anything.at.all')).toBe(true);
    expect(topicMatches('*', '')).toBe(true);
    expect(topicMatches('*.won', 'crm.deal.won')).toBe(true);
    expect(topicMatches('d*l.*n', 'deal.won')).toBe(true);
    expect(topicMatches('d*l.*n', 'deal.lost')).toBe(false);
    expect(topicMatches('**', 'x')).toBe(true);
  });

  it('is anchored and case-sensitive', () => {
    expect(topicMatches('deal.won', 'deal.won.late')).toBe(false);
    expect(topicMatches('deal.won', 'xdeal.won')).toBe(false);
    expect(topicMatches('Deal.*', 'deal.won')).toBe(false);
    expect(topicMatches('deal.WON', 'deal.won')).toBe(false);
  });

  it('treats ? as exactly one character', () => {
    expect(topicMatches('deal.wo?', 'deal.won')).toBe(true);
    expect(topicMatches('deal.wo?', 'deal.wo')).toBe(false);
    expect(topicMatches('deal.wo?', 'deal.wonn')).toBe(false);
    expect(topicMatches('deal?won', 'deal.won')).toBe(true);
  });

  it('treats dots literally', () => {
    expect(topicMatches('deal.won', 'dealXwon')).toBe(false);
    expect(topicMatches('a.b', 'a.b')).toBe(true);
  });

  it('treats regex metacharacters literally', () => {
    for (const literal of ['a+b', '(x)', 'a|b', '^a$', 'a{2}', 'a\\b', 'a/b', 'a-b', 'a]b']) {
      expect(topicMatches(literal, literal), literal).toBe(true);
    }
    expect(topicMatches('a+b', 'aab')).toBe(false);
    expect(topicMatches('a|b', 'a')).toBe(false);
    expect(topicMatches('(x)', 'x')).toBe(false);
    expect(topicMatches('^a$', 'a')).toBe(false);
    expect(topicMatches('a{2}', 'aa')).toBe(false);
    expect(topicMatches('a\\.b', 'a.b')).toBe(false); // backslash is not an escape in fnmatch
  });

  it('supports character classes and ranges', () => {
    expect(topicMatches('deal.[wl]on', 'deal.won')).toBe(true);
    expect(topicMatches('deal.[wl]on', 'deal.lon')).toBe(true);
    expect(topicMatches('deal.[wl]on', 'deal.xon')).toBe(false);
    expect(topicMatches('p[0-9]', 'p7')).toBe(true);
    expect(topicMatches('p[0-9]', 'pa')).toBe(false);
    expect(topicMatches('[a-cx-z]', 'y')).toBe(true);
    expect(topicMatches('[a-cx-z]', 'd')).toBe(false);
    expect(topicMatches('[.]x', '.x')).toBe(true);
    expect(topicMatches('[*]', '*')).toBe(true);
    expect(topicMatches('[*]', 'a')).toBe(false);
    expect(topicMatches('[?]', '?')).toBe(true);
    expect(topicMatches('[?]', 'a')).toBe(false);
    expect(topicMatches('[^a]', '^')).toBe(true); // `^` is no negation in fnmatch
    expect(topicMatches('[^a]', 'b')).toBe(false);
  });

  it('supports negated classes with !', () => {
    expect(topicMatches('deal.[!w]on', 'deal.lon')).toBe(true);
    expect(topicMatches('deal.[!w]on', 'deal.won')).toBe(false);
    expect(topicMatches('[!a-c]', 'd')).toBe(true);
    expect(topicMatches('[!a-c]', 'b')).toBe(false);
    expect(topicMatches('[!a-c]', '')).toBe(false);
  });

  it('follows fnmatch for ] and - inside classes', () => {
    expect(topicMatches('[]]', ']')).toBe(true);
    expect(topicMatches('[]a]', 'a')).toBe(true);
    expect(topicMatches('[!]]', 'a')).toBe(true);
    expect(topicMatches('[!]]', ']')).toBe(false);
    expect(topicMatches('[-a]', '-')).toBe(true);
    expect(topicMatches('[a-]', '-')).toBe(true);
    expect(topicMatches('[a-]', 'b')).toBe(false);
    expect(topicMatches('[a-c-e]', '-')).toBe(true);
    expect(topicMatches('[a-c-e]', 'd')).toBe(false);
    expect(topicMatches('[a-c-e]', 'e')).toBe(true);
    expect(topicMatches('[z-a]', 'm')).toBe(false); // reversed range: never matches
    expect(topicMatches('[!z-a]', 'm')).toBe(true); // negated reversed range: any character
    expect(topicMatches('[c-a!x]', 'b')).toBe(true); // CPython reads `!` after dropping `c-a`
    expect(topicMatches('[c-a!x]', 'x')).toBe(false);
  });

  it('treats an unclosed [ as a literal', () => {
    expect(topicMatches('deal.[won', 'deal.[won')).toBe(true);
    expect(topicMatches('deal.[won', 'deal.w')).toBe(false);
    expect(topicMatches('[', '[')).toBe(true);
    expect(topicMatches('[!', '[!')).toBe(true);
    expect(topicMatches('a[*', 'a[xyz')).toBe(true); // the rest of the pattern still globs
    expect(topicMatches('[]', '[]')).toBe(true);
  });

  it('stays fast on patterns that make a backtracking regex explode', () => {
    const pattern = `${'a*'.repeat(30)}b`;
    const started = performance.now();
    expect(topicMatches(pattern, 'a'.repeat(60))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(topicMatches('x.?', 'x.😀')).toBe(true);
    expect(topicMatches('[😀]', '😀')).toBe(true);
  });
});

describe('compileTopicGlob', () => {
  it('returns the cached predicate for a repeated pattern', () => {
    expect(compileTopicGlob('cache.*')).toBe(compileTopicGlob('cache.*'));
  });

  it('keeps working after the cache is cleared', () => {
    for (let i = 0; i < 1100; i++) compileTopicGlob(`fill.${i}.*`);
    expect(topicMatches('fill.3.*', 'fill.3.x')).toBe(true);
    expect(topicMatches('fill.3.*', 'fill.4.x')).toBe(false);
  });
});

describe('topicMatchesAny', () => {
  it('is true when any pattern matches', () => {
    expect(topicMatchesAny(['deal.*', 'workflow.run.*'], 'workflow.run.done')).toBe(true);
    expect(topicMatchesAny(['deal.*', 'workflow.run.*'], 'account.health_at_risk')).toBe(false);
    expect(topicMatchesAny([], 'deal.won')).toBe(false);
  });
});

describe('TopicPatternSchema', () => {
  it('accepts printable ASCII patterns', () => {
    for (const p of ['deal.*', '*', 'custom.[!x]?', 'account.health_at_risk']) {
      expect(TopicPatternSchema.safeParse(p).success, p).toBe(true);
    }
  });

  it('rejects empty, long, whitespace and non-ASCII patterns with a message saying what is allowed', () => {
    for (const p of ['', 'x'.repeat(201), 'deal won', 'deal.*\n', 'déal.*', 'deal.\t']) {
      const result = TopicPatternSchema.safeParse(p);
      expect(result.success, JSON.stringify(p)).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/printable ASCII characters without spaces/);
    }
    expect(TopicPatternSchema.safeParse('x'.repeat(200)).success).toBe(true);
    expect(TopicPatternSchema.safeParse(5).success).toBe(false);
  });
});
