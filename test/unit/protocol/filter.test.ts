import { describe, it, expect } from 'vitest';
import {
  canonicalFilterKey,
  compileFilter,
  FilterError,
  FilterSchema,
  type FilterableEvent,
  type FilterInput,
} from '../../../relay/protocol/filter.js';

/** The seed's `notifications/pact/event` example, with overrides. */
function event(payload: Record<string, unknown> = {}, envelope: Partial<FilterableEvent> = {}): FilterableEvent {
  return {
    topic: 'deal.won',
    category: 'crm',
    aggregate_type: 'deal',
    aggregate_id: 'deal_uuid',
    actor_id: 'rep@demo',
    correlation_id: 'req_abc',
    ...envelope,
    payload,
  };
}

const matches = (filter: FilterInput | null | undefined, e: FilterableEvent) => compileFilter(filter).matches(e);

function filterError(filter: unknown): FilterError {
  try {
    compileFilter(filter as FilterInput);
  } catch (error) {
    if (error instanceof FilterError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe('seed examples', () => {
  it('key: value is equality on the payload field', () => {
    expect(matches({ owner: 'rep@demo' }, event({ owner: 'rep@demo' }))).toBe(true);
    expect(matches({ owner: 'rep@demo' }, event({ owner: 'other@demo' }))).toBe(false);
  });

  it('key: [v1, v2] is IN', () => {
    const f = { stage_to: ['Closed Won', 'Closed Lost'] };
    expect(matches(f, event({ new_stage: 'Closed Won' }))).toBe(true);
    expect(matches(f, event({ new_stage: 'Closed Lost' }))).toBe(true);
    expect(matches(f, event({ new_stage: 'Negotiation' }))).toBe(false);
  });

  it('key_gte is a numeric >=', () => {
    const f = { amount_gte: 100000 };
    expect(matches(f, event({ amount: 100000 }))).toBe(true);
    expect(matches(f, event({ amount: 250000 }))).toBe(true);
    expect(matches(f, event({ amount: 50000 }))).toBe(false);
  });

  it('key_gt, key_lte and key_lt compare numbers', () => {
    expect(matches({ score_gt: 80 }, event({ score: 81 }))).toBe(true);
    expect(matches({ score_gt: 80 }, event({ score: 80 }))).toBe(false);
    expect(matches({ score_lte: 80 }, event({ score: 80 }))).toBe(true);
    expect(matches({ score_lte: 80 }, event({ score: 80.5 }))).toBe(false);
    expect(matches({ score_lt: 80 }, event({ score: 79.9 }))).toBe(true);
    expect(matches({ score_lt: 80 }, event({ score: 80 }))).toBe(false);
    expect(matches({ score_gte: -1.5 }, event({ score: -1.5 }))).toBe(true);
  });

  it('key_not is !=', () => {
    expect(matches({ owner_not: 'system' }, event({ owner: 'rep@demo' }))).toBe(true);
    expect(matches({ owner_not: 'system' }, event({ owner: 'system' }))).toBe(false);
  });

  it('key_in and key_nin are explicit IN / NOT IN', () => {
    expect(matches({ priority_in: ['p1', 'p2'] }, event({ priority: 'p2' }))).toBe(true);
    expect(matches({ priority_in: ['p1', 'p2'] }, event({ priority: 'p3' }))).toBe(false);
    expect(matches({ priority_nin: ['p1', 'p2'] }, event({ priority: 'p3' }))).toBe(true);
    expect(matches({ priority_nin: ['p1', 'p2'] }, event({ priority: 'p1' }))).toBe(false);
  });

  it('key_prefix is a string prefix', () => {
    expect(matches({ email_prefix: 'dean@' }, event({ email: 'dean@pact.place' }))).toBe(true);
    expect(matches({ email_prefix: 'dean@' }, event({ email: 'x-dean@pact.place' }))).toBe(false);
    expect(matches({ email_prefix: 'dean@' }, event({ email: 42 }))).toBe(false);
  });

  it('key_contains is a substring, and membership on list fields', () => {
    expect(matches({ name_contains: 'Acme' }, event({ name: 'The Acme Corp' }))).toBe(true);
    expect(matches({ name_contains: 'Acme' }, event({ name: 'acme corp' }))).toBe(false);
    expect(matches({ tags_contains: 'vip' }, event({ tags: ['new', 'vip'] }))).toBe(true);
    expect(matches({ tags_contains: 'vi' }, event({ tags: ['new', 'vip'] }))).toBe(false);
    expect(matches({ ids_contains: 7 }, event({ ids: [1, 7] }))).toBe(true);
    expect(matches({ ids_contains: 7 }, event({ ids: '17' }))).toBe(false);
    expect(matches({ name_contains: 'Acme' }, event({ name: { Acme: 1 } }))).toBe(false);
  });

  it('key_exists tests presence (envelope field in the seed example)', () => {
    expect(matches({ correlation_id_exists: true }, event())).toBe(true);
    expect(matches({ correlation_id_exists: true }, event({}, { correlation_id: null }))).toBe(false);
    expect(matches({ correlation_id_exists: false }, event({}, { correlation_id: null }))).toBe(true);
    expect(matches({ correlation_id_exists: false }, event())).toBe(false);
  });

  it('matches the seed subscribe example against the seed event', () => {
    const f = { account_id: 'acc_uuid', amount_gte: 100000 };
    expect(matches(f, event({ account_id: 'acc_uuid', amount: 50000, new_stage: 'Closed Won' }))).toBe(false);
    expect(matches(f, event({ account_id: 'acc_uuid', amount: 150000, new_stage: 'Closed Won' }))).toBe(true);
    expect(matches(f, event({ account_id: 'acc_other', amount: 150000 }))).toBe(false);
  });
});

describe('field resolution', () => {
  it.each([
    ['account_id', 'account_id'],
    ['deal_id', 'deal_id'],
    ['stage_to', 'new_stage'],
    ['stage_from', 'old_stage'],
    ['health_band_to', 'new_band'],
    ['health_band_from', 'old_band'],
    ['owner', 'owner'],
    ['status', 'status'],
  ])('alias %s reads payload.%s', (key, path) => {
    const f = compileFilter({ [key]: 'v' });
    expect(f.clauses[0]?.field).toEqual({ scope: 'payload', path: [path] });
    expect(f.matches(event({ [path]: 'v' }))).toBe(true);
    if (key !== path) expect(f.matches(event({ [key]: 'v' }))).toBe(false);
  });

  it.each([
    ['actor', 'actor_id'],
    ['actor_id', 'actor_id'],
    ['correlation_id', 'correlation_id'],
    ['aggregate_id', 'aggregate_id'],
    ['aggregate_type', 'aggregate_type'],
    ['topic', 'topic'],
    ['category', 'category'],
  ] as const)('%s reads the envelope field %s', (key, name) => {
    const f = compileFilter({ [key]: 'v' });
    expect(f.clauses[0]?.field).toEqual({ scope: 'envelope', path: [name] });
    expect(f.matches(event({ [key]: 'v' }, { [name]: 'v' }))).toBe(true);
    expect(f.matches(event({ [key]: 'v' }, { [name]: 'other' }))).toBe(false);
  });

  it('reads the envelope for seed-style actor filters', () => {
    expect(matches({ actor: 'rep@demo' }, event())).toBe(true);
    expect(matches({ actor_not: 'system' }, event())).toBe(true);
    expect(matches({ actor_not: 'system' }, event({}, { actor_id: 'system' }))).toBe(false);
    expect(matches({ topic_prefix: 'deal.' }, event())).toBe(true);
    expect(matches({ category_in: ['crm', 'service'] }, event())).toBe(true);
  });

  it('falls through to payload.<key> for anything else', () => {
    const f = compileFilter({ reason: 'no activity in 14 days' });
    expect(f.clauses[0]?.field).toEqual({ scope: 'payload', path: ['reason'] });
    expect(f.matches(event({ reason: 'no activity in 14 days' }))).toBe(true);
  });

  it('walks nested payload objects for dotted keys, with any suffix', () => {
    const f = compileFilter({ 'customer.tier': 'gold', 'customer.address.country_in': ['DE', 'FR'] });
    expect(f.clauses.map((c) => c.field.path)).toEqual([['customer', 'tier'], ['customer', 'address', 'country']]);
    expect(f.matches(event({ customer: { tier: 'gold', address: { country: 'DE' } } }))).toBe(true);
    expect(f.matches(event({ customer: { tier: 'gold', address: { country: 'US' } } }))).toBe(false);
    expect(f.matches(event({ customer: 'gold' }))).toBe(false);
    expect(f.matches(event({ customer: null }))).toBe(false);
    expect(matches({ 'items.0': 'x' }, event({ items: ['x'] }))).toBe(false); // lists are not walked
  });

  it('records the operator each suffix selects, longest suffix first', () => {
    const ops = compileFilter({
      a: 1,
      b: [1],
      c_in: [1],
      d_nin: [1],
      e_not: 1,
      f_gt: 1,
      g_gte: 1,
      h_lt: 1,
      i_lte: 1,
      j_prefix: 'x',
      k_contains: 'x',
      l_exists: true,
    }).clauses.map((c) => [c.field.path[0], c.op]);
    expect(ops).toEqual([
      ['a', 'eq'],
      ['b', 'in'],
      ['c', 'in'],
      ['d', 'nin'],
      ['e', 'not'],
      ['f', 'gt'],
      ['g', 'gte'],
      ['h', 'lt'],
      ['i', 'lte'],
      ['j', 'prefix'],
      ['k', 'contains'],
      ['l', 'exists'],
    ]);
  });

  it('strips only one suffix, so a field named like an operator stays reachable', () => {
    const f = compileFilter({ opt_in_in: [true], status_not_in: ['x'] });
    expect(f.clauses.map((c) => [c.field.path, c.op])).toEqual([
      [['opt_in'], 'in'],
      [['status_not'], 'in'],
    ]);
    expect(f.matches(event({ opt_in: true, status_not: 'x' }))).toBe(true);
  });

  it('treats keys without a leading underscore as plain fields', () => {
    expect(compileFilter({ exists: 1 }).clauses[0]).toMatchObject({ op: 'eq', field: { path: ['exists'] } });
  });
});

describe('missing fields', () => {
  const empty = event({});
  it('fail equality, IN, comparisons, prefix, contains and exists:true', () => {
    for (const f of [
      { owner: 'rep@demo' },
      { owner: null },
      { stage_to: ['Closed Won'] },
      { priority_in: ['p1'] },
      { amount_gte: 0 },
      { amount_gt: 0 },
      { amount_lte: 0 },
      { amount_lt: 0 },
      { email_prefix: '' },
      { name_contains: '' },
      { owner_exists: true },
      { 'customer.tier': 'gold' },
    ]) {
      expect(matches(f, empty), JSON.stringify(f)).toBe(false);
    }
  });

  it('satisfy _not, _nin and exists:false', () => {
    expect(matches({ owner_not: 'system' }, empty)).toBe(true);
    expect(matches({ priority_nin: ['p1'] }, empty)).toBe(true);
    expect(matches({ owner_exists: false }, empty)).toBe(true);
  });

  it('count an explicit undefined as missing but a payload null as present', () => {
    expect(matches({ owner_exists: true }, event({ owner: undefined }))).toBe(false);
    expect(matches({ owner_not: 'x' }, event({ owner: undefined }))).toBe(true);
    expect(matches({ owner_exists: true }, event({ owner: null }))).toBe(true);
    expect(matches({ owner: null }, event({ owner: null }))).toBe(true);
    expect(matches({ owner_not: null }, event({ owner: null }))).toBe(false);
  });

  it('count an absent or null envelope field as missing', () => {
    const bare: FilterableEvent = { topic: 'deal.won', payload: {} };
    expect(matches({ actor_exists: false }, bare)).toBe(true);
    expect(matches({ actor_exists: false }, event({}, { actor_id: null }))).toBe(true);
    expect(matches({ actor: 'rep@demo' }, bare)).toBe(false);
    expect(matches({ actor_not: 'system' }, bare)).toBe(true);
    expect(matches({ category_nin: ['crm'] }, bare)).toBe(true);
  });
});

describe('strictness', () => {
  it('does not coerce types', () => {
    expect(matches({ amount: 5 }, event({ amount: '5' }))).toBe(false);
    expect(matches({ amount: '5' }, event({ amount: 5 }))).toBe(false);
    expect(matches({ flag: true }, event({ flag: 'true' }))).toBe(false);
    expect(matches({ flag: false }, event({ flag: 0 }))).toBe(false);
    expect(matches({ v: null }, event({ v: 0 }))).toBe(false);
    expect(matches({ amount_in: [5] }, event({ amount: '5' }))).toBe(false);
    expect(matches({ amount_not: 5 }, event({ amount: '5' }))).toBe(true);
  });

  it('compares only numbers with numbers', () => {
    expect(matches({ amount_gte: 100 }, event({ amount: '1000' }))).toBe(false);
    expect(matches({ amount_gte: 0 }, event({ amount: null }))).toBe(false);
    expect(matches({ amount_gte: 0 }, event({ amount: true }))).toBe(false);
    expect(matches({ amount_lt: 1 }, event({ amount: [0] }))).toBe(false);
  });

  it('does not match an object or list field by equality', () => {
    expect(matches({ owner: 'rep@demo' }, event({ owner: ['rep@demo'] }))).toBe(false);
    expect(matches({ owner_in: ['rep@demo'] }, event({ owner: { id: 'rep@demo' } }))).toBe(false);
  });
});

describe('prototype keys', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])('never reads %s from a prototype', (name) => {
    expect(matches({ [`${name}_exists`]: true }, event({}))).toBe(false);
    expect(matches({ [`${name}_exists`]: false }, event({}))).toBe(true);
    expect(matches({ [`${name}_not`]: 'x' }, event({}))).toBe(true);
    expect(matches({ [`payload.${name}_exists`]: true }, event({ payload: {} }))).toBe(false);
    expect(matches({ [`a.${name}.b_exists`]: true }, event({ a: {} }))).toBe(false);
  });

  it('matches the brief example {"constructor_exists": true} on {} as false', () => {
    expect(matches(JSON.parse('{"constructor_exists": true}') as FilterInput, event({}))).toBe(false);
  });

  it('reads own properties with prototype names', () => {
    const payload = JSON.parse('{"constructor": "c", "__proto__": "p", "toString": 1}') as Record<string, unknown>;
    expect(matches({ constructor: 'c', toString_gte: 1, __proto___exists: true }, event(payload))).toBe(true);
  });

  it('does not read inherited properties of class instances either', () => {
    class Customer {
      get tier(): string {
        return 'gold';
      }
    }
    expect(matches({ 'customer.tier': 'gold' }, event({ customer: new Customer() }))).toBe(false);
  });

  it('does not read inherited envelope properties', () => {
    const proto = { actor_id: 'rep@demo' };
    const e = Object.assign(Object.create(proto) as FilterableEvent, { topic: 'deal.won', payload: {} });
    expect(matches({ actor_exists: true }, e)).toBe(false);
  });
});

