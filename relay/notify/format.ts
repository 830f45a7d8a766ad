// Popup text per topic family: short (title ≤ 64, body ≤ 200 characters), useful at a glance, and safe.
// Event payloads are untrusted data from the server, so every piece of event text is cleaned: control
// characters, bidi overrides and lone surrogates go (a Trojan-source style override could make a popup lie
// about what it says), whitespace collapses to single spaces, fields are read as own properties only (a
// payload key such as `constructor` or `__proto__` is data, never a lookup into Object.prototype).
//
// Markup: per the Desktop Notifications spec only the BODY may carry markup, and Linux daemons render it
// (dunst with `markup = full`, GNOME, KDE), so `& < >` in the body are escaped when the notifier says it
// renders markup. The summary (title) is plain text by spec: dunst escapes it itself (its `%s` is
// MARKUP_NO), so escaping it here would show a literal "&amp;". The title is cleaned, never escaped.
//
// No imports: the inbox UI (renderer/format.ts) shows the same text in its rows, and the renderer's browser
// program type-checks every file this one imports, so even a type import of the policy (and through it the
// Node timers of relay/util/clock.ts) would break it. formatSummary takes the counts it reads, which the
// policy's Summary has.

export const TITLE_MAX = 64;
export const BODY_MAX = 200;
const SEP = ' · ';

export interface FormattedText {
  title: string;
  body: string;
}

export interface FormatOptions {
  /** The notifier's body is rendered as markup: escape `& < >` (after truncating, so no entity is cut). */
  markup: boolean;
}

/** The fields formatting reads; a StoredEvent has them all. */
export interface FormattableEvent {
  topic: string;
  payload?: unknown;
  aggregate_id?: string | null;
  actor_id?: string | null;
}

// C0/C1 controls and DEL; LRM/RLM/ALM; bidi embeddings, overrides and isolates; line/paragraph separators;
// BOM and interlinear annotation marks. Replaced by a space, then runs of whitespace collapse.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]/g;
// Invisible characters that can hide or smuggle text: soft hyphen, zero-width space, word joiner and invisible
// operators, and the Unicode tag block (U+E0000–E007F, "ASCII smuggling"). Removed outright (they render as
// nothing). ZWJ/ZWNJ stay: emoji sequences and some scripts need them.
const INVISIBLE = /[\u00ad\u200b\u2060-\u2064\u{e0000}-\u{e007f}]/gu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Event text made safe to show: no control characters, one line, at most `max` characters (code points). */
export function cleanText(value: unknown, max = BODY_MAX): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  return truncate(text.replace(LONE_SURROGATE, '\ufffd').replace(INVISIBLE, '').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim(), max);
}

/** Cuts to `max` code points (never inside a surrogate pair), ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function finish(title: string, parts: (string | undefined)[], options: FormatOptions): FormattedText {
  const body = truncate(parts.filter((p): p is string => Boolean(p)).join(SEP), BODY_MAX);
  return { title: truncate(title, TITLE_MAX) || 'Push Relay', body: options.markup ? escapeMarkup(body) : body };
}

// ---- payload access: own properties, scalar values only ----

type Payload = Record<string, unknown>;

function payloadOf(e: FormattableEvent): Payload {
  const p = e.payload;
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Payload) : {};
}

function scalar(p: Payload, key: string): string | number | boolean | undefined {
  if (!Object.hasOwn(p, key)) return undefined;
  const v = p[key];
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

/** The first of `keys` holding non-empty text (numbers count), cleaned to `max`. */
function text(p: Payload, keys: string[], max = 60): string | undefined {
  for (const key of keys) {
    const v = scalar(p, key);
    if (v === undefined || typeof v === 'boolean') continue;
    const t = cleanText(v, max);
    if (t) return t;
  }
  return undefined;
}

