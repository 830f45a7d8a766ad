// Which tray image file a platform uses for a state, and the full set that build/tray/ holds.
// Files follow Electron's naming: `name@2x.png` is picked up as the 2× representation of `name.png`, and on
// macOS a name ending in `Template` marks a template image (black + alpha; the menu bar tints it).
import { TRAY_KINDS, type TrayKind } from './art.js';

export type TrayPlatform = 'darwin' | 'win32' | 'linux';

export function trayPlatform(platform: NodeJS.Platform): TrayPlatform {
  return platform === 'darwin' || platform === 'win32' ? platform : 'linux';
}

/** Base size in px at 1×: macOS menu bar and Windows tray are 16 pt; Linux panels are usually 22–24 px. */
const TRAY_BASE_SIZE: Record<TrayPlatform, number> = { darwin: 16, win32: 16, linux: 24 };

export interface TrayImageSpec {
  /** File name in build/tray/ (the 1× one; `@2x` beside it). */
  file: string;
  template: boolean;
}

export function trayImage(kind: TrayKind, unread: boolean, platform: NodeJS.Platform): TrayImageSpec {
  const p = trayPlatform(platform);
  const state = `${kind}${unread ? '-unread' : ''}`;
  if (p === 'darwin') return { file: `tray-${state}Template.png`, template: true };
  return { file: `tray-${p}-${state}.png`, template: false };
}

export interface TrayImageFile {
  file: string;
  kind: TrayKind;
  unread: boolean;
  size: number;
  template: boolean;
}

/** Every file build/tray/ must hold: each platform × state × unread × 1×/2×. */
export function allTrayImageFiles(): TrayImageFile[] {
  const out: TrayImageFile[] = [];
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    for (const kind of TRAY_KINDS) {
      for (const unread of [false, true]) {
        const spec = trayImage(kind, unread, platform);
        const base = TRAY_BASE_SIZE[platform];
        out.push({ file: spec.file, kind, unread, size: base, template: spec.template });
        out.push({ file: spec.file.replace(/\.png$/, '@2x.png'), kind, unread, size: base * 2, template: spec.template });
      }
    }
  }
  return out;
}

/** App icon sizes: build/icon.png (macOS dmg and Windows nsis take one PNG ≥ 512) and build/icons/NxN.png (Linux). */
export const APP_ICON_SIZE = 512;
export const LINUX_ICON_SIZES = [16, 32, 48, 64, 128, 256, 512] as const;
