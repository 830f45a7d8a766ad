// The standard MCP upstreams of a running relay, beside the Pact stream (relay/core/live-upstream.ts): one
// McpUpstream per entry of `upstreams` in settings.json, kept in step with the file while the relay runs. Every
// writer goes through the one settings store (the CLI's `push-relay upstream …`, the Settings page, the tray),
// so watching the file the store writes is how a change reaches the running relay, whoever made it: an entry
// added starts, one removed stops (its stdio server with it), one changed is rebuilt, one disabled or gated
// stops — no restart, and the others are not touched (DESIGN.md "Upstreams": applied live).
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SettingsStore } from '../config/settings.js';
import type { UpstreamEntry } from '../config/upstreams.js';
import type { Inbox } from '../inbox/types.js';
import type { McpUpstreamStatus } from '../protocol/local-api.js';
import type { EventCursorStore } from '../upstream/mcp/event-cursors.js';
import { McpUpstream, type McpUpstreamDeps } from '../upstream/mcp/upstream.js';
import type { Logger } from '../util/log.js';

export interface McpUpstreamsDeps {
  inbox: Inbox;
  log: Logger;
  /** Where entries are read from when the file changes. */
  settings: Pick<SettingsStore, 'read' | 'path'>;
  /** Where the Events extension keeps its cursors (relay/upstream/mcp/event-cursors.ts); default memory. */
  eventCursors?: EventCursorStore;
  /** Passed to every upstream (tests: fast backoff, small queues). */
  upstream?: Partial<Omit<McpUpstreamDeps, 'inbox' | 'log'>>;
  /** How long after a file event the settings are read (a write is a rename; editors write twice). */
  debounceMs?: number;
}

export class McpUpstreams {
  readonly #d: McpUpstreamsDeps;
  readonly #running = new Map<string, { key: string; upstream: McpUpstream; off: () => void }>();
  #order: string[] = [];
  #applying: Promise<void> = Promise.resolve();
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #listeners = new Set<() => void>();

  constructor(deps: McpUpstreamsDeps) {
    this.#d = deps;
  }

  /** Starts the entries and follows the settings file from now on. */
  async start(entries: readonly UpstreamEntry[]): Promise<void> {
    await this.apply(entries);
    try {
      // The directory, not the file: the store replaces the file by rename, which a file watch would lose.
      const file = basename(this.#d.settings.path);
      this.#watcher = watch(dirname(this.#d.settings.path), (_event, name) => {
        if (name === null || name.toString() === file) this.#reloadSoon();
      });
      this.#watcher.on('error', (err) => this.#d.log.warn(`upstreams: cannot watch settings for changes (${err.message}); changes apply at the next start`));
      this.#watcher.unref();
    } catch (err) {
      this.#d.log.warn(`upstreams: cannot watch settings for changes (${(err as Error).message}); changes apply at the next start`);
    }
  }

  /** Brings the running upstreams in line with `entries` (serialized: one change set at a time). */
  apply(entries: readonly UpstreamEntry[]): Promise<void> {
    const next = this.#applying.then(() => this.#apply(entries));
    this.#applying = next.catch(() => undefined);
    return next;
  }

  status(): McpUpstreamStatus[] {
    return this.#order.flatMap((name) => {
      const r = this.#running.get(name);
      return r ? [r.upstream.status()] : [];
    });
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    if (this.#debounce) clearTimeout(this.#debounce);
    await this.apply([]);
  }

  #reloadSoon(): void {
    if (this.#closed) return;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      let entries: UpstreamEntry[];
      try {
        entries = this.#d.settings.read().upstreams ?? [];
      } catch (err) {
        // A half-edited file: keep what runs; the store's message names the field.
        this.#d.log.warn(`upstreams: settings not applied: ${(err as Error).message}`);
        return;
      }
      void this.apply(entries);
    }, this.#d.debounceMs ?? 50);
    this.#debounce.unref();
  }

  async #apply(entries: readonly UpstreamEntry[]): Promise<void> {
    const wanted = new Map(entries.map((e) => [e.name, e]));
    const stops: Promise<void>[] = [];
    for (const [name, r] of this.#running) {
      const e = wanted.get(name);
      if (e && JSON.stringify(e) === r.key) continue;
      this.#running.delete(name);
      r.off();
      stops.push(r.upstream.stop());
      this.#d.log.info(`upstream ${name}: ${e ? 'changed; restarting it' : 'removed'}`);
    }
    // A changed entry's old connection is gone before the new one starts (one stdio server per entry at a time).
    await Promise.all(stops);
    if (this.#closed && entries.length > 0) return;
    for (const e of entries) {
      if (this.#running.has(e.name)) continue;
      const upstream = new McpUpstream(e, {
        ...this.#d.upstream,
        ...(this.#d.eventCursors ? { eventCursors: this.#d.eventCursors } : {}),
        inbox: this.#d.inbox,
        log: (line) => this.#d.log.info(line),
      });
      const off = upstream.onChange(() => this.#changed());
      this.#running.set(e.name, { key: JSON.stringify(e), upstream, off });
      upstream.start();
      if (!e.enabled) this.#d.log.info(`upstream ${e.name}: disabled`);
      else if (!e.allowPush) this.#d.log.info(`upstream ${e.name}: not connected: allowPush is off (push-relay upstream add … --allow-push, or the Settings page)`);
    }
    this.#order = entries.map((e) => e.name);
    this.#changed();
  }

  /** The relay's own status listeners (each upstream already keeps a throwing listener of its own away from it). */
  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
