// The optional content of an `mcp.resource.updated` event (`readContent`, opt-in per upstream): what
// `resources/read` returned, cut to the entry's byte budget. Untrusted data, kept as data: the budget bounds the
// inbox record, and readers neutralize it where they show it (relay/protocol/untrusted-text.ts).
import { clipUri } from './topics.js';

export interface ContentItem {
  uri: string;
  mime_type: string | null;
  /** Text content, cut to the budget (whole UTF-8 characters). */
  text?: string;
  /** Base64 of binary content, present only when it fits the budget whole (half a blob is no use). */
  blob?: string;
  /** Size of the content as the server sent it (UTF-8 bytes of text; bytes of the blob). */
  bytes: number;
  truncated: boolean;
}

export interface ResourceContent {
  items: ContentItem[];
  /** Something was cut or left out to stay within the budget. */
  truncated: boolean;
  max_bytes: number;
}

const MAX_ITEMS = 32;

/** `resources/read`'s `contents`, within `maxBytes` in total. Unknown shapes are skipped. */
export function capContent(contents: unknown, maxBytes: number): ResourceContent {
  const list = Array.isArray(contents) ? contents : [];
  let budget = maxBytes;
  let truncated = list.length > MAX_ITEMS;
  const items: ContentItem[] = [];
  for (const raw of list.slice(0, MAX_ITEMS)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const c = raw as { uri?: unknown; mimeType?: unknown; text?: unknown; blob?: unknown };
    const base = {
      uri: typeof c.uri === 'string' ? clipUri(c.uri) : '',
      mime_type: typeof c.mimeType === 'string' ? c.mimeType.slice(0, 200) : null,
    };
    if (typeof c.text === 'string') {
      const bytes = Buffer.byteLength(c.text);
      const text = bytes <= budget ? c.text : cutUtf8(c.text, budget);
      budget -= Buffer.byteLength(text);
      const cut = text.length < c.text.length;
      truncated ||= cut;
      items.push({ ...base, text, bytes, truncated: cut });
    } else if (typeof c.blob === 'string') {
      const bytes = Math.floor((c.blob.length * 3) / 4);
      const fits = c.blob.length <= budget;
      if (fits) budget -= c.blob.length;
      truncated ||= !fits;
      items.push({ ...base, ...(fits ? { blob: c.blob } : {}), bytes, truncated: !fits });
    }
  }
  return { items, truncated, max_bytes: maxBytes };
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const buf = Buffer.from(text).subarray(0, maxBytes);
  // A cut inside a multi-byte character decodes to U+FFFD at the end: drop it.
  return buf.toString('utf8').replace(/\uFFFD$/, '');
}
