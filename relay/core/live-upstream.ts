// The relay's upstream, switchable while it runs: one push stream and its control-plane client for the current
// target (relay/core/upstream-target.ts), plus the embedded reference server and its demo feed in demo mode.
// A new key on the same server is handed to the running stream (the way out of `unauthorized`); a new server,
// client id or mode builds a new stream and control client and retires the old ones — no restart. The inbox keeps
// sources apart by identity (server, tenant: DESIGN.md "Identity"), so the new server resumes from its own cursor
// and the old one's cursor stays for when it comes back. The client id is not part of that identity: event ids
// are the tenant's, so a new client id on the same tenant resumes from the same durable point.
//
// Switching is two steps so the Settings route can validate everything that needs I/O (starting the embedded
// server, the demo subscription) before it writes settings.json: `prepare(target)` builds the new upstream
// without touching the running one; `commit()` swaps and retires the old; `discard()` undoes a prepare.
import { randomBytes } from 'node:crypto';
import { OAuthSession, type SignInStatus } from '../auth/session.js';
import type { SignInStore } from '../auth/sign-in-store.js';
import type { HomePaths } from '../config/home.js';
import type { Inbox } from '../inbox/types.js';
import type { ControlPlane } from '../local/core.js';
import { startDemoFeed, type DemoFeed } from '../reference-server/demo.js';
import { DEMO_TENANT } from '../reference-server/demo-identity.js';
// The server module loads the MCP SDK's server side, which only demo mode needs: imported on demand below.
import type { ReferenceServer } from '../reference-server/server.js';
import { LazyControlClient } from '../upstream/lazy-control-client.js';
import { PushStream, type PushStreamStatus } from '../upstream/push-stream.js';
import { normalizeServerUrl, type ServerUrl } from '../upstream/server-url.js';
import type { Logger } from '../util/log.js';
import { targetChange, type UpstreamTarget } from './upstream-target.js';

export interface LiveUpstreamDeps {
  paths: HomePaths;
  inbox: Inbox;
  log: Logger;
  /** Expected heartbeat interval of the push server (watchdog = 2.5×); also the embedded server's. */
  heartbeatMs: number;
  /** Demo feed pace (tests use a fast one). */
  demoIntervalMs?: number;
  /** Where OAuth sign-ins are kept (`push-relay login`); needed for a target with `signIn`. */
  signIns?: SignInStore;
}

/** One target's stream and control client (and demo feed). */
interface Session {
  /** Replaced in place by a change of key alone. */
  target: UpstreamTarget;
  readonly urls: ServerUrl;
  readonly stream: PushStream;
  readonly control: LazyControlClient;
  /** The OAuth sign-in's credentials, for a target with `signIn`; replaced with the credentials. */
  oauth?: OAuthSession;
  feed?: DemoFeed;
  offOpen?: () => void;
}

export interface PreparedSwitch {
  /** Swaps to the prepared upstream and retires the old one. */
  commit(): Promise<void>;
  /** Undoes `prepare` (the running upstream was never touched). */
  discard(): Promise<void>;
}

export class LiveUpstream {
  readonly #d: LiveUpstreamDeps;
  #session!: Session;
  #reference: ReferenceServer | undefined;
  readonly #listeners = new Set<() => void>();
  #offStatus: (() => void) | undefined;
  /**
   * The embedded demo server's token. Not the public demo token: any local process (or a rebinding page) could
   * inject events that reach the agent with it. Fresh per relay start, known only in-process, a log secret.
   */
  readonly #demoToken = randomBytes(32).toString('base64url');

  private constructor(deps: LiveUpstreamDeps) {
    this.#d = deps;
  }

  /** Builds the upstream for `target` and starts its stream. */
  static async start(target: UpstreamTarget, deps: LiveUpstreamDeps): Promise<LiveUpstream> {
    const live = new LiveUpstream(deps);
    await (await live.prepare(target)).commit();
    return live;
  }

  get target(): UpstreamTarget {
    return this.#session.target;
  }

  get serverUrl(): ServerUrl {
    return this.#session.urls;
  }

  streamStatus(): PushStreamStatus {
    return this.#session.stream.status();
  }

  /** Who is signed in and with which scopes, when the upstream uses an OAuth sign-in. */
  signInStatus(): SignInStatus | undefined {
    return this.#session.oauth?.status();
  }

  /** The control plane of whatever upstream is current at the time of each call. */
  readonly control: ControlPlane = {
    subscribe: (input) => this.#session.control.subscribe(input),
    unsubscribe: (id) => this.#session.control.unsubscribe(id),
    listSubscriptions: (includeDeleted) => this.#session.control.listSubscriptions(includeDeleted),
    listTopics: (category) => this.#session.control.listTopics(category),
  };