function num(p: Payload, key: string): number | undefined {
  const v = scalar(p, key);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

/** A list field (array of scalars, or one string), the first few joined. */
function list(p: Payload, key: string, max = 3): string | undefined {
  if (!Object.hasOwn(p, key)) return undefined;
  const v = p[key];
  const items = (Array.isArray(v) ? v : [v]).map((x) => cleanText(x, 60)).filter(Boolean);
  if (items.length === 0) return undefined;
  return items.slice(0, max).join(', ') + (items.length > max ? ` +${items.length - max}` : '');
}

function orNull(v: string | null | undefined, max = 60): string | undefined {
  return cleanText(v ?? '', max) || undefined;
}

function pre(label: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : `${label}${value}`;
}

function humanize(slug: string): string {
  return cleanText(slug.replace(/[._-]+/g, ' '), 40);
}

export function formatAmount(amount: number, currency?: string): string {
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
  try {
    const whole = Number.isInteger(amount);
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: code, minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: whole ? 0 : 2 }).format(amount);
  } catch {
    return `${amount} ${code}`;
  }
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

// ---- families ----

function deal(e: FormattableEvent, action: string, p: Payload, o: FormatOptions): FormattedText {
  const name = text(p, ['name', 'deal_name', 'title', 'deal_id'], 56) ?? orNull(e.aggregate_id) ?? 'a deal';
  const newStage = text(p, ['new_stage', 'stage_to'], 30);
  const oldStage = text(p, ['old_stage', 'stage_from'], 30);
  const title =
    action === 'won' ? `Deal won: ${name}`
    : action === 'lost' ? `Deal lost: ${name}`
    : action === 'created' ? `New deal: ${name}`
    : action === 'stage_changed' && newStage ? `Deal moved to ${newStage}: ${name}`
    : `Deal ${humanize(action)}: ${name}`;
  const amount = num(p, 'amount');
  const currency = scalar(p, 'currency');
  return finish(
    title,
    [
      amount !== undefined ? formatAmount(amount, typeof currency === 'string' ? currency : undefined) : undefined,
      text(p, ['owner', 'owner_email']) ?? orNull(e.actor_id),
      action === 'stage_changed' && oldStage ? `from ${oldStage}` : undefined,
      action === 'lost' ? text(p, ['reason']) : undefined,
      action === 'created' ? text(p, ['stage'], 30) : undefined,
    ],
    o,
  );
}

const BANDS: Record<string, string> = { at_risk: 'at risk', churning: 'churning', watch: 'on watch', healthy: 'healthy' };

function accountHealth(e: FormattableEvent, p: Payload, o: FormatOptions): FormattedText {
  const name = text(p, ['name', 'account_name', 'account_id'], 48) ?? orNull(e.aggregate_id, 48) ?? 'An account';
  const band = text(p, ['new_band', 'band'], 30) ?? (e.topic === 'account.health_at_risk' ? 'at_risk' : undefined);
  const phrase = band === undefined ? undefined : Object.hasOwn(BANDS, band) ? BANDS[band] : humanize(band);
  const old = text(p, ['old_band'], 30);
  const score = num(p, 'score');
  return finish(
    phrase ? `${name} is ${phrase}` : `${name}: health changed`,
    [score !== undefined ? `score ${score}` : undefined, list(p, 'reasons'), old && old !== band ? `was ${Object.hasOwn(BANDS, old) ? BANDS[old] : humanize(old)}` : undefined],
    o,
  );
}

function workflowRun(e: FormattableEvent, action: string, p: Payload, o: FormatOptions): FormattedText {
  const name = text(p, ['name', 'workflow_name', 'workflow_id'], 44) ?? 'a workflow';
  const ms = num(p, 'duration_ms');
  const parts =
    action === 'failed' ? [text(p, ['error', 'message'], 150) ?? 'no error given', pre('step ', text(p, ['step'], 30))]
    : action === 'completed' ? [text(p, ['status'], 30), ms !== undefined ? `in ${duration(ms)}` : undefined]
    : action === 'started' ? [pre('trigger: ', text(p, ['trigger'], 60))]
    : [text(p, ['status', 'error'], 100)];
  const verb = action === 'failed' ? 'failed' : action === 'completed' ? 'completed' : action === 'started' ? 'started' : humanize(action);
  return finish(`Workflow ${verb}: ${name}`, [...parts, text(p, ['run_id'], 30) ?? orNull(e.aggregate_id, 30)], o);
}

