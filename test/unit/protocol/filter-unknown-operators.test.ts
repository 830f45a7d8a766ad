// Keys that end in an operator the grammar does not have (relay/protocol/filter.ts, UNKNOWN_OPERATORS says the
// rule): refused with a message naming the key and what to write instead; payload keys that merely contain an
// underscore stay plain keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterError } from '../../../relay/protocol/filter.js';

function refusal(key: string, value: unknown = 1): FilterError | undefined {
  try {
    compileFilter({ [key]: value });
    return undefined;
  } catch (err) {
    if (err instanceof FilterError) return err;
    throw err;
  }
}

const KNOWN = ['', '_in', '_nin', '_not', '_gt', '_gte', '_lt', '_lte', '_prefix', '_contains', '_exists'];
const UNKNOWN = ['eq', 'equals', 'ne', 'neq', 'not_eq', 'notin', 'ge', 'le', 'gteq', 'lteq', 'between', 'like', 'ilike', 'startswith', 'starts_with', 'endswith', 'ends_with', 'icontains', 'regex', 'regexp', 'isnull', 'is_null', 'not_null', 'contain', 'exist', 'exact', 'iexact'];
/** Field names that end like operators of some language, or one edit from ours, and must stay plain keys. */
const PLAIN = ['new_stage', 'old_stage', 'ticket_id', 'deal_id', 'aggregate_type', 'team_size', 'close_date', 'fiscal_year', 'price_range', 'shared_with', 'allow_null', 'name_suffix', 'page_exits', 'is_empty', 'last_match', 'total_matches', 'trial_starts', 'health_band_to', 'stage_to', 'stage_from', 'customer.tier', 'opt_in_in', 'logged_in_in', 'eq', '_eq'];

const valueFor = (suffix: string): unknown =>
  suffix === '_in' || suffix === '_nin' ? [1] : suffix === '_prefix' ? 'a' : suffix === '_exists' ? true : 1;

describe('unknown operators', () => {
  it('amount_between is refused, naming the key and the operators to use', () => {
    const err = refusal('amount_between', [1, 5]);
    expect(err?.key).toBe('amount_between');
    expect(err?.message).toBe(
      'filter key "amount_between" ends in "_between", which is not an operator of the filter grammar; use "amount_gte" and "amount_lte" ' +
        '(operators: _contains _exists _prefix _gte _lte _nin _not _gt _lt _in); to compare a field named "amount_between" itself, write "amount_between_in": [value]',
    );
  });

  it.each(UNKNOWN)('key_%s is refused', (op) => {
    expect(refusal(`field_${op}`)?.key).toBe(`field_${op}`);
    expect(refusal(`customer.tier_${op}`)?.key).toBe(`customer.tier_${op}`);
  });

  it('says what to write instead where the grammar has it', () => {
    expect(refusal('stage_eq')?.message).toContain('for equality write the key alone, "stage"');
    expect(refusal('owner_ne')?.message).toContain('use "owner_not"');
    expect(refusal('name_startswith')?.message).toContain('use "name_prefix"');
    expect(refusal('note_regex')?.message).toContain('it has no such operator');
  });

  it.each(PLAIN)('%s stays a plain key', (key) => {
    expect(refusal(key, key.endsWith('_in') ? [1] : 'x')).toBeUndefined();
  });
});

describe('properties', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
  const base = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join('_'));

  it('a base with a known suffix compiles exactly as before: the unknown-operator rule never fires on it', () => {
    fc.assert(
      fc.property(base, fc.constantFrom(...KNOWN), (b, suffix) => {
        const key = `${b}${suffix}`;
        const err = refusal(key, valueFor(suffix));
        // A bare key (no known suffix) may still end in an unknown operator by chance; only then is it refused.
        if (suffix === '' && UNKNOWN.some((op) => key.endsWith(`_${op}`))) expect(err?.message).toContain('not an operator');
        else expect(err).toBeUndefined();
      }),
    );
  });

  it('base + _<unknown operator> is always refused, naming that key', () => {
    fc.assert(
      fc.property(base, fc.constantFrom(...UNKNOWN), (b, op) => {
        expect(refusal(`${b}_${op}`)?.key).toBe(`${b}_${op}`);
      }),
    );
  });

  it('a key whose last word is not an operator name is never refused as one', () => {
    // (nor the second word of a refused phrase: `starts` + `_with`)
    const ordinary = word.filter((w) => !UNKNOWN.some((op) => op === w || op.endsWith(`_${w}`)) && !KNOWN.includes(`_${w}`));
    fc.assert(
      fc.property(base, ordinary, (b, w) => {
        expect(refusal(`${b}_${w}`, 'x')).toBeUndefined();
      }),
    );
  });

  it('the escape hatch: any refused key compares literally with one more _in', () => {
    fc.assert(
      fc.property(base, fc.constantFrom(...UNKNOWN), (b, op) => {
        const key = `${b}_${op}`;
        const f = compileFilter({ [`${key}_in`]: ['v'] });
        const payload: Record<string, unknown> = {};
        Object.defineProperty(payload, key, { value: 'v', enumerable: true });
        expect(f.matches({ topic: 't', payload })).toBe(true);
      }),
    );
  });
});
