// Text for people: times, event summaries, and JSON shown as text with token classes for colour.
import type { ApiEvent } from '../relay/protocol/local-api.js';
import { formatEvent } from '../relay/notify/format.js';
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

/**
 * One line for a list row: the text of the event's desktop popup (relay/notify/format.ts, which knows the topic
 * families: "Deal moved to Negotiation: Acme · $120,000 · rep@demo · from Discovery"), cleaned of control and
 * bidi characters there. When the popup's title is just the topic (events of no known family), the row already
 * shows the topic, so only the body is used.
 */
export function summarize(event: ApiEvent): string {
  const { title, body } = formatEvent(event, { markup: false });
  if (title === event.topic) return body;
  return body ? `${title} · ${body}` : title;
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