function ticket(e: FormattableEvent, action: string, p: Payload, o: FormatOptions): FormattedText {
  const subject = text(p, ['subject', 'title', 'ticket_id'], 48) ?? orNull(e.aggregate_id, 48) ?? 'a ticket';
  const title =
    action === 'created' ? `New ticket: ${subject}`
    : action === 'escalated' ? `Ticket escalated: ${subject}`
    : action === 'resolved' ? `Ticket resolved: ${subject}`
    : `Ticket ${humanize(action)}: ${subject}`;
  const minutes = num(p, 'resolution_minutes');
  return finish(
    title,
    [
      text(p, ['priority'], 10)?.toUpperCase(),
      pre('to ', text(p, ['escalated_to'], 40)),
      minutes !== undefined ? `resolved in ${minutes} min` : undefined,
      text(p, ['account_name', 'account_id'], 40),
      text(p, ['ticket_id'], 30),
    ],
    o,
  );
}

/** Keys shown first by the generic format, when present; then the payload's other scalar fields in order. */
const KEY_FIELDS = ['name', 'title', 'subject', 'summary', 'reason', 'message', 'error', 'status', 'severity', 'amount', 'score', 'owner', 'email'];
/** Never put these on screen, whatever a custom topic carries. */
const SECRET_KEY = /pass(word)?|secret|token|api_?key|authorization|cookie|credential/i;

function generic(e: FormattableEvent, p: Payload, o: FormatOptions): FormattedText {
  const keys = [...KEY_FIELDS.filter((k) => Object.hasOwn(p, k)), ...Object.keys(p).filter((k) => !KEY_FIELDS.includes(k))];
  const parts: string[] = [];
  for (const key of keys) {
    if (parts.length >= 4) break;
    if (SECRET_KEY.test(key)) continue;
    const value = scalar(p, key);
    if (value === undefined || value === '') continue;
    const k = cleanText(key, 32);
    const v = cleanText(value, 60);
    if (k && v) parts.push(`${k}: ${v}`);
  }
  if (parts.length === 0) parts.push(orNull(e.aggregate_id) ?? orNull(e.actor_id) ?? 'no details');
  return finish(cleanText(e.topic, TITLE_MAX) || 'event', parts, o);
}

/** Title and body of one event's popup. */
export function formatEvent(e: FormattableEvent, options: FormatOptions): FormattedText {
  const p = payloadOf(e);
  const topic = e.topic;
  if (topic.startsWith('deal.')) return deal(e, topic.slice('deal.'.length), p, options);
  if (topic.startsWith('account.health_')) return accountHealth(e, p, options);
  if (topic.startsWith('workflow.run.')) return workflowRun(e, topic.slice('workflow.run.'.length), p, options);
  if (topic.startsWith('ticket.')) return ticket(e, topic.slice('ticket.'.length), p, options);
  return generic(e, p, options);
}

/** The part of the policy's Summary that its popup shows. */
export interface SummaryCounts {
  count: number;
  /** [topic, count], most frequent first. */
  topics: readonly (readonly [string, number])[];
}

/** "5 new events" / "deal.won ×3, account.health_at_risk ×2": as many topics as fit, then "+N more". */
export function formatSummary(s: SummaryCounts, options: FormatOptions): FormattedText {
  const title = `${s.count} new event${s.count === 1 ? '' : 's'}`;
  const items = s.topics.map(([topic, n]) => `${cleanText(topic, 60)} ×${n}`);
  let body = '';
  let shown = 0;
  for (const item of items) {
    const next = body ? `${body}, ${item}` : item;
    const rest = s.count - s.topics.slice(0, shown + 1).reduce((a, [, n]) => a + n, 0);
    if (Array.from(next).length + (rest > 0 ? ` +${rest} more`.length + 1 : 0) > BODY_MAX) break;
    body = next;
    shown++;
  }
  const rest = s.count - s.topics.slice(0, shown).reduce((a, [, n]) => a + n, 0);
  if (rest > 0) body = body ? `${body}, +${rest} more` : `+${rest} more`;
  return finish(title, [body], options);
}
