// The filter dict of `subscribe` (seed 000, "Filters"): "a friendly shorthand for the Wave AT event-stream
// filter grammar. Keys map to event payload fields; suffixes encode the operator." One implementation, shared by
// the reference server (which filters before pushing), the relay (which re-checks what it stores) and the UI
// (which validates while the user types), so all three agree on what a filter means.
//
// Pure: no I/O. Field reads go through Object.hasOwn only, so keys like `constructor` or `toString` never see
// Object.prototype.
import * as z from 'zod';

export type FilterInput = Record<string, unknown>;
export type FilterOp = 'eq' | 'in' | 'nin' | 'not' | 'gt' | 'gte' | 'lt' | 'lte' | 'prefix' | 'contains' | 'exists';

export interface FilterClause {
  /** The key as written, e.g. `stage_to` or `amount_gte`. */
  key: string;
  field: { scope: 'payload' | 'envelope'; path: string[] };
  op: FilterOp;
  value: unknown;
}

/** What a filter reads: the seed's `notifications/pact/event` params (a `PushEvent` fits). */
export interface FilterableEvent {
  topic: string;
  category?: string;
  actor_id?: string | null;
  correlation_id?: string | null;
  aggregate_id?: string | null;
  aggregate_type?: string | null;
  payload: Record<string, unknown>;
}

export interface CompiledFilter {
  clauses: readonly FilterClause[];
  matches(event: FilterableEvent): boolean;
}

export class FilterError extends Error {
  readonly code = 'invalid_filter';
  override readonly name = 'FilterError';
  /** `key` is the offending filter key, or '' when the filter as a whole is wrong. */
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_FILTER_CLAUSES = 50;
export const MAX_FILTER_KEY_LENGTH = 200;

// Longest suffix first (the list is ordered by length), so a longer operator always wins over one it ends with.
const SUFFIXES: ReadonlyArray<readonly [string, FilterOp]> = [
  ['_contains', 'contains'],
  ['_exists', 'exists'],
  ['_prefix', 'prefix'],
  ['_gte', 'gte'],
  ['_lte', 'lte'],
  ['_nin', 'nin'],
  ['_not', 'not'],
  ['_gt', 'gt'],
  ['_lt', 'lt'],
  ['_in', 'in'],
];

// Operators this grammar does NOT have, refused rather than read as a field name. Without this, `amount_between`
// is equality on a payload field literally named "amount_between": a filter that silently never matches.
//
// The rule (applied only when no operator of SUFFIXES ends the key, so every filter that compiled before and
// means an operator still does): the key is refused when it ends in `_<tail>` with something before it and
// <tail> is one of the lower-case words (or `_`-joined phrases) below. The list is closed on purpose:
//   - it holds operator names of widely used filter languages (Django lookups, MongoDB, SQL, Ransack, LHS
//     brackets): eq, ne, between, regex, like, startswith, isnull …, plus two misspellings of ours;
//   - it leaves out every word that also ends ordinary field names, even where some language uses it as an
//     operator: type, size, date, year, range, all, match(es), has, with, null, empty, suffix, glob, exits …
//     (`aggregate_type`, `team_size`, `close_date`, `price_range`, `shared_with`, `name_suffix`, `page_exits`);
//     `with` and `null` are refused only as the phrases `starts_with`, `ends_with`, `is_null`, `not_null`;
//   - no edit-distance guessing: `ticket_id` is one edit from `_in`, `page_exits` one from `_exists`.
// So `new_stage`, `ticket_id`, `opt_in_in` and `stage_to` stay what they were. A payload field that really
// ends in one of these words stays reachable with one more suffix: `"x_between_in": [v]` is equality on it.
// Each entry says what to write instead (or '' when the grammar has no counterpart).
const UNKNOWN_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['eq', 'the key alone'], ['equals', 'the key alone'], ['eql', 'the key alone'], ['exact', 'the key alone'], ['iexact', ''],
  ['ne', '_not'], ['neq', '_not'], ['not_eq', '_not'], ['notin', '_nin'],
  ['ge', '_gte'], ['gteq', '_gte'], ['le', '_lte'], ['lteq', '_lte'],
  ['between', '_gte and _lte'],
  ['like', '_prefix or _contains'], ['ilike', ''], ['nlike', ''], ['not_like', ''],
  ['startswith', '_prefix'], ['starts_with', '_prefix'], ['istartswith', ''],
  ['endswith', ''], ['ends_with', ''], ['iendswith', ''],
  ['icontains', ''], ['contain', '_contains'], ['exist', '_exists'],
  ['regex', ''], ['regexp', ''], ['iregex', ''],
  ['isnull', '_exists'], ['is_null', '_exists'], ['notnull', '_exists'], ['not_null', '_exists'],
]);

/** The unknown operator a key ends with (`_between`), or undefined. Longest phrase first: `_not_in` before `_in`. */
function unknownOperator(key: string): string | undefined {
  const parts = key.split('_');
  for (let words = Math.min(2, parts.length - 1); words >= 1; words--) {
    const tail = parts.slice(-words).join('_');
    if (UNKNOWN_OPERATORS.has(tail) && parts.slice(0, -words).join('_') !== '') return tail;
  }
  return undefined;
}

