// The subscription filter, edited as rows (field + operator + value) or as raw JSON, and validated with the
// server's own grammar: FilterSchema / compileFilter from relay/protocol/filter.ts, compiled into this bundle,
// so the UI reports exactly the error the server would (naming the offending key) before anything is sent.
import { compileFilter, FilterError, FilterSchema, type CompiledFilter, type FilterOp } from '../relay/protocol/filter.js';
import { $, clear, h, icon } from './dom.js';

export interface Operator {
  op: FilterOp;
  /** The key suffix of the grammar (`amount` + `_gte`). */
  suffix: string;
  label: string;
  kind: 'scalar' | 'list' | 'number' | 'text' | 'bool';
  placeholder: string;
}

export const OPERATORS: readonly Operator[] = [
  { op: 'eq', suffix: '', label: 'is', kind: 'scalar', placeholder: 'value, e.g. won' },
  { op: 'not', suffix: '_not', label: 'is not', kind: 'scalar', placeholder: 'value' },
  { op: 'in', suffix: '_in', label: 'is one of', kind: 'list', placeholder: 'a, b, c' },
  { op: 'nin', suffix: '_nin', label: 'is none of', kind: 'list', placeholder: 'a, b, c' },
  { op: 'gt', suffix: '_gt', label: '> more than', kind: 'number', placeholder: 'number' },
  { op: 'gte', suffix: '_gte', label: '≥ at least', kind: 'number', placeholder: 'number, e.g. 100000' },
  { op: 'lt', suffix: '_lt', label: '< less than', kind: 'number', placeholder: 'number' },
  { op: 'lte', suffix: '_lte', label: '≤ at most', kind: 'number', placeholder: 'number' },
  { op: 'prefix', suffix: '_prefix', label: 'starts with', kind: 'text', placeholder: 'text' },
  { op: 'contains', suffix: '_contains', label: 'contains', kind: 'text', placeholder: 'text, or a list item' },
  { op: 'exists', suffix: '_exists', label: 'exists', kind: 'bool', placeholder: '' },
];

/** Keys the grammar maps for you (seed 000 aliases and envelope fields), offered in the field picker. */
export const ALIAS_FIELDS = [
  'stage_to', 'stage_from', 'health_band_to', 'health_band_from', 'owner', 'status', 'account_id', 'deal_id',
  'actor', 'correlation_id', 'aggregate_id', 'aggregate_type',
];

export interface FilterRow {
  field: string;
  op: FilterOp;
  value: string;
}

export type FilterCheck =
  | { ok: true; filter: Record<string, unknown>; compiled: CompiledFilter }
  | { ok: false; message: string; key: string | null; row: number | null };

function operator(op: FilterOp): Operator {
  return OPERATORS.find((o) => o.op === op) ?? OPERATORS[0]!;
}

/** `100` → 100, `true` → true, `null` → null, `"100"` → "100", anything else → the text itself. */
export function parseScalar(text: string): unknown {
  const t = text.trim();
  if (/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  }
  return t;
}

/** Splits `a, "b, c", 3` at commas outside double quotes. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

export function rowValue(row: FilterRow): unknown {
  const kind = operator(row.op).kind;
  const text = row.value.trim();
  switch (kind) {
    case 'list':
      return splitList(text).map(parseScalar);
    case 'number':
      // Not a number: passed on as text, so the grammar's own message ("needs a number") is what you see.
      return /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'text':
      return text.length >= 2 && text.startsWith('"') ? parseScalar(text) : text;
    case 'scalar':
      return parseScalar(text);
  }
}

function formatScalar(v: unknown): string {
  if (typeof v === 'string') {
    const ambiguous = v !== parseScalar(v) || v.includes(',') || v.trim() !== v;
    return ambiguous ? JSON.stringify(v) : v;
  }
  return JSON.stringify(v);
}

/** Rows → the filter dict; structural problems (no field, repeated key) reported per row. */
export function rowsToFilter(rows: readonly FilterRow[]): FilterCheck {
  const filter: Record<string, unknown> = {};
  const owner = new Map<string, number>();
  for (const [i, row] of rows.entries()) {
    const field = row.field.trim();
    if (field === '' && row.value.trim() === '') continue;
    if (field === '') return { ok: false, message: `Condition ${i + 1} needs a field, e.g. "amount" or "stage_to".`, key: null, row: i };
    const key = `${field}${operator(row.op).suffix}`;
    if (owner.has(key)) {
      return { ok: false, message: `Conditions ${owner.get(key)! + 1} and ${i + 1} both set "${key}"; combine them into one.`, key, row: i };
    }
    owner.set(key, i);
    setOwn(filter, key, rowValue(row));
  }
  const checked = checkFilter(filter);
  if (!checked.ok && checked.key !== null) return { ...checked, row: owner.get(checked.key) ?? null };
  return checked;
}

