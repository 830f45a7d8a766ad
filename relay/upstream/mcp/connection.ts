// One connection to one standard MCP server, through the MCP TypeScript SDK v2 client (no hand-written
// protocol): connect (the SDK negotiates the era: `server/discover` for 2026-07-28, else `initialize`), choose
// the resources to watch, subscribe, and report every change notification. It ends once, with a reason, when the
// server goes away; relay/upstream/mcp/upstream.ts decides what happens next (backoff, restart).
//
// Both eras (MCP 2026-07-28 "Subscriptions"; 2025-11-25 "Resources: Subscriptions"):
//   - 2026-07-28: one `subscriptions/listen` request carries the resource URIs and the list-changed filters; the
//     server answers `notifications/subscriptions/acknowledged` with the honoured subset, and every notification on
//     the stream carries the subscription id in `_meta` (`io.modelcontextprotocol/subscriptionId`).
//   - 2025 era: `resources/subscribe` per URI; list-changed notifications arrive unsolicited.
//
// Listen streams (2026-07-28), when a changed resource list brings new URIs: a server sends a notification on every
// open listen stream whose filter covers it, and MCP notifications carry no id, so two streams covering the same
// URI would store an update twice while both are open, and no client can tell which copies are the same one
// (content is not identity: a server may legitimately send the same `resources/updated` twice). Closing the old
// stream before opening the new one instead loses what is sent in between. So the relay opens one more stream
// for the new URIs only (no list-changed filters): the filters never overlap, and the old stream is never
// closed, so there is neither a duplicate nor a gap. Streams are bounded (maxListenStreams): past that the relay
// merges them by close-then-listen, and says so with an `mcp.upstream.reconnected` event (cause `resubscribed`).
import { Client, StreamableHTTPClientTransport, type McpSubscription, type SubscriptionFilter } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { UpstreamEntry } from '../../config/upstreams.js';
import { MAX_FRAME_BYTES } from '../../protocol/limits.js';
import { topicMatchesAny } from '../../protocol/topic-glob.js';
import { neutralizeText } from '../../protocol/untrusted-text.js';
import { VERSION } from '../../util/version.js';
import { capResponseBodies } from '../capped-body.js';
import { isUriGlob } from '../../config/upstreams.js';
import { capContent, type ResourceContent } from './resource-content.js';
import type { EventsClient } from './event-subscriptions.js';
import { NOTIFICATION_TOPICS, type UpstreamNotificationMethod } from './topics.js';

/** Resources listed at most (pages × items are the server's; this bounds what one hostile server costs). */
const MAX_LISTED_RESOURCES = 10_000;
const MAX_LIST_PAGES = 100;
/** Resources subscribed at most per upstream. */
export const MAX_SUBSCRIBED = 1000;
/** Open `subscriptions/listen` streams at most per connection before they are merged into one (see above). */
export const MAX_LISTEN_STREAMS = 8;
/** The tail of a stdio server's stderr kept for the error message when it exits. */
const STDERR_TAIL_CHARS = 2000;

export interface ConnectionOptions {
  entry: UpstreamEntry;
  /** Every change notification, as it comes (synchronous: the caller queues it). */
  onNotification(method: UpstreamNotificationMethod, params: unknown): void;
  /** Connect, list and subscribe must finish within this (ms). */
  timeoutMs: number;
  /** Aborts a connect in progress (the upstream is being stopped: a hanging server must not hold that up). */
  signal?: AbortSignal;
  /** HTTP: how often a ping checks that the server is still there (ms; 0 = never). */
  pingIntervalMs: number;
  log(line: string): void;
  /**
   * The server spoke a 2025-era protocol last time: skip the era probe (on stdio the SDK probes on a short-lived
   * sibling process, a second spawn per connect; a restart loop should not pay it every time).
   */
  knownLegacy?: boolean;
  /** The number of subscribed resources changed after connect (a changed list brought new ones). */
  onSubscribed?(count: number): void;
  /** Listen streams at most before a merge (default MAX_LISTEN_STREAMS). */
  maxListenStreams?: number;
  /**
   * A merge of listen streams: `start` once the old streams are closed (from here notifications may be missed),
   * `end` once the new one is acknowledged.
   */
  onResubscribeGap?(phase: 'start' | 'end'): void;
  /**
   * Experimental (the Events extension draft): called once connected, with the client and the server's
   * capabilities; what it returns is closed with the connection. Its failure is its own: the connection stays.
   */
  startEvents?(client: EventsClient, capabilities: unknown): Promise<{ close(): void } | undefined>;
}