// Seed 000: "A handful of common keys are aliased to canonical payload paths so you don't have to learn the
// per-topic payload shape". The seed names account_id, deal_id, stage_to/from and health_band_to, and leaves
// "owner, actor, actor_id, status, … sensible payload defaults" to us: owner/status are payload fields, and the
// actor is the envelope's `actor_id` (the seed's event example carries it there, not in the payload).
const PAYLOAD_ALIASES: ReadonlyMap<string, string> = new Map([
  ['account_id', 'account_id'],
  ['deal_id', 'deal_id'],
  ['stage_to', 'new_stage'],
  ['stage_from', 'old_stage'],
  ['health_band_to', 'new_band'],
  ['health_band_from', 'old_band'],
  ['owner', 'owner'],
  ['status', 'status'],
]);
const ENVELOPE_FIELDS: ReadonlyMap<string, string> = new Map([
  ['actor', 'actor_id'],
  ['actor_id', 'actor_id'],
  ['correlation_id', 'correlation_id'],
  ['aggregate_id', 'aggregate_id'],
  ['aggregate_type', 'aggregate_type'],
  ['topic', 'topic'],
  ['category', 'category'],
]);

const MATCH_ALL: CompiledFilter = Object.freeze({ clauses: Object.freeze([]), matches: () => true });

/** Parses and validates a filter; throws a FilterError naming the bad key. `{}`, null and undefined match all. */
export function compileFilter(filter: FilterInput | undefined | null): CompiledFilter {
  if (filter === undefined || filter === null) return MATCH_ALL;
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    throw new FilterError('', `filter must be an object like {"owner": "rep@demo"}, got ${describe(filter)}`);
  }
  const keys = Object.keys(filter);
  if (keys.length === 0) return MATCH_ALL;
  if (keys.length > MAX_FILTER_CLAUSES) {
    throw new FilterError('', `filter has ${keys.length} keys; the limit is ${MAX_FILTER_CLAUSES}`);
  }
  const clauses = keys.map((key) => Object.freeze(parseClause(key, filter[key])));
  const tests = clauses.map(predicate);
  return Object.freeze({
    clauses: Object.freeze(clauses),
    matches: (event: FilterableEvent) => tests.every((test) => test(event)),
  });
}

/**
 * Stable JSON of a filter: sorted keys, and lists sorted and de-duplicated since every list in the grammar is a
 * set of values. Subscribe is idempotent on it (seed 000: "Re-subscribing with the same intent returns the
 * existing subscription"). Does not validate; run compileFilter first.
 */
export function canonicalFilterKey(filter: FilterInput | undefined | null): string {
  return filter === undefined || filter === null ? '{}' : stableJson(filter);
}

/**
 * The filter as a zod schema, for tool inputs and the UI. Validation runs on the raw input: zod's record output
 * drops a `__proto__` key, and a dropped clause would silently widen the filter.
 */
export const FilterSchema = z.preprocess((raw, ctx) => {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    try {
      compileFilter(raw as FilterInput);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, path: error.key === '' ? [] : [error.key], input: raw });
    }
  }
  return raw;
}, z.record(z.string(), z.unknown()));

function parseClause(key: string, value: unknown): FilterClause {
  if (key === '') throw new FilterError(key, 'filter has an empty key; keys name a field, like "owner" or "amount_gte"');
  if (key.length > MAX_FILTER_KEY_LENGTH) {
    throw new FilterError(key, `filter key "${key.slice(0, 40)}…" is ${key.length} characters; the limit is ${MAX_FILTER_KEY_LENGTH}`);
  }
  // Copying a filter with `out[key] = value` (zod's record does) turns this key into a prototype write.
  if (key === '__proto__') throw new FilterError(key, 'filter key "__proto__" is reserved and cannot be used');
  if (value === undefined) throw new FilterError(key, `filter key "${key}" has no value`);

  const suffix = SUFFIXES.find(([s]) => key.endsWith(s));
  const unknown = suffix ? undefined : unknownOperator(key);
  if (unknown !== undefined) {
    const base = key.slice(0, -unknown.length - 1);
    const instead = UNKNOWN_OPERATORS.get(unknown)!;
    const advice =
      instead === '' ? 'it has no such operator'
      : instead === 'the key alone' ? `for equality write the key alone, "${base}"`
      : `use ${instead.split(' ').map((w) => (w.startsWith('_') ? `"${base}${w}"` : w)).join(' ')}`;
    throw new FilterError(
      key,
      `filter key "${key}" ends in "_${unknown}", which is not an operator of the filter grammar; ${advice} ` +
        `(operators: ${SUFFIXES.map(([s]) => s).join(' ')}); to compare a field named "${key}" itself, write "${key}_in": [value]`,
    );
  }
  if (suffix && key.length === suffix[0].length) {
    throw new FilterError(key, `filter key "${key}" names no field before "${suffix[0]}"; write e.g. "priority${suffix[0]}"`);
  }
  const base = suffix ? key.slice(0, -suffix[0].length) : key;
  const op: FilterOp = suffix ? suffix[1] : Array.isArray(value) ? 'in' : 'eq';
  checkValue(key, base, suffix?.[0] ?? '', op, value);
  return { key, field: resolveField(key, base), op, value: Array.isArray(value) ? Object.freeze([...value]) : value };
}