/** The grammar's verdict on a filter dict, as the server would give it. */
export function checkFilter(filter: unknown): FilterCheck {
  const parsed = FilterSchema.safeParse(filter);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = typeof issue.path[0] === 'string' ? issue.path[0] : null;
    const message = issue.code === 'invalid_type' ? 'The filter must be a JSON object like {"owner": "rep@demo"}.' : issue.message;
    return { ok: false, message, key, row: null };
  }
  try {
    return { ok: true, filter: parsed.data, compiled: compileFilter(parsed.data) };
  } catch (err) {
    if (err instanceof FilterError) return { ok: false, message: err.message, key: err.key || null, row: null };
    throw err;
  }
}

/** A valid filter → rows (for switching from JSON back to the row editor). */
export function filterToRows(filter: Record<string, unknown>): FilterRow[] {
  return compileFilter(filter).clauses.map((c) => {
    const suffix = operator(c.op).suffix;
    const field = suffix && c.key.endsWith(suffix) ? c.key.slice(0, -suffix.length) : c.key;
    const value = Array.isArray(c.value) ? c.value.map(formatScalar).join(', ') : formatScalar(c.value);
    return { field, op: c.op, value };
  });
}

/** The editor: rows or JSON, one source of truth at a time. */
export class FilterEditor {
  #rows: FilterRow[] = [];
  #mode: 'rows' | 'json' = 'rows';
  #seq = 0;
  readonly #onChange: () => void;
  readonly #rowsEl = $('filter-rows');
  readonly #json = $<HTMLTextAreaElement>('filter-json');
  readonly #error = $('filter-error');
  readonly #summary = $('filter-summary');
  readonly #modeRows = $<HTMLButtonElement>('filter-mode-rows');
  readonly #modeJson = $<HTMLButtonElement>('filter-mode-json');

  constructor(onChange: () => void) {
    this.#onChange = onChange;
    $('filter-add-row').addEventListener('click', () => {
      this.#rows.push({ field: '', op: 'eq', value: '' });
      this.#renderRows();
      this.#rowsEl.querySelector<HTMLInputElement>('.filter-row:last-child input')?.focus();
    });
    this.#modeRows.addEventListener('click', () => this.setMode('rows'));
    this.#modeJson.addEventListener('click', () => this.setMode('json'));
    this.#json.addEventListener('input', () => this.#changed());
    this.#renderRows();
    this.validate();
  }

  get mode(): 'rows' | 'json' {
    return this.#mode;
  }

