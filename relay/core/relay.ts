// The relay core, composed: one home dir, one instance lock, one durable inbox, one upstream stream, the
// control-plane client, and the loopback server. Hosted by `push-relay daemon` and by the tray app.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { homePaths, type HomePaths } from '../config/home.js';
import { acquireInstanceLock, ensureLocalToken, removeRelayJson, writeRelayJson, type InstanceLock } from '../config/instance.js';
import { openSettings, retentionFrom, type Settings } from '../config/settings.js';
import { FileInbox } from '../inbox/file-inbox.js';
import type { EventSource, Inbox } from '../inbox/types.js';
import type { RelayCore, RelayStatus } from '../local/core.js';
import type { McpHttpOptions } from '../local/mcp/http-host.js';
import { lazyMcpHttpHost } from '../local/mcp/lazy-host.js';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../local/server.js';
import { NodeNotifierAdapter } from '../notify/node-notifier.js';
import type { Notifier } from '../notify/notifier.js';
import { notificationRoutes } from '../notify/routes.js';
import { NotificationService } from '../notify/service.js';
import { settingsRoutes } from '../local/settings-routes.js';
import { uiRoutes } from '../local/ui-routes.js';
import { startDemoFeed, type DemoFeed } from '../reference-server/demo.js';
import { DEMO_TENANT } from '../reference-server/demo-identity.js';
// The server module loads the MCP SDK's server side, which only demo mode needs: imported on demand below.
import type { ReferenceServer } from '../reference-server/server.js';
import { LazyControlClient } from '../upstream/lazy-control-client.js';
import { PushStream } from '../upstream/push-stream.js';
import { normalizeServerUrl } from '../upstream/server-url.js';
import { tenantIdForKey } from '../upstream/push-stream.js';
import { silentLogger, type Logger } from '../util/log.js';
import { RelayConfigError } from './errors.js';
import { VERSION } from './version.js';

export const DEMO_CLIENT_SUFFIX = 'demo';
/** Demo events keep one identity across restarts, whatever port the embedded server gets. */
const DEMO_SOURCE: EventSource = { server: 'demo:reference-server', tenant: DEMO_TENANT };

export interface RelayOptions {
  home: string;
  /** Push server URL; falls back to the settings file; none (or `demo`) = demo mode. */
  server?: string;
  demo?: boolean;
  clientId?: string;
  apiKey?: string;
  /** 0 = any free port. */
  localPort?: number;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Demo feed pace (tests use a fast one). */
  demoIntervalMs?: number;
  /** Expected heartbeat interval of the push server (watchdog = 2.5×). */
  heartbeatMs?: number;
  /** Routes added by the agent layer (MCP) and the UI. */
  extraRoutes?: LocalServerOptions['extraRoutes'];
  publicRoutes?: LocalServerOptions['publicRoutes'];
  /** OS notifications: node-notifier (notify-send on Linux) by default; the tray app passes its Electron adapter; false = none. */
  notify?: Notifier | false;
  /** The MCP endpoint at `/mcp` (on by default; `false` leaves it out). */
  mcp?: McpHttpOptions | false;
}

