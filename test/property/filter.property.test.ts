// The filter grammar under hostile input (the filter dict of seed 000, Pact "MCP push subscriptions", written by
// agents and users): compileFilter returns a filter or throws FilterError — nothing else, ever; a compiled
// filter's matches() is deterministic and never throws for any event; and no filter ever matches through a
// prototype (inherited fields are invisible, Object.prototype is never written).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterError, FilterSchema, type CompiledFilter, type FilterableEvent } from '../../relay/protocol/filter.js';

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__lookupGetter__'];
const SUFFIXES = ['', '_in', '_nin', '_not', '_gt', '_gte', '_lt', '_lte', '_prefix', '_contains', '_exists'];
const BASES = ['owner', 'amount', 'stage_to', 'actor', 'topic', 'category', 'correlation_id', 'tags', 'customer.tier', 'a.b.c', 'x..y', '.', ...PROTO_KEYS, ...PROTO_KEYS.map((k) => `${k}.x`), ...PROTO_KEYS.map((k) => `x.${k}`)];

const arbKey = fc.oneof(
  fc.tuple(fc.constantFrom(...BASES), fc.constantFrom(...SUFFIXES)).map(([b, s]) => b + s),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...SUFFIXES),
  fc.string({ minLength: 190, maxLength: 260 }),
);
const arbScalar = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('__proto__', 'constructor', 'function Object() { [native code] }'));
const arbValue: fc.Arbitrary<unknown> = fc.oneof(
  arbScalar,
  fc.array(arbScalar, { maxLength: 4 }),
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(undefined, Number.NaN, Infinity, -0, 10n, Symbol('s'), () => 1, new Date(0), /re/),
);

/** Filter inputs: plain objects, JSON-parsed objects with own `__proto__` keys, null-prototype objects, non-objects. */
const arbFilter: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(arbKey, arbValue, { maxKeys: 6 }) },
  { weight: 2, arbitrary: fc.array(fc.tuple(arbKey, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }).map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as unknown) },
  { weight: 1, arbitrary: fc.dictionary(arbKey, arbScalar, { maxKeys: 4 }).map((d) => Object.assign(Object.create(null) as object, d)) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 3 }), arbScalar, { minKeys: 51, maxKeys: 60 }) },
  { weight: 1, arbitrary: fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(null)) },
);

/** Well-formed filters: each clause's value fits its operator, so most compile and actually test fields. */
const VALID_BASES = ['owner', 'amount', 'stage_to', 'actor', 'correlation_id', 'tags', 'customer.tier', 'a.b', 'constructor', 'toString', 'valueOf', 'x.constructor'];
const arbClause: fc.Arbitrary<[string, unknown]> = fc.tuple(fc.constantFrom(...VALID_BASES), fc.constantFrom(...SUFFIXES)).chain(([base, suffix]) => {
  const key = base + suffix;
  const value: fc.Arbitrary<unknown> =
    suffix === '_in' || suffix === '_nin' ? fc.array(arbScalar, { minLength: 1, maxLength: 3 })
    : suffix === '_gt' || suffix === '_gte' || suffix === '_lt' || suffix === '_lte' ? fc.integer({ min: -5, max: 5 })
    : suffix === '_prefix' ? fc.string({ maxLength: 2 })
    : suffix === '_contains' ? fc.oneof(fc.string({ maxLength: 2 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
    : suffix === '_exists' ? fc.boolean()
    : fc.oneof(arbScalar, fc.array(arbScalar, { minLength: 1, maxLength: 2 }));
  return value.map((v): [string, unknown] => [key, v]);
});
const arbValidFilter = fc.array(arbClause, { minLength: 1, maxLength: 3 }).map((clauses) => Object.fromEntries(clauses) as Record<string, unknown>);
const arbAnyFilter = fc.oneof(arbValidFilter, arbFilter);

/** Events whose payloads hold anything, prototype names and `__proto__` own keys included; sometimes not even objects. */
const arbPayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...BASES.filter((b) => !b.includes('.')), 'customer', 'a', 'x'), fc.string({ maxLength: 6 })), fc.oneof(arbValue, fc.dictionary(fc.constantFrom('tier', 'b', 'x', ...PROTO_KEYS), arbValue, { maxKeys: 3 })), { maxKeys: 6 }) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom(...PROTO_KEYS, 'owner', 'amount'), fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }).map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as unknown) },
  { weight: 1, arbitrary: fc.anything() },
);
const arbEvent: fc.Arbitrary<FilterableEvent> = fc.record({
  topic: fc.oneof(fc.constantFrom('deal.won', 'custom.x', '__proto__', 'constructor'), fc.string()),
  category: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  actor_id: fc.option(fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)), { nil: undefined }),
  correlation_id: fc.option(fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)), { nil: undefined }),
  aggregate_id: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  aggregate_type: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  payload: arbPayload,
}) as fc.Arbitrary<FilterableEvent>;

