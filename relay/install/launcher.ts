// Where push-relay runs from: absolute paths to this node and to this checkout's bin/push-relay (and its hook
// bundle), because Claude Code runs hooks and MCP servers with whatever PATH it has, where `push-relay` (or
// even `node`) may not be found.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote, type Launcher } from './spec.js';

/** bin/push-relay of this checkout (this file is dist/relay/install/launcher.js at run time). */
export function binPath(): string {
  for (const rel of ['../../../bin/push-relay', '../../bin/push-relay']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL('../../../bin/push-relay', import.meta.url));
}

/** The hook bundle of the checkout that holds `bin` (scripts/build-hook-bundle.mjs writes it). */
export function hookBundlePath(bin = binPath()): string {
  return join(dirname(dirname(bin)), 'dist', 'push-relay-hook.cjs');
}

export function defaultLauncher(node = process.execPath, bin = binPath(), hookBundle = hookBundlePath(bin)): Launcher {
  return { shellPrefix: `${shellQuote(node)} ${shellQuote(bin)}`, command: node, args: [bin], hookCommand: node, hookArgs: [hookBundle] };
}
