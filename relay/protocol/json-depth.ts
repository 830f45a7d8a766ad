// How deep a JSON text nests, read from the text itself, before anything parses or walks it: the parsed value
// of a deeply nested text overflows the stack in JSON.stringify and in recursive walkers (zod, the MCP SDK).

/** Whether valid JSON text nests `[` / `{` deeper than `max` (a scan of the text: no recursion, no allocation). */
export function nestsDeeperThan(json: string, max: number): boolean {
  if (json.length <= 2 * max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