const PRISTINE = Object.getOwnPropertyNames(Object.prototype).sort();
function objectPrototypeIsClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PRISTINE);
  for (const k of ['owner', 'amount', 'polluted', 'x', 'tier']) expect(({} as Record<string, unknown>)[k]).toBeUndefined();
}

function compileOrError(filter: unknown): CompiledFilter | FilterError {
  try {
    return compileFilter(filter as Record<string, unknown>);
  } catch (err) {
    // The property: nothing but a FilterError, with a message and the offending key.
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).code).toBe('invalid_filter');
    expect((err as FilterError).message.length).toBeGreaterThan(0);
    expect((err as FilterError).message.length).toBeLessThan(600);
    return err as FilterError;
  }
}

/**
 * Runs `fn` while Object.prototype carries `keys` (enumerable, as a polluting assignment would make them),
 * restoring it before returning. Synchronous, so nothing else in this process sees the pollution.
 */
function withPollutedPrototype<T>(keys: string[], value: unknown, fn: () => T): T {
  const added = keys.filter((k) => !Object.hasOwn(Object.prototype, k));
  try {
    for (const k of added) Object.defineProperty(Object.prototype, k, { value, enumerable: true, configurable: true, writable: true });
    return fn();
  } finally {
    for (const k of added) delete (Object.prototype as Record<string, unknown>)[k];
  }
}

describe('compileFilter on hostile input', () => {
  it('returns a filter or throws FilterError, nothing else; FilterSchema agrees', () => {
    fc.assert(
      fc.property(arbFilter, (filter) => {
        const compiled = compileOrError(filter);
        objectPrototypeIsClean();
        const parsed = FilterSchema.safeParse(filter);
        if (compiled instanceof FilterError) expect(parsed.success).toBe(false);
        else if (typeof filter === 'object' && filter !== null && !Array.isArray(filter)) expect(parsed.success).toBe(true);
        objectPrototypeIsClean();
      }),
      { numRuns: 3000 },
    );
  });

  it('matching is deterministic and never throws, for any event', () => {
    fc.assert(
      fc.property(arbAnyFilter, fc.array(arbEvent, { minLength: 1, maxLength: 5 }), (filter, events) => {
        const compiled = compileOrError(filter);
        if (compiled instanceof FilterError) return;
        for (const event of events) {
          const first = compiled.matches(event);
          expect(typeof first).toBe('boolean');
          expect(compiled.matches(event)).toBe(first);
          // Compiling the same filter again gives the same answer.
          const again = compileOrError(filter) as CompiledFilter;
          expect(again.matches(event)).toBe(first);
        }
        objectPrototypeIsClean();
      }),
      { numRuns: 3000 },
    );
  });
});

describe('filters never match via prototypes', () => {
  it('a polluted Object.prototype changes no answer: only own fields are read', () => {
    fc.assert(
      fc.property(arbAnyFilter, arbEvent, fc.oneof(arbScalar, fc.array(arbScalar, { maxLength: 2 })), (filter, event, pollution) => {
        const compiled = compileOrError(filter);
        if (compiled instanceof FilterError) return;
        const fields = compiled.clauses.flatMap((c) => c.field.path);
        const clean = compiled.matches(event);
        const polluted = withPollutedPrototype([...fields, 'payload'], pollution, () => compiled.matches(event));
        expect(polluted).toBe(clean);
        objectPrototypeIsClean();
      }),
      { numRuns: 3000 },
    );
  });

  it('prototype-named fields are absent unless the payload owns them', () => {
    for (const key of PROTO_KEYS.filter((k) => k !== '__proto__')) {
      const empty: FilterableEvent = { topic: 't', payload: {} };
      expect(compileFilter({ [`${key}_exists`]: true }).matches(empty), key).toBe(false);
      expect(compileFilter({ [`${key}_exists`]: false }).matches(empty), key).toBe(true);
      expect(compileFilter({ [`${key}.x_exists`]: true }).matches(empty), key).toBe(false);
      const owned = JSON.parse(`{"${key}": "v"}`) as Record<string, unknown>;
      expect(compileFilter({ [key]: 'v' }).matches({ topic: 't', payload: owned }), key).toBe(true);
    }
    // `__proto__` as a filter key is refused outright (a copy would turn it into a prototype write).
    expect(() => compileFilter(JSON.parse('{"__proto__": "x"}') as Record<string, unknown>)).toThrow(FilterError);
    // A payload whose own `__proto__` key holds the field does not satisfy a filter on that field.
    const sneaky = JSON.parse('{"__proto__": {"owner": "mallory"}}') as Record<string, unknown>;
    expect(compileFilter({ owner: 'mallory' }).matches({ topic: 't', payload: sneaky })).toBe(false);
    expect(compileFilter({ '__proto__.owner_exists': true }).matches({ topic: 't', payload: sneaky })).toBe(true); // an own key, read as data
    objectPrototypeIsClean();
  });
});