  setMode(mode: 'rows' | 'json'): void {
    if (mode === this.#mode) return;
    if (mode === 'json') {
      const current = rowsToFilter(this.#rows);
      const filter = current.ok ? current.filter : rawRows(this.#rows);
      this.#json.value = Object.keys(filter).length === 0 ? '' : JSON.stringify(filter, null, 2);
    } else {
      const check = this.#jsonCheck();
      if (!check.ok) {
        this.#showError(`${check.message} Fix the JSON to switch back to conditions.`, null);
        return;
      }
      this.#rows = filterToRows(check.filter);
    }
    this.#mode = mode;
    this.#modeRows.setAttribute('aria-pressed', String(mode === 'rows'));
    this.#modeJson.setAttribute('aria-pressed', String(mode === 'json'));
    $('filter-rows-wrap').hidden = mode !== 'rows';
    $('filter-json-wrap').hidden = mode !== 'json';
    this.#renderRows();
    this.validate();
    (mode === 'json' ? this.#json : this.#modeRows).focus();
  }

  setFields(fields: readonly string[]): void {
    const list = $('filter-fields');
    clear(list);
    for (const f of [...new Set([...fields, ...ALIAS_FIELDS])].sort()) list.appendChild(h('option', { value: f }));
  }

  reset(): void {
    this.#rows = [];
    this.#json.value = '';
    this.#renderRows();
    this.validate();
  }

  /** Validates what is on screen, shows the verdict, and returns it. */
  validate(): FilterCheck {
    const check = this.#mode === 'rows' ? rowsToFilter(this.#rows) : this.#jsonCheck();
    for (const el of this.#rowsEl.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    this.#json.removeAttribute('aria-invalid');
    if (check.ok) {
      this.#error.textContent = '';
      const n = Object.keys(check.filter).length;
      this.#summary.textContent =
        n === 0 ? 'No conditions: every event of the chosen topics.' : `Sent to the server as ${JSON.stringify(check.filter)}`;
    } else {
      this.#showError(check.message, check.row);
    }
    return check;
  }

  #showError(message: string, row: number | null): void {
    this.#error.textContent = message;
    this.#summary.textContent = '';
    if (this.#mode === 'json') {
      this.#json.setAttribute('aria-invalid', 'true');
    } else if (row !== null) {
      for (const el of this.#rowsEl.children[row]?.querySelectorAll('input, select') ?? []) {
        el.setAttribute('aria-invalid', 'true');
      }
    }
  }

  #jsonCheck(): FilterCheck {
    const text = this.#json.value.trim();
    if (text === '') return checkFilter({});
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (err) {
      return { ok: false, message: `Not valid JSON: ${(err as Error).message}`, key: null, row: null };
    }
    return checkFilter(value);
  }

  #changed(): void {
    this.validate();
    this.#onChange();
  }

  #renderRows(): void {
    clear(this.#rowsEl);
    this.#rows.forEach((row, i) => this.#rowsEl.appendChild(this.#rowEl(row, i)));
  }

  #rowEl(row: FilterRow, i: number): HTMLElement {
    const id = `fr-${++this.#seq}`;
    const n = i + 1;
    const field = h('input', {
      id: `${id}-field`, class: 'mono', type: 'text', list: 'filter-fields', placeholder: 'field, e.g. amount',
      autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'filter-error',
    });
    field.value = row.field;
    field.addEventListener('input', () => {
      row.field = field.value;
      this.#changed();
    });
    const op = h('select', { id: `${id}-op`, 'aria-describedby': 'filter-error' });
    for (const o of OPERATORS) op.appendChild(h('option', { value: o.op, selected: o.op === row.op }, o.label));
    op.addEventListener('change', () => {
      const before = operator(row.op).kind;
      row.op = op.value as FilterOp;
      const after = operator(row.op).kind;
      if (after === 'bool' && row.value !== 'true' && row.value !== 'false') row.value = 'true';
      if (before !== after) {
        const focusOp = document.activeElement === op;
        this.#renderRows();
        if (focusOp) this.#rowsEl.children[i]?.querySelector('select')?.focus();
      }
      this.#changed();
    });
    const spec = operator(row.op);
    let value: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'bool') {
      value = h('select', { id: `${id}-value`, 'aria-describedby': 'filter-error' },
        h('option', { value: 'true', selected: row.value !== 'false' }, 'yes (true)'),
        h('option', { value: 'false', selected: row.value === 'false' }, 'no (false)'));
      value.addEventListener('change', () => {
        row.value = value.value;
        this.#changed();
      });
    } else {
      value = h('input', {
        id: `${id}-value`, type: 'text', placeholder: spec.placeholder, autocomplete: 'off', spellcheck: 'false',
        'aria-describedby': 'filter-error',
      });
      value.value = row.value;
      value.addEventListener('input', () => {
        row.value = value.value;
        this.#changed();
      });
    }
    const remove = h('button', { type: 'button', class: 'btn ghost icon-btn', 'aria-label': `Remove condition ${n}`, title: 'Remove' }, icon('trash'));
    remove.addEventListener('click', () => {
      this.#rows.splice(i, 1);
      this.#renderRows();
      this.#changed();
      const rows = this.#rowsEl.querySelectorAll<HTMLButtonElement>('.filter-row button');
      (rows[Math.min(i, rows.length - 1)] ?? $('filter-add-row')).focus();
    });
    return h('div', { class: 'filter-row', role: 'group', 'aria-label': `Condition ${n}` },
      h('label', { class: 'sr-only', for: field.id }, `Condition ${n} field`), field,
      h('label', { class: 'sr-only', for: op.id }, `Condition ${n} operator`), op,
      h('label', { class: 'sr-only', for: value.id }, `Condition ${n} value`), value,
      remove);
  }
}

/** Best-effort dict of rows that do not validate (to carry them into the JSON editor as they are). */
function rawRows(rows: readonly FilterRow[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of rows) if (row.field.trim() !== '') setOwn(out, `${row.field.trim()}${operator(row.op).suffix}`, rowValue(row));
  return out;
}

/** `out[key] = value` that keeps a `__proto__` key as data, so the grammar can refuse it by name. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}
