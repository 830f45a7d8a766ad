// Topic predicates for reads, consumers and waiters. Scans test one pattern against many events whose topics
// repeat a lot (a handful of topics across 100k events), so each pattern remembers its answer per topic.
import { topicMatches } from '../protocol/topic-glob.js';

export type TopicPredicate = (topic: string) => boolean;

// Bounds: a hostile caller could send endless distinct patterns or topics; when a cache fills it is dropped
// and rebuilt, which costs a few re-matches, not memory.
const MAX_PATTERNS = 256;
const MAX_TOPICS_PER_PATTERN = 4096;
const predicates = new Map<string, TopicPredicate>();

/** A memoizing predicate for `pattern`; `undefined` (no filter) stays undefined so callers can skip the scan. */
export function topicPredicate(pattern: string | undefined): TopicPredicate | undefined {
  if (pattern === undefined || pattern === '*') return undefined;
  const cached = predicates.get(pattern);
  if (cached) return cached;
  const answers = new Map<string, boolean>();
  const predicate: TopicPredicate = (topic) => {
    let hit = answers.get(topic);
    if (hit === undefined) {
      hit = topicMatches(pattern, topic);
      if (answers.size >= MAX_TOPICS_PER_PATTERN) answers.clear();
      answers.set(topic, hit);
    }
    return hit;
  };
  if (predicates.size >= MAX_PATTERNS) predicates.clear();
  predicates.set(pattern, predicate);
  return predicate;
}

/** Both filters must match (a consumer's topic AND a call's topic); undefined means "no filter". */
export function bothTopics(a: TopicPredicate | undefined, b: TopicPredicate | undefined): TopicPredicate | undefined {
  if (!a) return b;
  if (!b) return a;
  return (topic) => a(topic) && b(topic);
}
