// Standard MCP servers as event sources (DESIGN.md "Upstreams"): the schema of one entry of `upstreams` in
// settings.json, written once and used by the settings store, the CLI and the supervisor. Shaped after Claude
// Code's `mcpServers` entries (stdio: command + args + env; HTTP: url + headers) so an import is a copy.
//
// `allowPush` is the security gate and is never implied: a compromised server must not drive agents silently,
// so without it nothing of the server's is stored (DESIGN.md "Upstreams", "Security").
import { z } from 'zod';

/** Largest `readContent.maxBytes`: content rides inside one inbox event, which is bounded like a Pact frame. */
export const MAX_READ_CONTENT_BYTES = 256 * 1024;
export const DEFAULT_READ_CONTENT_BYTES = 16 * 1024;

/** A name is a slug: it becomes part of the inbox source (`mcp:<name>`), topics' payloads and CLI arguments. */
export const UpstreamNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, _ and - (at most 63, starting with a letter or digit)');

/** Event type subscriptions per upstream at most: each push subscription holds a request (and on HTTP/1.1 a connection) open. */
export const MAX_EVENT_SUBSCRIPTIONS = 50;
/** One subscription of the Events extension: an fnmatch glob on the event type names `events/list` shows, and its arguments. */
export const EventSubscriptionSchema = z.object({
  name: z.string().min(1).max(200),
  /** Passed to the server as they are (the type's `inputSchema` says what it takes: filters, transforms). */
  arguments: z.record(z.string(), z.unknown()).default({}),
});
/**
 * Experimental: the Events extension draft (SEP-3415, `io.modelcontextprotocol/events`; relay/protocol/mcp-events.ts).
 * Off unless the entry turns it on, while the draft is a draft. With it, a server that offers the extension
 * delivers events with ids and a resume cursor, which the relay keeps, so nothing is lost or repeated across
 * reconnects and restarts.
 */
const EventsExtensionSchema = z
  .object({
    enabled: z.boolean().default(false),
    subscribe: z.array(EventSubscriptionSchema).max(MAX_EVENT_SUBSCRIPTIONS).default([]),
    /** Replay at most this far back on resume (the draft's `maxAgeMs`); unset = as far as the server keeps. */
    maxAgeMs: z.number().int().positive().optional(),
  })
  .default({ enabled: false, subscribe: [] });
export type EventsExtensionConfig = z.infer<typeof EventsExtensionSchema>;

const EntryBaseSchema = z.object({
  name: UpstreamNameSchema,
  enabled: z.boolean().default(true),
  /** Whether this server's notifications reach the inbox (and so agents). Default off, never implied. */
  allowPush: z.boolean().default(false),
  resources: z
    .object({
      /**
       * Which resources to subscribe to: fnmatch globs matched against `resources/list` URIs, and URIs given
       * as they are (a pattern without glob characters is subscribed even when the list does not show it).
       */
      subscribe: z.array(z.string().min(1).max(2048)).max(1000).default([]),
    })
    .default({ subscribe: [] }),
  readContent: z
    .object({
      /** Fetch the resource (`resources/read`) on `resources/updated` and put it in the event. Opt-in. */
      enabled: z.boolean().default(false),
      maxBytes: z.number().int().min(1).max(MAX_READ_CONTENT_BYTES).default(DEFAULT_READ_CONTENT_BYTES),
    })
    .default({ enabled: false, maxBytes: DEFAULT_READ_CONTENT_BYTES }),
  /**
   * Tools called with no arguments after every (re)connect, once subscriptions are in place. Some servers push
   * only when asked (server-everything's `toggle-subscriber-updates`); calling a tool is a side effect, so it is
   * only ever done when the entry names it.
   */
  callOnConnect: z.array(z.string().min(1).max(200)).max(20).default([]),
  events: EventsExtensionSchema,
});

/** Claude Code's stdio entry: the relay starts the server and restarts it when it exits. */
const StdioEntrySchema = EntryBaseSchema.extend({
  type: z.literal('stdio'),
  command: z.string().min(1, 'give the command to start the server'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
});

/** Claude Code's Streamable HTTP entry. */
const HttpEntrySchema = EntryBaseSchema.extend({
  type: z.literal('http'),
  url: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http(s) URL')
    // DESIGN.md "Security": upstream requires https except for loopback.
    .refine((u) => {
      if (!URL.canParse(u)) return true; // said above
      const url = new URL(u);
      return url.protocol !== 'http:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    }, 'must be https (plain http only on loopback)'),
  headers: z.record(z.string(), z.string()).default({}),
});

export const UpstreamEntrySchema = z.discriminatedUnion('type', [StdioEntrySchema, HttpEntrySchema]);
export type UpstreamEntry = z.infer<typeof UpstreamEntrySchema>;
export type StdioUpstreamEntry = z.infer<typeof StdioEntrySchema>;
export type HttpUpstreamEntry = z.infer<typeof HttpEntrySchema>;
/** An entry as written (defaults not applied), e.g. by the CLI. */
export type UpstreamEntryInput = z.input<typeof UpstreamEntrySchema>;

/** The `upstreams` key of settings.json: entries with unique names. */
export const UpstreamsSchema = z.array(UpstreamEntrySchema).superRefine((entries, ctx) => {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (seen.has(e.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${e.name}" is used by another upstream; names must be unique` });
    seen.add(e.name);
  });
});

/** Whether the glob has fnmatch metacharacters (else it names one URI). */
export function isUriGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}