export interface OpenConnection {
  /** The negotiated protocol version (`2026-07-28`, `2025-11-25`, …). */
  readonly protocolVersion: string;
  readonly subscribedUris: readonly string[];
  /** Resolves once, with what ended the connection, when the server or the transport went away. */
  readonly ended: Promise<string>;
  /** Content of a resource for an event (readContent), within the entry's byte budget. */
  readContent(uri: string): Promise<ResourceContent>;
  close(): Promise<void>;
}

/** Opens the connection; rejects (with everything started torn down) when any step fails. */
export async function openConnection(o: ConnectionOptions): Promise<OpenConnection> {
  const { entry } = o;
  let endedReason: ((reason: string) => void) | undefined;
  const ended = new Promise<string>((resolve) => {
    endedReason = resolve;
  });
  let isEnded = false;
  const end = (reason: string) => {
    if (isEnded) return;
    isEnded = true;
    endedReason?.(neutralizeText(reason, 500));
  };

  const stderrTail = { text: '' };
  const transport =
    entry.type === 'stdio'
      ? new StdioClientTransport({
          command: entry.command,
          args: entry.args,
          env: { ...getDefaultEnvironment(), ...entry.env },
          cwd: entry.cwd,
          stderr: 'pipe',
          // A line longer than this is a broken or hostile server, not a notification.
          maxBufferSize: 4 * MAX_FRAME_BYTES,
        })
      : new StreamableHTTPClientTransport(new URL(entry.url), {
          requestInit: { headers: entry.headers },
          // Untrusted in size too: one pending SSE event, a JSON answer, an error body are each bounded, as for the
          // Pact control plane (relay/upstream/capped-body.ts).
          fetch: capResponseBodies((input, init) => fetch(input, init)),
          // The relay reconnects itself (with replay and a reconnected event); the SDK's own stream retries would
          // hide a dead server from it. The SDK asks its `reconnectionScheduler` exactly when a stream it would
          // resume (the 2025-era GET stream, or a resumable POST stream) ended without the relay closing it: that
          // call is the structural signal that no notification will arrive on it again, so the connection counts
          // as lost and the scheduler never reconnects (one attempt allowed, so that the SDK asks at all). The
          // ping below stays as the backup for a path that goes silent without ending.
          reconnectionOptions: { maxRetries: 1, initialReconnectionDelay: 0, maxReconnectionDelay: 0, reconnectionDelayGrowFactor: 1 },
          reconnectionScheduler: () => end('the event stream dropped'),
        });
  if (transport instanceof StdioClientTransport) {
    // Drained always (a full pipe would stall the server); only the tail is kept, for the exit message.
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderrTail.text = (stderrTail.text + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
  }

  const client = new Client({ name: 'push-relay', version: VERSION }, { versionNegotiation: { mode: 'auto' } });
  // Set once subscribed: a changed resource list may bring new resources the globs choose.
  let onListChanged: (() => void) | undefined;
  for (const method of Object.keys(NOTIFICATION_TOPICS) as UpstreamNotificationMethod[]) {
    client.setNotificationHandler(method, (n: { params?: unknown }) => {
      o.onNotification(method, n.params);
      if (method === 'notifications/resources/list_changed') onListChanged?.();
    });
  }
  client.onclose = () => {
    const tail = stderrTail.text.trim().split('\n').at(-1);
    end(entry.type === 'stdio' ? `the server process exited${tail ? ` (stderr: ${tail})` : ''}` : 'the connection closed');
  };
  client.onerror = () => {
    // Not a signal of its own: a malformed message or a failed POST fails its request (and is counted there), and a
    // dropped stream ends the connection through the reconnectionScheduler above, whatever the SDK's text says.
    // Not logged: a hostile server could make every line of it one.
  };

  let ping: NodeJS.Timeout | undefined;
  // The open listen streams (2026-07-28), with disjoint filters (see "Listen streams" above).
  let subscriptions: McpSubscription[] = [];
  let events: { close(): void } | undefined;
  const close = async () => {
    end('closed by the relay');
    if (ping) clearInterval(ping);
    events?.close();
    await Promise.all(subscriptions.map((sub) => sub.close().catch(() => undefined)));
    await client.close().catch(() => undefined);
  };

  const opts = { timeout: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) };
  // Not every step honours a request signal (the era probe, a fetch in flight): closing the client and its
  // transport ends them all, and the connect below rejects.
  const onAbort = () => {
    void client.close().catch(() => undefined);
    void transport.close().catch(() => undefined);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect(transport, { ...opts, ...(o.knownLegacy ? { prior: { kind: 'legacy' as const } } : {}) });
    const protocolVersion = client.getNegotiatedProtocolVersion() ?? 'unknown';
    const caps = client.getServerCapabilities() ?? {};
    let uris = caps.resources ? await chooseUris(client, entry.resources.subscribe, opts) : [];
    const modern = protocolVersion >= '2026-07-28';
    /** One more listen stream; the list-changed filters go on the first (or merged) stream only. */
    const listen = async (resourceSubscriptions: string[], listChanged: boolean) => {
      const filter: SubscriptionFilter = {
        ...(resourceSubscriptions.length > 0 ? { resourceSubscriptions } : {}),
        ...(listChanged && caps.resources?.listChanged ? { resourcesListChanged: true } : {}),
        ...(listChanged && caps.tools?.listChanged ? { toolsListChanged: true } : {}),
        ...(listChanged && caps.prompts?.listChanged ? { promptsListChanged: true } : {}),
      };
      if (Object.keys(filter).length === 0) return;
      const sub = await client.listen(filter, opts);
      subscriptions.push(sub);
      void sub.closed.then((why) => {
        // A merge closes streams locally; any stream still in use ending otherwise is the connection's end.
        if (why !== 'local' && subscriptions.includes(sub)) end(why === 'graceful' ? 'the server ended the subscription' : 'the subscription stream dropped');
      });
    };
    const subscribe = async (list: readonly string[]) => {
      if (!caps.resources?.subscribe) return;
      for (const uri of list) {
        try {
          await client.subscribeResource({ uri }, opts);
        } catch (err) {
          o.log(`resources/subscribe ${neutralizeText(uri, 200)} refused: ${neutralizeText((err as Error).message, 300)}`);
        }
      }
    };
    if (modern) await listen(uris, true);
    else await subscribe(uris);
    if (caps.resources && entry.resources.subscribe.some(isUriGlob)) {
      // New resources matching a glob are watched too: on a changed list, choose again and subscribe to what is
      // new (2025 era), or open one more listen stream for it (2026-07-28, "Listen streams" above). Resources no
      // longer listed stay subscribed (a server sends nothing for a resource that is gone).
      const maxStreams = Math.max(1, o.maxListenStreams ?? MAX_LISTEN_STREAMS);
      let refreshing: Promise<void> = Promise.resolve();
      onListChanged = () => {
        refreshing = refreshing.then(async () => {
          if (isEnded) return;
          try {
            const next = await chooseUris(client, entry.resources.subscribe, opts);
            const added = next.filter((u) => !uris.includes(u)).slice(0, Math.max(0, MAX_SUBSCRIBED - uris.length));
            if (added.length === 0) return;
            uris = [...uris, ...added];
            if (!modern) await subscribe(added);
            else if (subscriptions.length < maxStreams) await listen(added, subscriptions.length === 0);
            else {
              const old = subscriptions;
              subscriptions = [];
              await Promise.all(old.map((sub) => sub.close()));
              o.onResubscribeGap?.('start');
              try {
                await listen(uris, true);
              } catch (err) {
                // Nothing is listening now: the connection is of no use; the upstream reconnects and replays.
                end(`listening again failed: ${(err as Error).message}`);
                return;
              }
              o.onResubscribeGap?.('end');
            }
            o.onSubscribed?.(uris.length);
          } catch (err) {
            o.log(`re-reading the resource list failed: ${neutralizeText((err as Error).message, 300)}`);
          }
        });
      };
    }
    for (const name of entry.callOnConnect) {
      try {
        await client.callTool({ name, arguments: {} }, opts);
      } catch (err) {
        o.log(`calling ${neutralizeText(name, 100)} after connect failed: ${neutralizeText((err as Error).message, 300)}`);
      }
    }
    if (o.startEvents) {
      // The SDK's custom-method forms, typed for the Events extension (relay/upstream/mcp/event-subscriptions.ts).
      const eventsClient: EventsClient = {
        request: (request, resultSchema, options) => client.request(request, resultSchema, options),
        setNotificationHandler: (method, schemas, handler) => client.setNotificationHandler(method, schemas, handler),
      };
      try {
        events = await o.startEvents(eventsClient, caps);
      } catch (err) {
        o.log(`events: the Events extension could not start: ${neutralizeText((err as Error).message, 300)}`);
      }
    }
    if (entry.type === 'http' && o.pingIntervalMs > 0) {
      ping = setInterval(() => {
        client.ping({ timeout: o.timeoutMs }).catch((err: Error) => end(`the server stopped answering pings: ${err.message}`));
      }, o.pingIntervalMs);
      ping.unref();
    }
    o.signal?.removeEventListener('abort', onAbort);
    return {
      protocolVersion,
      subscribedUris: [...uris],
      ended,
      readContent: async (uri) => {
        const result = await client.readResource({ uri }, { ...opts, cacheMode: 'bypass' });
        return capContent(result.contents, entry.readContent.maxBytes);
      },
      close,
    };
  } catch (err) {
    o.signal?.removeEventListener('abort', onAbort);
    await close();
    const tail = stderrTail.text.trim().split('\n').at(-1);
    throw new Error(`${(err as Error).message}${tail ? ` (stderr: ${tail})` : ''}`, { cause: err });
  }
}

/**
 * The URIs to subscribe to: those `resources/list` shows that match a glob, plus every pattern without glob
 * characters as it is (a server may offer subscriptions to resources it does not list, such as templated ones).
 */
async function chooseUris(client: Client, patterns: readonly string[], opts: { timeout: number; signal?: AbortSignal }): Promise<string[]> {
  if (patterns.length === 0) return [];
  const chosen = new Set(patterns.filter((p) => !isUriGlob(p)));
  const globs = patterns.filter(isUriGlob);
  if (globs.length > 0) {
    let cursor: string | undefined;
    let listed = 0;
    for (let page = 0; page < MAX_LIST_PAGES && listed < MAX_LISTED_RESOURCES; page++) {
      const result = await client.listResources(cursor ? { cursor } : undefined, { ...opts, cacheMode: 'bypass' });
      for (const r of result.resources) {
        listed++;
        if (typeof r.uri === 'string' && topicMatchesAny(globs, r.uri)) chosen.add(r.uri);
      }
      cursor = result.nextCursor;
      if (!cursor) break;
    }
  }
  return [...chosen].slice(0, MAX_SUBSCRIBED);
}