describe('empty filters', () => {
  it('match everything', () => {
    for (const f of [{}, undefined, null]) {
      const compiled = compileFilter(f);
      expect(compiled.clauses).toEqual([]);
      expect(compiled.matches(event({}))).toBe(true);
      expect(compiled.matches({ topic: 'x', payload: {} })).toBe(true);
    }
  });

  it('AND the clauses together', () => {
    const f = { owner: 'rep@demo', amount_gte: 10, actor: 'rep@demo' };
    expect(matches(f, event({ owner: 'rep@demo', amount: 10 }))).toBe(true);
    expect(matches(f, event({ owner: 'rep@demo', amount: 9 }))).toBe(false);
    expect(matches(f, event({ owner: 'other', amount: 10 }))).toBe(false);
    expect(matches(f, event({ owner: 'rep@demo', amount: 10 }, { actor_id: 'x' }))).toBe(false);
  });
});

describe('errors', () => {
  it.each<[unknown, string, string]>([
    [{ amount_gte: 'abc' }, 'amount_gte', 'filter key "amount_gte" needs a number, got string "abc"'],
    [{ score_gt: null }, 'score_gt', 'filter key "score_gt" needs a number, got null'],
    [{ score_lt: Number.NaN }, 'score_lt', 'filter key "score_lt" needs a number, got number NaN'],
    [{ score_lte: Infinity }, 'score_lte', 'filter key "score_lte" needs a number, got number Infinity'],
    [{ amount_gte: [1] }, 'amount_gte', 'filter key "amount_gte" needs a number, got a list'],
    [{ priority_in: 'p1' }, 'priority_in', 'filter key "priority_in" needs a list of values like ["p1"]'],
    [{ priority_nin: 5 }, 'priority_nin', 'filter key "priority_nin" needs a list of values like [5]'],
    [{ priority_in: { a: 1 } }, 'priority_in', 'filter key "priority_in" needs a list of values like ["a"], got an object'],
    [{ priority_in: [] }, 'priority_in', 'filter key "priority_in" has an empty list; give at least one value'],
    [{ stage_to: [] }, 'stage_to', 'filter key "stage_to" has an empty list'],
    [{ stage_to: ['a', { b: 1 }] }, 'stage_to', 'filter key "stage_to" has an object in its list'],
    [{ stage_to: [['a']] }, 'stage_to', 'filter key "stage_to" has a list in its list'],
    [{ meta: { field: 1 } }, 'meta', 'filter key "meta" has an object value; use dotted keys like "meta.field" instead'],
    [{ meta_gte: { a: 1 } }, 'meta_gte', 'use dotted keys like "meta.field_gte" instead'],
    [{ owner_not: ['a', 'b'] }, 'owner_not', 'filter key "owner_not" needs a string, number, boolean or null, got a list; use "owner_nin" for a list'],
    [{ email_prefix: 5 }, 'email_prefix', 'filter key "email_prefix" needs a string, got number 5'],
    [{ name_contains: null }, 'name_contains', 'filter key "name_contains" needs a string'],
    [{ name_contains: ['a'] }, 'name_contains', 'filter key "name_contains" needs a string'],
    [{ correlation_id_exists: 'yes' }, 'correlation_id_exists', 'filter key "correlation_id_exists" needs true or false, got string "yes"'],
    [{ owner: undefined }, 'owner', 'filter key "owner" has no value'],
    [{ owner: Number.POSITIVE_INFINITY }, 'owner', 'filter key "owner" needs a string, number, boolean or null'],
    [{ owner: () => 1 }, 'owner', 'filter key "owner" needs a string, number, boolean or null, got function'],
    [{ '': 1 }, '', 'filter has an empty key'],
    [{ _in: [1] }, '_in', 'filter key "_in" names no field before "_in"'],
    [{ 'a..b': 1 }, 'a..b', 'filter key "a..b" has an empty part in its dotted path'],
    [{ '.a_gt': 1 }, '.a_gt', 'filter key ".a_gt" has an empty part'],
    [{ 'a._exists': true }, 'a._exists', 'filter key "a._exists" has an empty part'],
    [JSON.parse('{"__proto__": "x"}'), '__proto__', 'filter key "__proto__" is reserved'],
  ])('%j → %s', (filter, key, message) => {
    const error = filterError(filter);
    expect(error.code).toBe('invalid_filter');
    expect(error.name).toBe('FilterError');
    expect(error.key).toBe(key);
    expect(error.message).toContain(message);
    expect(error).toBeInstanceOf(Error);
  });

  it('hints how to compare a field whose name ends like an operator', () => {
    expect(filterError({ opt_in: true }).message).toBe(
      'filter key "opt_in" needs a list of values like [true], got boolean true; to compare a field named "opt_in" itself, write "opt_in_in": [true]',
    );
  });

  it('rejects keys longer than 200 characters and names them', () => {
    const key = `k${'x'.repeat(200)}`;
    const error = filterError({ [key]: 1 });
    expect(error.key).toBe(key);
    expect(error.message).toContain(`filter key "${key.slice(0, 40)}`);
    expect(error.message).toContain('201 characters; the limit is 200');
    expect(() => compileFilter({ [key.slice(1)]: 1 })).not.toThrow();
  });

  it('rejects more than 50 clauses', () => {
    const filter = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(compileFilter(filter(50)).clauses).toHaveLength(50);
    const error = filterError(filter(51));
    expect(error.key).toBe('');
    expect(error.message).toBe('filter has 51 keys; the limit is 50');
  });

  it('rejects a filter that is not an object', () => {
    expect(filterError([1]).message).toBe('filter must be an object like {"owner": "rep@demo"}, got a list');
    expect(filterError('owner').message).toContain('got string "owner"');
  });

  it('truncates long string values in messages', () => {
    const message = filterError({ amount_gte: 'y'.repeat(500) }).message;
    expect(message.length).toBeLessThan(150);
  });
});

