// `npm start` (scripts/start.mjs): the tray app when Electron can run here, else the headless daemon with
// one line saying why. Decided from facts gathered without touching `require('electron')` — which, with no
// binary, throws (or, in some versions, tries a download): node_modules/electron/path.txt names the binary
// inside node_modules/electron/dist (or ELECTRON_OVERRIDE_DIST_PATH), and it must exist.
// No Electron import here: this runs in plain Node.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LaunchFacts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** node_modules/electron */
  electronDir: string;
  /** Contents of node_modules/electron/path.txt, or null when it is missing. */
  pathTxt: string | null;
  exists: (path: string) => boolean;
}

export type LaunchDecision = { mode: 'tray'; electron: string } | { mode: 'daemon'; reason: string };

export function decideLaunch(facts: LaunchFacts): LaunchDecision {
  const { env, platform } = facts;
  if (env.PUSH_RELAY_HEADLESS && env.PUSH_RELAY_HEADLESS !== '0') return { mode: 'daemon', reason: 'PUSH_RELAY_HEADLESS is set' };
  // macOS and Windows always have a display session for a logged-in user; X11/Wayland say so in the env.
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { mode: 'daemon', reason: 'no display: neither DISPLAY nor WAYLAND_DISPLAY is set' };
  }
  const rel = facts.pathTxt?.trim();
  if (!rel) return { mode: 'daemon', reason: 'no Electron binary: node_modules/electron/path.txt is missing, so its download never ran' };
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel) : join(facts.electronDir, 'dist', rel);
  if (!facts.exists(binary)) return { mode: 'daemon', reason: `no Electron binary at ${binary}` };
  return { mode: 'tray', electron: binary };
}

/** The one line `npm start` prints when it falls back. */
export function fallbackLine(reason: string): string {
  return `Electron is not available here (${reason}): running the headless daemon instead; open the inbox URL below in a browser.`;
}

export function readLaunchFacts(root: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): LaunchFacts {
  const electronDir = join(root, 'node_modules', 'electron');
  let pathTxt: string | null = null;
  try {
    pathTxt = readFileSync(join(electronDir, 'path.txt'), 'utf8');
  } catch {
    // missing: no binary was installed
  }
  return { platform, env, electronDir, pathTxt, exists: existsSync };
}
