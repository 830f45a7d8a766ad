// Builds the inbox UI into dist/renderer (run by `npm run build`, after the relay's own tsc):
//   1. tsc -p renderer/tsconfig.json: the type check (noEmit) (esbuild strips types without checking them)
//   2. esbuild bundles renderer/app.ts, the shared relay/protocol modules and their packages (zod,
//      eventsource-parser) into ONE ES module, js/renderer/app.js (what static/index.html loads), plus its map
//   3. renderer/static/* → dist/renderer/ (index.html, styles.css, icon.svg), and the bundled packages' licences
// One file, not a tree of modules: the relay serves dist/renderer under a CSP of `script-src 'self'`, which
// rules out an inline import map, so bare imports cannot be mapped in the page; a bundle has none left.
// The build happens in a staging dir that replaces dist/renderer at the end, so a relay that is running while
// someone rebuilds keeps serving a complete UI (never a half-deleted one).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const final = join(root, 'dist', 'renderer');
const out = join(root, 'dist', `.renderer-build-${process.pid}`);

rmSync(out, { recursive: true, force: true });

// 1. Type check.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const checked = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
if (checked.status !== 0) fail(`tsc exited with ${checked.status ?? checked.signal}`);

// 2. Bundle. The target is the tsconfig's (ES2022: Chromium of the Electron window and of any current browser).
const result = await build({
  absWorkingDir: root,
  entryPoints: ['renderer/app.ts'],
  outfile: join(out, 'js', 'renderer', 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // Minified, with a source map that holds the sources: devtools show the TypeScript, the page loads less.
  minify: true,
  sourcemap: 'linked',
  sourcesContent: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'silent',
}).catch((err) => fail(err.message));
if (result.warnings.length > 0) fail(result.warnings.map((w) => `warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`).join('\n'));
// zod's `z` export is one object holding all of zod, its ~60 locale tables included, so a module that imports
// it that way keeps them all in the bundle (~260 KB of 500 KB); `import * as z from 'zod'` lets esbuild keep
// only what is used (errors speak English: zod's default locale, which it sets up itself).
const bundled = Object.entries(result.metafile.outputs[relative(root, join(out, 'js', 'renderer', 'app.js'))].inputs);
const locales = bundled.filter(([input, { bytesInOutput }]) => bytesInOutput > 0 && /node_modules\/zod\/.*\/locales\/(?!en\.js$)[^/]+\.js$/.test(input));
if (locales.length > 0) fail(`${locales.length} zod locale tables were bundled: some module of the UI imports { z } from 'zod'; import * as z from 'zod' instead`);

// 3. Static files, and each bundled package's licence (MIT asks that it go with copies of the code).
cpSync(join(here, 'static'), out, { recursive: true });
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
for (const name of packages) {
  const pkgDir = dirname(createRequire(join(root, 'package.json')).resolve(`${name}/package.json`));
  const licence = ['LICENSE', 'LICENSE.md', 'license'].map((f) => join(pkgDir, f)).find((f) => existsSync(f));
  if (!licence) fail(`${name} is bundled into the UI but has no LICENSE file to ship with it`);
  cpSync(licence, join(out, 'licenses', name, 'LICENSE'));
}
if (!existsSync(join(out, 'index.html')) || !readFileSync(join(out, 'index.html'), 'utf8').includes('src="js/renderer/app.js"')) {
  fail('index.html is missing or no longer loads js/renderer/app.js');
}

// 4. Swap in: two renames, so dist/renderer is missing for microseconds at most, never half-written.
const old = `${out}-old`;
if (existsSync(final)) renameSync(final, old);
renameSync(out, final);
rmSync(old, { recursive: true, force: true });
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
const modules = bundled.filter(([, { bytesInOutput }]) => bytesInOutput > 0).length;
console.log(`renderer: built ${relative(root, final)} (${modules} modules in js/renderer/app.js, ${(bytes / 1024).toFixed(1)} KB with its map; packages: ${[...packages].join(', ')})`);

function fail(message) {
  console.error(`renderer build: ${message}`);
  rmSync(out, { recursive: true, force: true });
  process.exit(1);
}
