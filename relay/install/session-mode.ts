// `install claude-code --session-mode shared|per-session`: the mode is written once, into the relay's settings
// (`sessions.mode`, relay/sessions/settings.ts), not into each hook's command line: the hooks pass the session
// id and the relay picks the consumers, so every session on the machine follows the same choice, and routes
// written by hand next to it keep working.
import { openSettings } from '../config/settings.js';
import type { SessionMode } from '../protocol/local-api.js';
import { DEFAULT_SESSION_SETTINGS } from '../sessions/settings.js';
import { UsageError } from '../cli/errors.js';

export const SESSION_MODES: readonly SessionMode[] = ['shared', 'per-session'];

export function parseSessionMode(raw: string | undefined): SessionMode | undefined {
  if (raw === undefined) return undefined;
  if ((SESSION_MODES as readonly string[]).includes(raw)) return raw as SessionMode;
  throw new UsageError(`--session-mode must be shared or per-session, got "${raw}"`);
}

/** Sets `sessions.mode` in `<home>/settings.json` (routes kept); returns the line to print. Nothing written on a dry run. */
export function applySessionMode(home: string, mode: SessionMode, dryRun: boolean): string {
  const store = openSettings(home);
  const current = store.read().sessions ?? DEFAULT_SESSION_SETTINGS;
  if (current.mode === mode) return `unchanged ${store.path}: sessions.mode is already "${mode}"\n`;
  const next = { ...current, mode };
  if (dryRun) {
    store.preview({ sessions: next });
    return `would set sessions.mode to "${mode}" in ${store.path} (was "${current.mode}")\n`;
  }
  store.update({ sessions: next });
  return `updated ${store.path}: sessions.mode = "${mode}" (a running relay applies it when restarted)\n`;
}
