// A parser for the YAML subset electron-builder.yml keeps to (no YAML library is a dependency): block
// mappings and sequences by indentation, `- key: value` items, plain and quoted scalars, comments.
// Anything else (flow style, anchors, tags, block scalars, multi-line values) is an error, so the file
// cannot drift into YAML this test would misread.

interface Line {
  indent: number;
  text: string;
  no: number;
}

export class YamlSubsetError extends Error {}

const KEY = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/;

function stripComment(text: string, no: number): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) {
      return text.slice(0, i).trimEnd();
    }
  }
  if (quote) throw new YamlSubsetError(`line ${no}: unterminated quote`);
  return text.trimEnd();
}

function scalar(raw: string, no: number): unknown {
  const s = raw.trim();
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new YamlSubsetError(`line ${no}: bad double-quoted string`);
    return JSON.parse(s) as string;
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlSubsetError(`line ${no}: bad single-quoted string`);
    return s.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[[{&*!|>%@`]/.test(s)) throw new YamlSubsetError(`line ${no}: "${s}" is outside the supported YAML subset`);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null' || s === '~' || s === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/:\s/.test(s) || s.endsWith(':')) throw new YamlSubsetError(`line ${no}: nested mapping on one line is not supported`);
  return s;
}

export function parseYamlSubset(source: string): unknown {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    if (raw.includes('\t')) throw new YamlSubsetError(`line ${i + 1}: tabs are not allowed`);
    const indent = raw.length - raw.trimStart().length;
    const text = stripComment(raw.trim(), i + 1);
    if (text !== '' && text !== '---') lines.push({ indent, text, no: i + 1 });
  });
  let pos = 0;
  const isItem = (l: Line) => l.text === '-' || l.text.startsWith('- ');

  function node(indent: number): unknown {
    const line = lines[pos]!;
    if (line.indent !== indent) throw new YamlSubsetError(`line ${line.no}: unexpected indentation`);
    return isItem(line) ? seq(indent) : map(indent);
  }

  function map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (pos < lines.length && lines[pos]!.indent === indent && !isItem(lines[pos]!)) {
      const line = lines[pos]!;
      const m = KEY.exec(line.text);
      if (!m) throw new YamlSubsetError(`line ${line.no}: expected "key: value", got "${line.text}"`);
      const key = m[1]!;
      if (Object.hasOwn(out, key)) throw new YamlSubsetError(`line ${line.no}: duplicate key "${key}"`);
      pos++;
      if (m[2] !== undefined && m[2] !== '') {
        out[key] = scalar(m[2], line.no);
        continue;
      }
      const next = lines[pos];
      if (next && (next.indent > indent || (next.indent === indent && isItem(next)))) out[key] = node(next.indent);
      else out[key] = null;
    }
    if (pos < lines.length && lines[pos]!.indent > indent) throw new YamlSubsetError(`line ${lines[pos]!.no}: unexpected indentation`);
    return out;
  }

  function seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && isItem(lines[pos]!)) {
      const line = lines[pos]!;
      const body = line.text.slice(1).trim();
      if (body === '') {
        pos++;
        const next = lines[pos];
        if (!next || next.indent <= indent) throw new YamlSubsetError(`line ${line.no}: empty sequence item`);
        out.push(node(next.indent));
      } else if (KEY.test(body)) {
        // "- key: value" opens a mapping whose keys sit two columns in.
        lines[pos] = { indent: indent + 2, text: body, no: line.no };
        out.push(map(indent + 2));
      } else {
        out.push(scalar(body, line.no));
        pos++;
      }
    }
    return out;
  }

  if (lines.length === 0) return null;
  const result = node(lines[0]!.indent);
  if (pos < lines.length) throw new YamlSubsetError(`line ${lines[pos]!.no}: unexpected content`);
  return result;
}