export interface RunningRelay {
  readonly core: RelayCore;
  readonly url: string;
  readonly token: string;
  readonly paths: HomePaths;
  /** The UI URL carrying the token in its fragment (never sent to the server, never in logs). */
  readonly inboxUrl: string;
  /** Popups: pause/resume/setPolicy for the tray and the UI (also at /v1/notifications*); absent with `notify: false`. */
  readonly notifications?: NotificationService;
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const env = options.env ?? process.env;
  const log = options.log ?? silentLogger;
  const paths = homePaths(options.home);
  const lock: InstanceLock = acquireInstanceLock(paths);
  const cleanup: (() => Promise<unknown> | unknown)[] = [() => lock.release()];
  const closeAll = async () => {
    for (const c of cleanup.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn(`shutdown step failed: ${(err as Error).message}`);
      }
    }
  };
  try {
    const settings: Settings = openSettings(paths.home).read();
    const configuredServer = options.server || env.PUSH_RELAY_SERVER || settings.server || undefined;
    const demo = options.demo === true || !configuredServer || configuredServer === 'demo';
    const clientId = options.clientId ?? settings.clientId ?? defaultClientId();
    const heartbeatMs = options.heartbeatMs ?? settings.heartbeatMs ?? 15_000;

    const inbox: Inbox = await FileInbox.open({ dir: paths.inbox, retention: retentionFrom(settings) });
    cleanup.push(() => inbox.close());

    // Popups for events the inbox newly stored (onAppend never fires for duplicates or replays). Attached
    // before the stream starts; the availability check runs in the background and never delays the start.
    const notifications =
      options.notify === false
        ? undefined
        : new NotificationService({ notifier: options.notify ?? new NodeNotifierAdapter({ env }), settings: settings.notifications, log });
    if (notifications) {
      notifications.attach(inbox);
      void notifications.start();
      cleanup.push(() => notifications.close());
    }

    let serverUrl: string;
    let apiKey: string;
    let source: EventSource;
    let reference: ReferenceServer | undefined;
    let feed: DemoFeed | undefined;
    if (demo) {
      const { startReferenceServer } = await import('../reference-server/server.js');
      // Not the public demo token: any local process (or a rebinding page) could inject events that reach the
      // agent with it. A fresh token per start, known only in-process; added to the log's secrets below.
      apiKey = randomBytes(32).toString('base64url');
      reference = await startReferenceServer({ port: 0, dataDir: paths.demoServer, tokens: { [apiKey]: DEMO_TENANT }, checkHost: true, heartbeatMs });
      cleanup.push(() => reference?.close());
      serverUrl = reference.url;
      source = DEMO_SOURCE;
      log.info(`demo mode: embedded reference server at ${reference.url} with generated events`);
    } else {
      apiKey = options.apiKey || env.PUSH_RELAY_API_KEY || settings.apiKey || '';
      if (!apiKey) {
        throw new RelayConfigError(
          `no API key for ${configuredServer}: set PUSH_RELAY_API_KEY, or "apiKey" in ${paths.settings}, or run with --demo`,
          'missing_api_key',
        );
      }
      serverUrl = configuredServer!;
      source = { server: normalizeServerUrl(serverUrl).base, tenant: tenantIdForKey(apiKey) };
    }
    log.addSecret(apiKey);
    const urls = normalizeServerUrl(serverUrl); // throws ConfigError with a message for a bad URL

    const control = new LazyControlClient({ server: urls, apiKey, clientId });
    cleanup.push(() => control.close());
    const stream = new PushStream({
      server: urls,
      apiKey,
      clientId,
      source,
      inbox,
      heartbeatMs,
      log: (line: string) => log.info(line),
    });
    cleanup.push(() => stream.stop());

    if (demo) {
      // A newcomer sees everything the demo world does; idempotent, so every start is safe.
      await control.subscribe({ topic: ['*'], client_label: 'Push Relay demo' });
      // Start generating once the stream is open: a first-ever connect starts at the server's head, so an
      // event emitted before it would never reach this inbox.
      const offOpen = stream.onStatus((s) => {
        if (s.state !== 'open' || feed) return;
        feed = startDemoFeed((input) => reference!.emit(DEMO_TENANT, input), {
          intervalMs: options.demoIntervalMs,
          onError: (err) => log.warn(`demo emit failed: ${(err as Error).message}`),
        });
      });
      cleanup.push(() => {
        offOpen();
        feed?.stop();
      });
    }

    const statusListeners = new Set<(s: RelayStatus) => void>();
    const startedAt = new Date().toISOString();
    let localUrl = '';
    const core: RelayCore = {
      inbox,
      control: {
        subscribe: (input) => control.subscribe(input),
        unsubscribe: (id) => control.unsubscribe(id),
        listSubscriptions: (includeDeleted) => control.listSubscriptions(includeDeleted),
        listTopics: (category) => control.listTopics(category),
      },
      status: () => ({
        version: VERSION,
        pid: process.pid,
        home: paths.home,
        mode: demo ? 'demo' : 'server',
        server: urls.base,
        client_id: clientId,
        started_at: startedAt,
        local_url: localUrl,
        upstream: stream.status(),
        inbox: { ...inbox.stats() },
        consumers: inbox.listConsumers(),
        ...(notifications ? { notifications: notifications.status() } : {}),
      }),
      onStatus: (listener) => {
        statusListeners.add(listener);
        return () => statusListeners.delete(listener);
      },
    };
    cleanup.push(stream.onStatus(() => {
      const s = core.status();
      for (const l of statusListeners) l(s);
    }));
    if (notifications) {
      cleanup.push(notifications.onChange(() => {
        const s = core.status();
        for (const l of statusListeners) l(s);
      }));
    }
    stream.start();

    const mcp = options.mcp === false ? undefined : lazyMcpHttpHost(core, { log, ...options.mcp });
    const token = ensureLocalToken(paths);
    log.addSecret(token);
    const local: LocalServer = await startLocalServer({
      core,
      token,
      port: options.localPort ?? settings.localPort ?? 47831,
      version: VERSION,
      log,
      // The inbox UI at `/` (static, no token: the page reads it from its URL fragment) and its settings API.
      extraRoutes: {
        ...settingsRoutes({
          home: paths.home,
          env,
          applyApiKey: (key) => {
            if (demo || env.PUSH_RELAY_API_KEY) return false;
            log.addSecret(key);
            // A key is a tenant identity here (tenantIdForKey): a new key is a new source with its own cursor.
            stream.setApiKey(key, { server: source.server, tenant: tenantIdForKey(key) });
            control.setApiKey(key);
            return true;
          },
        }), ...mcp?.routes, ...(notifications && notificationRoutes(notifications)), ...options.extraRoutes },
      publicRoutes: { ...uiRoutes(), ...options.publicRoutes },
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        throw new RelayConfigError(`local port ${options.localPort ?? settings.localPort ?? 47831} is in use; pick another with --local-port N (0 = any free port)`, 'port_in_use');
      }
      throw err;
    });
    cleanup.push(() => local.close());
    // Runs before the server closes: sessions end and their waits return before the sockets drop.
    if (mcp) cleanup.push(() => mcp.close());
    localUrl = local.url;
    writeRelayJson(paths, { pid: process.pid, url: local.url, version: VERSION });
    cleanup.push(() => removeRelayJson(paths));

    return {
      core,
      url: local.url,
      token,
      paths,
      inboxUrl: `${local.url}/#token=${token}`,
      notifications,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function defaultClientId(): string {
  const host = hostname().replace(/[^\w.-]/g, '-').slice(0, 100) || 'host';
  return `push-relay-${host}`;
}
