// Text for people: times, event summaries, and JSON shown as text with token classes for colour.
import type { ApiEvent } from '../relay/protocol/local-api.js';
import { h } from './dom.js';

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function relativeTime(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return 'never';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return String(iso);
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 10) return 'just now';
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 7 * 86_400) return rtf.format(Math.round(s / 86_400), 'day');
  return dtf.format(t);
}

export function absoluteTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  return Number.isFinite(t) ? dtf.format(t) : String(iso);
}

/** A `<time>` that the list refreshes as it ages (`data-ts`). */
export function timeEl(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: absoluteTime(iso), 'data-ts': iso }, relativeTime(iso));
}

// Fields people recognise an event by, in order of preference; then any other short scalar fields.
const TITLE_FIELDS = ['title', 'name', 'deal_name', 'account_name', 'subject', 'summary', 'workflow_name', 'message'];
const SKIP_FIELDS = new Set(['id']);

/** One line: the payload's most telling fields, e.g. `Acme Corp · amount 120000 · stage won`. */
export function summarize(event: ApiEvent, max = 4): string {
  const payload = event.payload ?? {};
  const parts: string[] = [];
  const used = new Set<string>();
  for (const key of TITLE_FIELDS) {
    const v = payload[key];
    if (typeof v === 'string' && v.trim() !== '') {
      parts.push(clip(v, 60));
      used.add(key);
      break;
    }
  }
  for (const [key, v] of Object.entries(payload)) {
    if (parts.length >= max) break;
    if (used.has(key) || SKIP_FIELDS.has(key)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      parts.push(`${key.replaceAll('_', ' ')} ${clip(String(v), 40)}`);
    }
  }
  if (parts.length === 0) {
    const keys = Object.keys(payload);
    return keys.length === 0 ? 'no payload' : `${keys.length} field${keys.length === 1 ? '' : 's'}: ${clip(keys.join(', '), 80)}`;
  }
  return parts.join(' · ');
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Lower-case text of an event for free-text search. */
export function searchText(event: ApiEvent): string {
  return [
    event.topic,
    event.category,
    String(event.event_id),
    event.aggregate_type,
    event.aggregate_id,
    event.actor_id,
    event.correlation_id,
    JSON.stringify(event.payload),
  ]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
}

const JSON_TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false)\b|\bnull\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * Pretty JSON as text nodes in coloured spans (a payload is data from the server: it is never parsed as HTML).
 * `textContent` of the result is exactly `JSON.stringify(value, null, 2)`.
 */
export function jsonNodes(value: unknown): Node[] {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const nodes: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(JSON_TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) nodes.push(document.createTextNode(text.slice(last, at)));
    if (m[1] !== undefined) {
      nodes.push(h('span', { class: m[2] ? 'j-key' : 'j-str' }, m[1]));
      if (m[2]) nodes.push(document.createTextNode(m[2]));
    } else {
      nodes.push(h('span', { class: m[3] ? 'j-bool' : m[0] === 'null' ? 'j-null' : 'j-num' }, m[0]));
    }
    last = at + m[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