describe('FilterSchema', () => {
  it('accepts a valid filter and returns it', () => {
    const filter = { account_id: 'acc_uuid', amount_gte: 100000 };
    expect(FilterSchema.parse(filter)).toEqual(filter);
  });

  it('reports the bad key as the issue path, with an actionable message', () => {
    const result = FilterSchema.safeParse({ owner: 'a', amount_gte: 'abc' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['amount_gte'],
      message: 'filter key "amount_gte" needs a number, got string "abc"',
    });
  });

  it('reports a whole-filter problem at the root', () => {
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    expect(FilterSchema.safeParse(tooMany).error?.issues[0]).toMatchObject({ path: [], message: 'filter has 51 keys; the limit is 50' });
  });

  it('rejects a __proto__ key that a record copy would silently drop', () => {
    const result = FilterSchema.safeParse(JSON.parse('{"__proto__": "x"}'));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['__proto__']);
  });

  it('rejects non-objects', () => {
    for (const raw of [null, [], 'x', 5]) expect(FilterSchema.safeParse(raw).success).toBe(false);
  });
});

describe('canonicalFilterKey', () => {
  it('does not depend on key order', () => {
    expect(canonicalFilterKey({ account_id: 'acc_uuid', amount_gte: 100000 })).toBe(
      canonicalFilterKey({ amount_gte: 100000, account_id: 'acc_uuid' }),
    );
    expect(canonicalFilterKey({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('treats lists as sets', () => {
    expect(canonicalFilterKey({ stage_to: ['Closed Won', 'Closed Lost'] })).toBe(
      canonicalFilterKey({ stage_to: ['Closed Lost', 'Closed Won', 'Closed Lost'] }),
    );
    expect(canonicalFilterKey({ x_in: [1, '1'] })).not.toBe(canonicalFilterKey({ x_in: [1] }));
  });

  it('tells different intents apart', () => {
    const keys = [{ owner: 'a' }, { owner: 'b' }, { owner_not: 'a' }, { owner: ['a'] }, { owner: '1' }, { owner: 1 }, { owner: null }];
    expect(new Set(keys.map(canonicalFilterKey)).size).toBe(keys.length);
  });

  it('gives one key for every empty filter', () => {
    expect(canonicalFilterKey({})).toBe('{}');
    expect(canonicalFilterKey(null)).toBe('{}');
    expect(canonicalFilterKey(undefined)).toBe('{}');
    expect(canonicalFilterKey({ owner: undefined })).toBe('{}');
  });

  it('is plain JSON that round-trips', () => {
    const key = canonicalFilterKey({ z: [3, 1], 'customer.tier': 'gold', a: { y: 1, x: 2 } });
    expect(key).toBe('{"a":{"x":2,"y":1},"customer.tier":"gold","z":[1,3]}');
    expect(JSON.parse(key)).toEqual({ a: { x: 2, y: 1 }, 'customer.tier': 'gold', z: [1, 3] });
  });

  it('keeps a __proto__ key as text', () => {
    expect(canonicalFilterKey(JSON.parse('{"__proto__": 1, "a": 2}') as FilterInput)).toBe('{"__proto__":1,"a":2}');
  });
});
