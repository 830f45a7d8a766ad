// Builds the inbox UI into dist/renderer (run by `npm run build`, after the relay's own tsc):
//   1. tsc -p renderer/tsconfig.json → dist/renderer/js (renderer/*.ts and the shared relay/protocol grammar)
//   2. renderer/static/* → dist/renderer/ (index.html, styles.css, icon.svg)
//   3. zod's own ESM files → dist/renderer/vendor/zod/ (only the files reachable from its entry point)
//   4. the bare `zod` import in the emitted JS → a relative path to that copy
// Plain ES modules, no bundler: the relay serves dist/renderer under a CSP of `script-src 'self'`, which rules
// out an inline import map, and every dependency here (typescript, zod) is a declared one.
// The build happens in a staging dir that replaces dist/renderer at the end, so a relay that is running while
// someone rebuilds keeps serving a complete UI (never a half-deleted one).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const final = join(root, 'dist', 'renderer');
const out = join(root, 'dist', `.renderer-build-${process.pid}`);
const vendorZod = join(out, 'vendor', 'zod');

rmSync(out, { recursive: true, force: true });

// 1. Compile (tsconfig's outDir is dist/renderer/js; the staging dir takes its place).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json'), '--outDir', join(out, 'js')], { stdio: 'inherit' });
if (compiled.status !== 0) fail(`tsc exited with ${compiled.status ?? compiled.signal}`);

// 2. Static files.
cpSync(join(here, 'static'), out, { recursive: true });

// 3. zod: follow relative imports from its ESM entry and copy exactly those files (plus the licence).
const zodEntry = fileURLToPath(import.meta.resolve('zod'));
const zodRoot = dirname(zodEntry);
// Static imports and re-exports, statement-anchored so that `from "zod"` inside a comment is not one.
const IMPORT_RE = /^([ \t]*(?:import\s*|(?:import|export)\b[^;'"]*?\bfrom\s*))(["'])([^"']+)\2/gm;
const pending = [zodEntry];
const seen = new Set();
while (pending.length > 0) {
  const file = pending.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  if (/\bimport\s*\(/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))) fail(`zod file ${relative(zodRoot, file)} uses import(); vendoring follows static imports only`);
  for (const [, , , spec] of text.matchAll(IMPORT_RE)) {
    if (!spec.startsWith('.')) fail(`zod file ${relative(zodRoot, file)} imports "${spec}"; only relative imports can be vendored`);
    pending.push(resolve(dirname(file), spec));
  }
  const target = join(vendorZod, relative(zodRoot, file));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
cpSync(join(zodRoot, 'LICENSE'), join(vendorZod, 'LICENSE'));

// 4. Rewrite bare imports; anything else bare would fail in the browser, so it fails the build instead.
const zodIndex = join(vendorZod, relative(zodRoot, zodEntry));
for (const file of walk(join(out, 'js'))) {
  if (!file.endsWith('.js')) continue;
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(IMPORT_RE, (match, head, quote, spec) => {
    if (spec.startsWith('.') || spec.startsWith('/')) return match;
    if (spec !== 'zod') fail(`${relative(root, file)} imports "${spec}"; the renderer may import only relative modules and zod`);
    let rel = relative(dirname(file), zodIndex).split(sep).join(posix.sep);
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${head}${quote}${rel}${quote}`;
  });
  if (rewritten !== text) writeFileSync(file, rewritten);
}
if (!existsSync(join(out, 'index.html')) || !existsSync(join(out, 'js', 'renderer', 'app.js'))) fail('index.html or js/renderer/app.js is missing');

// 5. Swap in: two renames, so dist/renderer is missing for microseconds at most, never half-written.
const old = `${out}-old`;
if (existsSync(final)) renameSync(final, old);
renameSync(out, final);
rmSync(old, { recursive: true, force: true });
console.log(`renderer: built ${relative(root, final)} (${seen.size} zod modules vendored)`);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

function fail(message) {
  console.error(`renderer build: ${message}`);
  rmSync(out, { recursive: true, force: true });
  process.exit(1);
}