function resolveField(key: string, base: string): FilterClause['field'] {
  const envelope = ENVELOPE_FIELDS.get(base);
  if (envelope) return { scope: 'envelope', path: [envelope] };
  const alias = PAYLOAD_ALIASES.get(base);
  if (alias) return { scope: 'payload', path: [alias] };
  const path = base.split('.');
  if (path.includes('')) {
    throw new FilterError(key, `filter key "${key}" has an empty part in its dotted path; write e.g. "customer.tier"`);
  }
  return { scope: 'payload', path };
}

function checkValue(key: string, base: string, suffix: string, op: FilterOp, value: unknown): void {
  const fail = (expected: string, hint = '') => {
    throw new FilterError(key, `filter key "${key}" needs ${expected}, got ${describe(value)}${hint}`);
  };
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(value)) {
      const example = isScalar(value) ? JSON.stringify(value) : '"a"';
      // `opt_in` or `logged_in` are plausible payload names; one more suffix compares them literally.
      const literal = suffix ? `; to compare a field named "${key}" itself, write "${key}_in": [${example}]` : '';
      return fail(`a list of values like [${example}]`, literal);
    }
    if (value.length === 0) throw new FilterError(key, `filter key "${key}" has an empty list; give at least one value`);
    const bad = value.find((v) => !isScalar(v));
    if (bad !== undefined) {
      throw new FilterError(key, `filter key "${key}" has ${describe(bad)} in its list; list values must be strings, numbers, booleans or null`);
    }
    return;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    throw new FilterError(key, `filter key "${key}" has an object value; use dotted keys like "${base}.field${suffix}" instead`);
  }
  switch (op) {
    case 'eq':
    case 'not':
      if (!isScalar(value)) fail('a string, number, boolean or null', op === 'not' ? `; use "${base}_nin" for a list` : '');
      return;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a number');
      return;
    case 'prefix':
      if (typeof value !== 'string') fail('a string');
      return;
    case 'contains':
      if (!isScalar(value) || value === null) fail('a string (or a number or boolean to look for in a list field)');
      return;
    case 'exists':
      if (typeof value !== 'boolean') fail('true or false');
      return;
  }
}

const MISSING = Symbol('missing');

function predicate(clause: FilterClause): (event: FilterableEvent) => boolean {
  const read = reader(clause.field);
  const value = clause.value;
  switch (clause.op) {
    // A missing field satisfies only the negative operators: "not X" and "none of these" hold for an absent field.
    case 'eq':
      return (e) => read(e) === value;
    case 'not':
      return (e) => read(e) !== value;
    case 'in': {
      const values = value as readonly unknown[];
      return (e) => {
        const v = read(e);
        return v !== MISSING && values.includes(v);
      };
    }
    case 'nin': {
      const values = value as readonly unknown[];
      return (e) => {
        const v = read(e);
        return v === MISSING || !values.includes(v);
      };
    }
    case 'gt':
      return (e) => compare(read(e), value, (a, b) => a > b);
    case 'gte':
      return (e) => compare(read(e), value, (a, b) => a >= b);
    case 'lt':
      return (e) => compare(read(e), value, (a, b) => a < b);
    case 'lte':
      return (e) => compare(read(e), value, (a, b) => a <= b);
    case 'prefix':
      return (e) => {
        const v = read(e);
        return typeof v === 'string' && v.startsWith(value as string);
      };
    case 'contains':
      // Substring on strings; membership on list fields (e.g. `tags_contains: "vip"`).
      return (e) => {
        const v = read(e);
        if (typeof v === 'string') return typeof value === 'string' && v.includes(value);
        return Array.isArray(v) && v.includes(value);
      };
    case 'exists':
      return (e) => (read(e) !== MISSING) === value;
  }
}

function compare(v: unknown, bound: unknown, test: (a: number, b: number) => boolean): boolean {
  return typeof v === 'number' && typeof bound === 'number' && test(v, bound);
}

function reader(field: FilterClause['field']): (event: FilterableEvent) => unknown {
  if (field.scope === 'envelope') {
    const name = field.path[0] as string;
    // Envelope fields are nullable on the wire (frames.ts) and null there means "not set": without this,
    // the seed's own example `{"correlation_id_exists": true}` would match events that have no correlation id.
    return (event) => {
      if (!Object.hasOwn(event, name)) return MISSING;
      const v = (event as unknown as Record<string, unknown>)[name];
      return v === undefined || v === null ? MISSING : v;
    };
  }
  const path = field.path;
  return (event) => {
    let cur: unknown = event.payload;
    for (const segment of path) {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, segment)) return MISSING;
      cur = (cur as Record<string, unknown>)[segment];
    }
    return cur === undefined ? MISSING : cur;
  };
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${[...new Set(v.map(stableJson))].sort().join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    // Built as text, not via an object, so a `__proto__` key cannot reach a prototype setter.
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