  /** Called on every stream status change and after every switch. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Prepares a switch to `target`. A change of key alone needs no new stream: commit hands the key to the running
   * one (it reconnects at once when it was refused, with the new key's source). Throws when the new upstream
   * cannot be built (the embedded server does not start, the demo subscription fails); nothing changed then.
   */
  async prepare(target: UpstreamTarget): Promise<PreparedSwitch> {
    const current = this.#session as Session | undefined;
    const change = current ? targetChange(current.target, target) : 'connection';
    if (change === 'none') return { commit: async () => undefined, discard: async () => undefined };
    if (change === 'key' && current && target.mode === 'server') {
      const oauth = target.signIn ? this.#oauthSession(target.server) : undefined;
      return {
        commit: async () => {
          if (oauth) {
            current.stream.setCredentials(oauth, target.source);
            current.control.setApiKey('', oauth);
          } else {
            this.#d.log.addSecret(target.apiKey);
            current.stream.setApiKey(target.apiKey, target.source);
            current.control.setApiKey(target.apiKey);
          }
          current.oauth = oauth;
          current.target = target;
          this.#changed();
        },
        discard: async () => undefined,
      };
    }
    const startedReference = target.mode === 'demo' && !this.#reference ? await this.#startReference() : undefined;
    const reference = startedReference ?? this.#reference;
    let next: Session;
    try {
      next = await this.#build(target, reference);
    } catch (err) {
      await startedReference?.close();
      throw err;
    }
    return {
      commit: async () => {
        if (startedReference) this.#reference = startedReference;
        const old = this.#session as Session | undefined;
        this.#session = next;
        this.#offStatus?.();
        this.#offStatus = next.stream.onStatus(() => this.#changed());
        next.stream.start();
        this.#changed();
        if (old) {
          this.#d.log.info(`upstream: switched to ${describe(next)} (was ${describe(old)})`);
          await this.#retire(old);
        }
        // Leaving demo mode stops the embedded server; nothing else uses it.
        if (target.mode !== 'demo' && this.#reference) {
          const ref = this.#reference;
          this.#reference = undefined;
          await ref.close();
        }
      },
      discard: async () => {
        await this.#retire(next);
        await startedReference?.close();
      },
    };
  }

  async close(): Promise<void> {
    this.#offStatus?.();
    const session = this.#session as Session | undefined;
    if (session) await this.#retire(session);
    await this.#reference?.close();
    this.#reference = undefined;
  }

  async #startReference(): Promise<ReferenceServer> {
    const { paths, heartbeatMs, log } = this.#d;
    const { startReferenceServer } = await import('../reference-server/server.js');
    const reference = await startReferenceServer({ port: 0, dataDir: paths.demoServer, tokens: { [this.#demoToken]: DEMO_TENANT }, checkHost: true, heartbeatMs });
    log.info(`demo mode: embedded reference server at ${reference.url} with generated events`);
    return reference;
  }

  async #build(target: UpstreamTarget, reference: ReferenceServer | undefined): Promise<Session> {
    const { inbox, heartbeatMs, log } = this.#d;
    const apiKey = target.mode === 'demo' ? this.#demoToken : target.apiKey;
    const urls = target.mode === 'demo' ? normalizeServerUrl(reference!.url) : target.server;
    if (apiKey) log.addSecret(apiKey);
    const oauth = target.mode === 'server' && target.signIn ? this.#oauthSession(urls) : undefined;
    const control = new LazyControlClient({ server: urls, apiKey, credentials: oauth, clientId: target.clientId });
    const stream = new PushStream({
      server: urls,
      apiKey,
      credentials: oauth,
      clientId: target.clientId,
      source: target.source,
      inbox,
      heartbeatMs,
      log: (line: string) => log.info(line),
    });
    const session: Session = { target, urls, stream, control, oauth };
    if (target.mode === 'demo') {
      try {
        // A newcomer sees everything the demo world does; idempotent, so every start is safe.
        await control.subscribe({ topic: ['*'], client_label: 'Push Relay demo' });
      } catch (err) {
        await control.close();
        throw err;
      }
      // Start generating once the stream is open: a first-ever connect starts at the server's head, so an
      // event emitted before it would never reach this inbox.
      session.offOpen = stream.onStatus((s) => {
        if (s.state !== 'open' || session.feed) return;
        session.feed = startDemoFeed((input) => reference!.emit(DEMO_TENANT, input), {
          intervalMs: this.#d.demoIntervalMs,
          onError: (err) => log.warn(`demo emit failed: ${(err as Error).message}`),
        });
      });
    }
    return session;
  }

  #oauthSession(server: ServerUrl): OAuthSession {
    const { signIns, log } = this.#d;
    if (!signIns) throw new Error('a signed-in target needs LiveUpstreamDeps.signIns');
    return new OAuthSession({ server, store: signIns, log: (line) => log.warn(line) });
  }

  async #retire(session: Session): Promise<void> {
    session.offOpen?.();
    session.feed?.stop();
    await session.stream.stop();
    await session.control.close();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

function describe(s: Session): string {
  return s.target.mode === 'demo' ? `demo mode as ${s.target.clientId}` : `${s.urls.base} as ${s.target.clientId}`;
}
