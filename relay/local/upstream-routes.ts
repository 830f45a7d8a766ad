// `GET/POST /v1/upstreams` for the Settings page: the standard MCP upstreams of settings.json with their live
// state, and what a person changes there: the toggles `enabled` and `allowPush` (the gate: set here or by
// `upstream add … --allow-push`, never implied), and the experimental Events extension (on/off, type globs). Writes go through the one settings store; the relay applies
// them at once (relay/core/mcp-upstreams.ts). Adding and removing entries is the CLI's (`push-relay upstream`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SettingsError, type SettingsStore } from '../config/settings.js';
import { EventSubscriptionSchema, MAX_EVENT_SUBSCRIPTIONS, type UpstreamEntry } from '../config/upstreams.js';
import { LOCAL_API, type McpUpstreamStatus, type UpstreamsResponse, type UpstreamToggle } from '../protocol/local-api.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';

export interface UpstreamRoutesOptions {
  store: Pick<SettingsStore, 'read' | 'update' | 'path'>;
  status(): McpUpstreamStatus[];
  /** Applies the saved entries now (without waiting for the file watch). */
  apply(entries: readonly UpstreamEntry[]): Promise<void>;
}

const ToggleSchema: z.ZodType<UpstreamToggle> = z.strictObject({
  name: z.string().min(1).max(100),
  enabled: z.boolean().optional(),
  allowPush: z.boolean().optional(),
  events: z
    .strictObject({
      enabled: z.boolean().optional(),
      types: z.array(EventSubscriptionSchema.shape.name).max(MAX_EVENT_SUBSCRIPTIONS).optional(),
    })
    .optional(),
});

/** The entry with the page's change applied; a glob kept keeps its arguments. */
function changed(e: UpstreamEntry, t: UpstreamToggle): UpstreamEntry {
  const events = t.events
    ? {
        ...e.events,
        enabled: t.events.enabled ?? e.events.enabled,
        subscribe: t.events.types ? [...new Set(t.events.types)].map((name) => e.events.subscribe.find((s) => s.name === name) ?? { name, arguments: {} }) : e.events.subscribe,
      }
    : e.events;
  return { ...e, enabled: t.enabled ?? e.enabled, allowPush: t.allowPush ?? e.allowPush, events };
}

function summary(e: UpstreamEntry): string {
  const state = !e.enabled ? 'disabled' : e.allowPush ? 'enabled; its notifications reach the inbox' : 'enabled, but push is off: nothing of it is stored';
  const events = e.events.enabled ? ` Events extension on for ${e.events.subscribe.map((s) => s.name).join(', ') || 'no event type yet'}.` : '';
  return `${e.name}: ${state}.${events}`;
}

export function upstreamRoutes(o: UpstreamRoutesOptions): Record<string, Handler> {
  const entries = (): UpstreamEntry[] => {
    try {
      return o.store.read().upstreams ?? [];
    } catch (err) {
      throw new HttpError(500, 'invalid_settings', (err as Error).message);
    }
  };
  const describe = (list: UpstreamEntry[], message?: string): UpstreamsResponse => {
    const live = new Map(o.status().map((s) => [s.name, s]));
    return {
      upstreams: list.map((e) => ({
        name: e.name,
        type: e.type,
        target: e.type === 'http' ? e.url : [e.command, ...e.args].join(' '),
        enabled: e.enabled,
        allowPush: e.allowPush,
        subscribe: e.resources.subscribe,
        events: { enabled: e.events.enabled, types: e.events.subscribe.map((s) => s.name) },
        status: live.get(e.name) ?? null,
      })),
      path: o.store.path,
      ...(message ? { message } : {}),
    };
  };
  let queue: Promise<unknown> = Promise.resolve();
  const post = async (req: IncomingMessage, res: ServerResponse) => {
    const parsed = ToggleSchema.safeParse(await readJson(req, 4 * 1024));
    if (!parsed.success) throw new HttpError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const name = parsed.data.name;
    const list = entries();
    if (!list.some((e) => e.name === name)) throw new HttpError(404, 'upstream_not_found', `no upstream named "${name}"; add one with push-relay upstream add`);
    const next = list.map((e) => (e.name === name ? changed(e, parsed.data) : e));
    let saved: UpstreamEntry[];
    try {
      saved = o.store.update({ upstreams: next }).upstreams ?? [];
    } catch (err) {
      if (err instanceof SettingsError) throw new HttpError(400, 'invalid_settings', err.message);
      throw err;
    }
    await o.apply(saved);
    sendJson(res, 200, describe(saved, summary(saved.find((u) => u.name === name)!)));
  };
  const handler: Handler = async (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, describe(entries()));
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `use GET or POST on ${LOCAL_API.upstreams}`, { allow: 'GET, POST' });
    const done = queue.then(() => post(req, res));
    queue = done.catch(() => undefined);
    return done;
  };
  return { [LOCAL_API.upstreams]: handler };
}
