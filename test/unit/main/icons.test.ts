// The committed images in build/ are exactly what main/icons/art.ts draws (regenerate with
// `node dist/main/icons/generate.js` after changing the art), at the sizes packaging and trays expect.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { drawTrayIcon } from '../../../main/icons/art.js';
import { generateAll } from '../../../main/icons/generate.js';
import { encodePng, readPngInfo } from '../../../main/icons/png.js';
import { allTrayImageFiles } from '../../../main/icons/tray-images.js';

const BUILD = fileURLToPath(new URL('../../../build/', import.meta.url));

/** Decodes our own encoder's output (filter 0, one IDAT) back to RGBA. */
function decode(png: Buffer): Uint8Array {
  const { width, height } = readPngInfo(png);
  let offset = 8;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const len = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    if (type === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + len));
    offset += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) out.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  return out;
}

describe('build/ images', () => {
  const generated = generateAll();

  it.each(generated.map((f) => [f.path, f] as const))('%s is committed and up to date', (_path, f) => {
    const committed = readFileSync(`${BUILD}${f.path}`);
    expect(committed.equals(f.png)).toBe(true);
  });

  it('app icon and tray images have the sizes their names promise', () => {
    expect(readPngInfo(readFileSync(`${BUILD}icon.png`))).toMatchObject({ width: 512, height: 512, colorType: 6 });
    for (const t of allTrayImageFiles()) {
      const info = readPngInfo(readFileSync(`${BUILD}tray/${t.file}`));
      expect([t.file, info.width, info.height]).toEqual([t.file, t.size, t.size]);
    }
    expect(allTrayImageFiles().find((t) => t.file === 'tray-linux-connected.png')?.size).toBe(24);
    expect(allTrayImageFiles().find((t) => t.file === 'tray-connectedTemplate@2x.png')?.size).toBe(32);
  });

  it('template images are black + alpha only; colour images are not', () => {
    for (const t of allTrayImageFiles()) {
      const rgba = decode(readFileSync(`${BUILD}tray/${t.file}`));
      let coloured = 0;
      for (let i = 0; i < rgba.length; i += 4) if (rgba[i + 3]! > 0 && (rgba[i]! | rgba[i + 1]! | rgba[i + 2]!) !== 0) coloured++;
      if (t.template) expect(coloured, t.file).toBe(0);
      else expect(coloured, t.file).toBeGreaterThan(0);
    }
  });

  it('the unread variant differs from the plain one in the top-right corner only', () => {
    const plain = drawTrayIcon('connected', false, 32, true).data;
    const dot = drawTrayIcon('connected', true, 32, true).data;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const i = (y * 32 + x) * 4 + 3;
        if (plain[i] !== dot[i]) expect(x >= 14 && y <= 17, `pixel ${x},${y}`).toBe(true);
      }
    }
  });

  it('the PNG codec round-trips and rejects non-PNGs', () => {
    const bitmap = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 128]) };
    const png = encodePng(bitmap);
    expect(readPngInfo(png)).toEqual({ width: 2, height: 1, bitDepth: 8, colorType: 6 });
    expect(Array.from(decode(png))).toEqual(Array.from(bitmap.data));
    expect(() => readPngInfo(Buffer.from('GIF89a....................................'))).toThrow(/not a PNG/);
  });
});
