// The one rule for showing text that came from a server (DESIGN.md "Security": everything from a server is
// untrusted). Error bodies, topics, times, payload strings, labels and catalog descriptions reach terminals
// (`push-relay status`, `events`, stderr logs), models (hook text, `relay_status`, channel pushes) and the tray
// menu; all of them go through `neutralizeText` here, or through `quoteUntrusted` when a value is shown as a
// quoted string. A terminal would obey escape sequences (CSI as ESC [ or as the single C1 byte U+009B), a
// model reads bidi overrides, zero-width and tag characters as text a person does not see, and a line break or
// a run of dashes could forge a line of our own (a fake "--- END UNTRUSTED EVENT DATA ---").
//
// Pure and import-free: the Claude Code hooks bundle it (scripts/build-hook-bundle.mjs keeps them light), and
// the CLI, the MCP tools and the upstream client import it without depending on one another.

/**
 * Control characters (C0, DEL, C1 with U+0085 NEL and U+009B CSI), format characters (zero-width, bidi
 * embeddings/overrides/isolates, U+FEFF, tag characters U+E0000–E007F), line and paragraph separators, and
 * lone surrogates: what a terminal obeys or a reader does not see.
 */
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
/**
 * Within a quoted value also markup (`<`, `>`, backtick: a model could read tags or code spans) and the
 * backslash and quote of the text itself (they would make the quoting ambiguous). Our own messages keep these.
 */
const QUOTED_UNSAFE = /[<>`\\"]/g;

/** `\uXXXX` per UTF-16 unit (a tag character becomes a surrogate pair), as JSON writes it, so JSON stays JSON. */
function escapeChar(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** First `maxChars` code points (never half a surrogate pair), then `…` when cut. */
export function clipChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n === maxChars) return `${out}…`;
    out += ch;
    n++;
  }
  return out;
}

/**
 * Escapes every unsafe character as `\uXXXX`. Lossless inside a JSON string (the escape is
 * JSON's own), so JSON output can go through it and still parse to the same value.
 */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARS, escapeChar);
}

function breakDashRuns(text: string): string {
  return text.replace(/-{3,}/g, (run) => run.split('').join(' '));
}

/**
 * Server text made safe to show on one line to a person or a model: unsafe characters escaped, runs of three
 * or more dashes broken (no forged marker line), at most `maxChars` code points plus `…`. Idempotent, so text
 * neutralized where it was captured (an upstream error) can be neutralized again where it is shown.
 */
export function neutralizeText(value: unknown, maxChars = Number.POSITIVE_INFINITY): string {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  // Clipped before escaping too, so a megabyte of hostile text is not escaped in full only to be cut.
  return clipChars(breakDashRuns(escapeUnsafe(clipChars(text, maxChars))), maxChars);
}

/**
 * Server text as one double-quoted string for a model: neutralized, no markup, and its own quotes and
 * backslashes escaped so it cannot end early.
 */
export function quoteUntrusted(value: string, maxChars = 80): string {
  return `"${neutralizeText(clipChars(value, maxChars).replace(QUOTED_UNSAFE, (c) => (c === '"' ? '\\"' : escapeChar(c))))}"`;
}
