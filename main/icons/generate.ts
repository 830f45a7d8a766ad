// Writes build/icon.png, build/icons/NxN.png and build/tray/*.png from main/icons/art.ts.
// Run after changing the art: `npm run build && node dist/main/icons/generate.js`. Deterministic output, so
// test/unit/main/icons.test.ts can check that the committed files are what the code draws.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawAppIcon, drawTrayIcon } from './art.js';
import { encodePng } from './png.js';
import { allTrayImageFiles, APP_ICON_SIZE, LINUX_ICON_SIZES } from './tray-images.js';

export interface GeneratedFile {
  /** Path relative to build/. */
  path: string;
  png: Buffer;
}

export function generateAll(): GeneratedFile[] {
  const files: GeneratedFile[] = [{ path: 'icon.png', png: encodePng(drawAppIcon(APP_ICON_SIZE)) }];
  for (const size of LINUX_ICON_SIZES) files.push({ path: `icons/${size}x${size}.png`, png: encodePng(drawAppIcon(size)) });
  for (const t of allTrayImageFiles()) files.push({ path: `tray/${t.file}`, png: encodePng(drawTrayIcon(t.kind, t.unread, t.size, t.template)) });
  return files;
}

function main(): void {
  const buildDir = resolve(process.argv[2] ?? 'build');
  let bytes = 0;
  for (const f of generateAll()) {
    const target = join(buildDir, f.path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, f.png);
    bytes += f.png.length;
  }
  process.stdout.write(`wrote ${generateAll().length} images (${bytes} bytes) to ${buildDir}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
