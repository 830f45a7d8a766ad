// The relay core, composed: one home dir, one instance lock, one durable inbox, one upstream stream, the
// control-plane client, and the loopback server. Hosted by `push-relay daemon` and by the tray app.
import { FileEventCursorStore } from '../upstream/mcp/event-cursors.js';
import { SignInFlow } from '../auth/sign-in-flow.js';
import { FileSignInStore, type SignInStore } from '../auth/sign-in-store.js';
import { homePaths, type HomePaths } from '../config/home.js';
import { acquireInstanceLock, ensureLocalToken, removeRelayJson, writeRelayJson, type InstanceLock } from '../config/instance.js';
import { DEFAULT_LOCAL_PORT, openSettings, retentionFrom, type Settings, type SettingsBackend, type SettingsStore } from '../config/settings.js';
import { FileInbox } from '../inbox/file-inbox.js';
import { SessionRegistry } from '../sessions/registry.js';
import { followSessionSettings } from '../sessions/live-settings.js';
import { startRouter } from '../sessions/router.js';
import { DEFAULT_SESSION_SETTINGS } from '../sessions/settings.js';
import type { Inbox } from '../inbox/types.js';
import type { RelayCore, RelayStatus } from '../local/core.js';
import type { McpHttpOptions } from '../local/mcp/http-host.js';
import { lazyMcpHttpHost } from '../local/mcp/lazy-host.js';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../local/server.js';
import { settingsRoutes, settingsWriter, type KeyWriter, type SettingsRoutesOptions } from '../local/settings-routes.js';
import { signInRoutes } from '../local/sign-in-routes.js';
import { upstreamRoutes } from '../local/upstream-routes.js';
import { uiRoutes } from '../local/ui-routes.js';
import { NodeNotifierAdapter } from '../notify/node-notifier.js';
import type { Notifier } from '../notify/notifier.js';
import { notificationRoutes } from '../notify/routes.js';
import { NotificationService } from '../notify/service.js';
import { normalizeServerUrl } from '../upstream/server-url.js';
import { RelayError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { RelayConfigError } from './errors.js';
import { LiveUpstream } from './live-upstream.js';
import { McpUpstreams } from './mcp-upstreams.js';
import { overridden, resolveTarget, targetChange, type TargetOverrides, type UpstreamTarget } from './upstream-target.js';
import { VERSION } from '../util/version.js';

export { DEMO_SOURCE } from './upstream-target.js';

export interface RelayOptions {
  home: string;
  /** Push server URL; falls back to the settings file; none (or `demo`) = demo mode. */
  server?: string;
  demo?: boolean;
  clientId?: string;
  apiKey?: string;
  /** Where OAuth sign-ins live; default a 0600 file in the home (the tray passes one sealed by safeStorage). */
  signIns?: SignInStore;
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
  /**
   * Where settings.json is kept, opened once the instance lock is held (one writer): the file itself by default;
   * the tray app passes electron-store. Either way it is read and written through the one settings store.
   */
  settingsBackend?: (home: string) => SettingsBackend;
  /** How the Settings page's API key is stored (default: plain `apiKey`); the tray app encrypts it. */
  writeKey?: KeyWriter;
  /** How long an unacked hand-over holds its events (tests and advanced use; default 5 minutes, consumer-ops.ts). */
  claimLeaseMs?: number;
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
  /** The settings store the relay and its Settings routes use; a host writes through it too. */
  readonly settings: SettingsStore;
  /** The interactive OAuth sign-in (and sign-out) for the server in use: the page's /v1/sign-in and the tray's menu. */
  readonly signIn: SignInFlow;
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
    const settingsStore = openSettings(paths.home, options.settingsBackend?.(paths.home));
    const settings: Settings = settingsStore.read();
    const overrides: TargetOverrides = { server: options.server, demo: options.demo, clientId: options.clientId, env };
    // The key the host holds outside settings.json (the tray's decrypted one, then any saved through the page).
    let heldKey = options.apiKey;
    // OAuth sign-ins (`push-relay login`): the tray seals them with the OS keychain, the daemon keeps a 0600 file.
    const signIns = options.signIns ?? new FileSignInStore(paths.home);
    const signInFor = (base: string) => signIns.load(base);
    const target = resolveTarget(settings, overrides, heldKey, signInFor);
    const heartbeatMs = options.heartbeatMs ?? settings.heartbeatMs ?? 15_000;

    const inbox: Inbox = await FileInbox.open({ dir: paths.inbox, retention: retentionFrom(settings) });
    cleanup.push(() => inbox.close());
    // Claude Code sessions: mode and routes from settings (relay/sessions/); routes attach before the stream starts.
    const sessions = new SessionRegistry(settings.sessions ?? DEFAULT_SESSION_SETTINGS);
    cleanup.push(await startRouter(inbox, sessions, (err) => log.warn(`routing an event to its session failed: ${(err as Error).message}`)));
    // A mode or route change in settings.json applies to the next hand-over, without a restart.
    cleanup.push(followSessionSettings({ inbox, registry: sessions, settings: settingsStore, log }));

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

    const upstream = await LiveUpstream.start(target, { paths, inbox, log, heartbeatMs, demoIntervalMs: options.demoIntervalMs, signIns });
    cleanup.push(() => upstream.close());
    // Standard MCP servers as event sources, beside the Pact stream; each is its own inbox source.
    const eventCursors = new FileEventCursorStore(paths.home, { log: (line) => log.warn(line) });
    const mcpUpstreams = new McpUpstreams({ inbox, log, settings: settingsStore, eventCursors });
    await mcpUpstreams.start(settings.upstreams ?? []);
    cleanup.push(() => mcpUpstreams.close());

    // Sign in / Sign out from the page or the tray: the result is applied as a settings change is (a new
    // sign-in is a new credential for the running upstream; signing out falls back to the key).
    // Every live settings change, the page's PUT and a sign-in's switch alike, goes through this one writer: one
    // at a time, validated, built, written, then switched (settings-routes.ts).
    const prepareSettings: SettingsRoutesOptions['prepare'] = async (next, key) => {
      if (next.server && next.server !== 'demo') normalizeServerUrl(next.server); // refuse a bad URL even when --server wins
      const held = key === undefined ? heldKey : (key ?? undefined);
      const before = upstream.target;
      const target = resolveTarget(next, overrides, held, signInFor);
      const change = targetChange(before, target);
      const prepared = await upstream.prepare(target);
      return {
        commit: async () => {
          heldKey = held;
          await prepared.commit();
        },
        discard: prepared.discard,
        message: appliedMessage(change, target),
      };
    };
    const settingsChanges = settingsWriter(settingsStore, prepareSettings);
    const serverOverridden = overridden(overrides).server;
    const signInFlow = new SignInFlow({
      store: signIns,
      server: () => (upstream.target.mode === 'server' ? upstream.target.server : undefined),
      acceptServer: (server) => {
        // --server, --demo or PUSH_RELAY_SERVER win over settings: a saved server would not be used until restart.
        const current = upstream.target.mode === 'server' ? upstream.target.server.base : undefined;
        if (serverOverridden && server.base !== current) {
          throw new RelayError('config', 'sign_in_server_overridden', `this relay's server is set on its command line or environment (${current ?? 'demo mode'}); sign in to that one, or restart the relay without it`);
        }
      },
      // Queued with the Settings page's changes: a PUT and a finished sign-in never interleave. A sign-in to a
      // server named at its start saves that server (unless it is already the saved one) in the same change.
      apply: (server) =>
        settingsChanges.serial(async () => {
          const saved = settingsStore.read().server;
          const same = typeof saved === 'string' && saved !== 'demo' && safeBase(saved) === server?.base;
          await settingsChanges.applyNow(server && !same ? { server: server.base } : {}, undefined);
        }),
    });
    cleanup.push(() => signInFlow.cancel(undefined, 'the relay stopped'));

    const statusListeners = new Set<(s: RelayStatus) => void>();
    const startedAt = new Date().toISOString();
    let localUrl = '';
    const core: RelayCore = {
      inbox,
      sessions,
      claimLeaseMs: options.claimLeaseMs,
      control: upstream.control,
      status: () => ({
        version: VERSION,
        pid: process.pid,
        home: paths.home,
        mode: upstream.target.mode,
        server: upstream.serverUrl.base,
        client_id: upstream.target.clientId,
        started_at: startedAt,
        local_url: localUrl,
        upstream: upstream.streamStatus(),
        ...authStatus(upstream),
        sign_in: signInFlow.current(),
        inbox: { ...inbox.stats() },
        consumers: inbox.listConsumers(),
        ...(notifications ? { notifications: notifications.status() } : {}),
        upstreams: mcpUpstreams.status(),
      }),
      onStatus: (listener) => {
        statusListeners.add(listener);
        return () => statusListeners.delete(listener);
      },
    };
    // Whatever a status shows changed: everyone following the status (the stream, the tray) hears it.
    const broadcastStatus = () => {
      const s = core.status();
      for (const l of statusListeners) l(s);
    };
    cleanup.push(upstream.onChange(broadcastStatus));
    cleanup.push(mcpUpstreams.onChange(broadcastStatus));
    cleanup.push(signInFlow.onChange(broadcastStatus));
    if (notifications) cleanup.push(notifications.onChange(broadcastStatus));

    const mcp = options.mcp === false ? undefined : lazyMcpHttpHost(core, { log, ...options.mcp });
    const token = ensureLocalToken(paths);
    log.addSecret(token);
    const local: LocalServer = await startLocalServer({
      core,
      token,
      port: options.localPort ?? settings.localPort ?? DEFAULT_LOCAL_PORT,
      version: VERSION,
      log,
      // The inbox UI at `/` (static, no token: the page reads it from its URL fragment) and its settings API.
      extraRoutes: {
        ...mcp?.routes,
        ...(notifications && notificationRoutes(notifications)),
        ...options.extraRoutes,
        ...upstreamRoutes({ store: settingsStore, status: () => mcpUpstreams.status(), apply: (entries) => mcpUpstreams.apply(entries) }),
        ...signInRoutes(signInFlow),
        // Last, so no host replaces it: ONE settings handler over ONE store, applied live (settings-routes.ts).
        ...settingsRoutes({
          store: settingsStore,
          overridden: overridden(overrides),
          writeKey: options.writeKey,
          writer: settingsChanges,
          prepare: prepareSettings,
        }),
      },
      publicRoutes: { ...uiRoutes(), ...options.publicRoutes },
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        throw new RelayConfigError(`local port ${options.localPort ?? settings.localPort ?? DEFAULT_LOCAL_PORT} is in use; pick another with --local-port N (0 = any free port)`, 'port_in_use');
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
      settings: settingsStore,
      signIn: signInFlow,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** How the relay authenticates upstream, for `status`, the tray and the Settings page; never a token. */
function authStatus(upstream: LiveUpstream): Pick<RelayStatus, 'auth'> {
  const target = upstream.target;
  if (target.mode === 'demo') return { auth: { method: 'demo' } };
  const s = upstream.signInStatus();
  if (!s) return { auth: { method: 'api-key' } };
  return {
    auth: {
      method: 'oauth',
      signed_in: s.signedIn,
      subject: s.subject,
      scopes: s.scopes,
      expires_at: s.expiresAt === null ? null : new Date(s.expiresAt).toISOString(),
      refreshes: s.refreshes,
      stored_in: s.storedIn,
      problem: s.problem,
    },
  };
}

/** A saved server's normalized base, or undefined when it does not parse (the switch then refuses it as usual). */
function safeBase(server: string): string | undefined {
  try {
    return normalizeServerUrl(server).base;
  } catch {
    return undefined;
  }
}

function appliedMessage(change: 'none' | 'key' | 'connection', target: UpstreamTarget): string {
  if (change === 'none') return 'Saved and in use.';
  if (change === 'key') return 'Saved and in use: the relay reconnects with the new key.';
  return target.mode === 'demo'
    ? `Saved and in use: the relay switched to demo mode (the built-in reference server) as client ${target.clientId}.`
    : `Saved and in use: the relay reconnects to ${target.server.base} as client ${target.clientId}.`;
}
