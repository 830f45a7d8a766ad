// The `sessions` key of settings.json applied while the relay runs (README "Sessions"), as the relay applies
// its other settings live: every writer goes through the one settings store (the installer's
// `--session-mode`, the Settings page, an editor), so watching the file the store writes is how a change
// reaches the relay, whoever made it. A new route's consumer is created (at the head) before the route takes
// effect, so no event it matches falls between the route and its consumer. A half-written or invalid file
// keeps the settings in use.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SettingsStore } from '../config/settings.js';
import type { Inbox } from '../inbox/types.js';
import type { Logger } from '../util/log.js';
import { routeConsumer, type SessionRegistry } from './registry.js';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings } from './settings.js';

export interface LiveSessionSettingsDeps {
  inbox: Inbox;
  registry: SessionRegistry;
  settings: Pick<SettingsStore, 'read' | 'path'>;
  log: Logger;
  /** How long after a file event the file is read (the store writes by rename; editors write twice). */
  debounceMs?: number;
}

/** Applies `next` to the registry: route consumers first, then the switch. */
export async function applySessionSettings(inbox: Inbox, registry: SessionRegistry, next: SessionSettings): Promise<void> {
  for (const route of next.routes) await inbox.consumer(routeConsumer(route));
  registry.configure(next);
}

/** Follows settings.json; returns the call that stops following it. */
export function followSessionSettings(deps: LiveSessionSettingsDeps): () => void {
  const { log } = deps;
  let applied = JSON.stringify(deps.settings.read().sessions ?? DEFAULT_SESSION_SETTINGS);
  let timer: NodeJS.Timeout | undefined;
  let applying: Promise<void> = Promise.resolve();
  let stopped = false;

  const reload = () => {
    timer = undefined;
    let next: SessionSettings;
    try {
      next = deps.settings.read().sessions ?? DEFAULT_SESSION_SETTINGS;
    } catch (err) {
      log.warn(`sessions: settings not applied: ${(err as Error).message}`);
      return;
    }
    const key = JSON.stringify(next);
    if (key === applied) return; // another key changed
    applied = key;
    applying = applying
      .then(async () => {
        if (stopped) return;
        await applySessionSettings(deps.inbox, deps.registry, next);
        log.info(`sessions: mode ${next.mode}, ${next.routes.length} route(s) applied`);
      })
      .catch((err: Error) => log.warn(`sessions: settings not applied: ${err.message}`));
  };

  let watcher: FSWatcher | undefined;
  try {
    // The directory, not the file: the store replaces the file by rename, which a file watch would lose.
    const file = basename(deps.settings.path);
    watcher = watch(dirname(deps.settings.path), (_event, name) => {
      if (stopped || (name !== null && name.toString() !== file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, deps.debounceMs ?? 50);
      timer.unref();
    });
    watcher.on('error', (err) => log.warn(`sessions: cannot watch settings for changes (${err.message}); changes apply at the next start`));
    watcher.unref();
  } catch (err) {
    log.warn(`sessions: cannot watch settings for changes (${(err as Error).message}); changes apply at the next start`);
  }
  return () => {
    stopped = true;
    watcher?.close();
    if (timer) clearTimeout(timer);
  };
}
