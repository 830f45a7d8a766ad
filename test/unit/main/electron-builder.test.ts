// electron-builder.yml, validated offline (electron-builder itself is not installed and cannot run here):
// the targets, no libappindicator, a menu-bar app on macOS, the files the app needs, and every referenced
// image present with the right dimensions (PNG IHDR).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readPngInfo } from '../../../main/icons/png.js';
import { allTrayImageFiles } from '../../../main/icons/tray-images.js';
import { parseYamlSubset, YamlSubsetError } from './yaml-subset.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEXT = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');

const Targets = z.union([z.string(), z.array(z.string())]).transform((t) => (Array.isArray(t) ? t : [t]));
/** The keys this project relies on (electron-builder accepts many more). */
const BuilderConfig = z.object({
  appId: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/),
  productName: z.literal('Push Relay'),
  directories: z.object({ output: z.string().min(1), buildResources: z.literal('build') }),
  asar: z.literal(true),
  files: z.array(z.string()),
  extraResources: z.array(z.object({ from: z.string(), to: z.string() })),
  linux: z.object({ target: Targets, icon: z.string(), category: z.string(), executableName: z.string() }),
  deb: z.object({ depends: z.array(z.string()).min(1) }),
  mac: z.object({ target: Targets, icon: z.string(), category: z.string(), extendInfo: z.object({ LSUIElement: z.literal(true) }) }),
  win: z.object({ target: Targets, icon: z.string() }),
  nsis: z.object({ oneClick: z.boolean(), perMachine: z.boolean() }),
});

const config = BuilderConfig.parse(parseYamlSubset(TEXT));
const png = (rel: string) => readPngInfo(readFileSync(join(ROOT, rel)));

/** electron-builder `files` globs, enough for the patterns used: `**` any depth, `*` within a segment. */
function matches(pattern: string, path: string): boolean {
  const re = pattern
    .split(/\*\*\/?/)
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('.*');
  return new RegExp(`^${re}$`).test(path);
}
const included = (path: string) =>
  config.files.some((p) => !p.startsWith('!') && matches(p, path)) && !config.files.some((p) => p.startsWith('!') && matches(p.slice(1), path));

describe('electron-builder.yml', () => {
  it('targets Linux AppImage + deb, macOS dmg, Windows nsis', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('declares deb dependencies WITHOUT libappindicator (gone from current Debian/Ubuntu)', () => {
    expect(config.deb.depends.filter((d) => /appindicator/i.test(d))).toEqual([]);
    expect(TEXT.toLowerCase().split('\n').filter((l) => !l.trim().startsWith('#') && l.includes('libappindicator'))).toEqual([]);
    expect(config.deb.depends).toEqual(expect.arrayContaining(['libnotify4', 'libsecret-1-0', 'libnss3', 'libgtk-3-0']));
  });

  it('is a menu-bar app on macOS (LSUIElement: no Dock icon)', () => {
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
  });

  it('packages the compiled relay, main process, preload, renderer and production dependencies — no source maps', () => {
    for (const path of ['package.json', 'dist/relay/core/relay.js', 'dist/main/main.js', 'dist/main/preload/preload.cjs', 'dist/renderer/index.html', 'node_modules/zod/package.json']) {
      expect(included(path), path).toBe(true);
    }
    for (const path of ['dist/main/main.js.map', 'main/app.ts', 'test/unit/main/app.test.ts', 'relay/core/relay.ts']) expect(included(path), path).toBe(false);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main?: string };
    expect(pkg.main).toBe('dist/main/main.js');
    expect(included(pkg.main!)).toBe(true);
  });

  it('the app icon exists at the sizes each platform needs', () => {
    for (const icon of [config.mac.icon, config.win.icon]) {
      const info = png(icon);
      expect(info.width).toBe(info.height);
      expect(info.width).toBeGreaterThanOrEqual(512); // macOS needs ≥ 512; Windows ≥ 256
    }
    const dir = join(ROOT, config.linux.icon);
    expect(statSync(dir).isDirectory()).toBe(true);
    const files = readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(files).toEqual(expect.arrayContaining(['16x16.png', '32x32.png', '48x48.png', '256x256.png', '512x512.png']));
    for (const f of files) {
      const [w, h] = f.replace('.png', '').split('x').map(Number);
      expect(png(join(config.linux.icon, f)), f).toMatchObject({ width: w, height: h });
    }
  });

  it('ships every tray image where the app looks for them (resources/tray), at the right sizes', () => {
    const tray = config.extraResources.find((r) => r.to === 'tray');
    expect(tray?.from).toBe('build/tray');
    for (const t of allTrayImageFiles()) {
      const file = join(tray!.from, t.file);
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      expect(png(file), file).toMatchObject({ width: t.size, height: t.size });
    }
    const windowIcon = config.extraResources.find((r) => r.to === 'icon.png');
    expect(png(windowIcon!.from)).toMatchObject({ width: 256, height: 256 });
    for (const r of config.extraResources) expect(existsSync(join(ROOT, r.from)), r.from).toBe(true);
    // The packaged binary does not shadow the `push-relay` CLI.
    expect(config.linux.executableName).not.toBe('push-relay');
  });
});

describe('the YAML subset parser', () => {
  it('parses mappings, sequences, "- key: value" items, quoted and plain scalars, comments', () => {
    expect(
      parseYamlSubset(
        [
          '# comment',
          'a: 1',
          'b: "x # not a comment"',
          "c: 'it''s'",
          'd:',
          '  - one # trailing comment',
          '  - from: x',
          '    to: y',
          'e:',
          '  f: true',
          '  g:',
          '  - z',
          'h: a | b',
        ].join('\n'),
      ),
    ).toEqual({ a: 1, b: 'x # not a comment', c: "it's", d: ['one', { from: 'x', to: 'y' }], e: { f: true, g: ['z'] }, h: 'a | b' });
  });

  it.each([
    ['flow style', 'a: [1, 2]'],
    ['anchors', 'a: &x 1'],
    ['block scalars', 'a: |\n  text'],
    ['tabs', 'a:\n\t- b'],
    ['duplicate keys', 'a: 1\na: 2'],
    ['bad indentation', 'a: 1\n   b: 2'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseYamlSubset(text)).toThrow(YamlSubsetError);
  });
});
