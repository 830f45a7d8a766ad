// The one interactive sign-in a running relay does (seed 001's OAuth path), shared by every host: the Settings
// page's Sign in (through /v1/sign-in, relay/local/sign-in-routes.ts) and the tray's (main/sign-in.ts) both start
// it here, so the flow (sign-in.ts: the SDK's discovery, registration, PKCE and the loopback redirect) runs in one
// place, and so does the switch of the running relay to the result (`apply`, the settings route's live switch).
//
// One sign-in at a time: a second start CANCELS the first rather than reusing it. The person pressing Sign in
// again has usually lost the first browser tab; a fresh authorization URL is what they need, and the first one's
// state and PKCE verifier die with it, so an approval in a stale tab is refused by the loopback listener's state
// check (RFC 6749 §10.12) instead of signing in behind the newer attempt's back.
import { randomBytes } from 'node:crypto';
import { neutralizeText } from '../protocol/untrusted-text.js';
import type { SignInAttempt } from '../protocol/local-api.js';
import type { FetchFn } from '../upstream/guarded-fetch.js';
import type { ServerUrl } from '../upstream/server-url.js';
import { RelayError } from '../util/errors.js';
import type { SignInStore } from './sign-in-store.js';

export interface SignInFlowOptions {
  store: SignInStore;
  /** The push server the relay uses now; undefined in demo mode (nothing to sign in to). */
  server: () => ServerUrl | undefined;
  /**
   * Switches the running relay to what the store now holds (relay/core/relay.ts: the settings route's switch, in
   * its queue). With `server`, the sign-in was to that server, named at the start: it is saved as the server too.
   */
  apply: (server?: ServerUrl) => Promise<void>;
  /** Refuses (throws a RelayError) a server named at the start that the relay could not switch to. */
  acceptServer?: (server: ServerUrl) => void;
  fetch?: FetchFn;
  /** How long to wait for the browser (sign-in.ts default: 5 minutes). */
  timeoutMs?: number;
  now?: () => number;
}

export interface StartedSignIn {
  /** The attempt once its authorization URL is known. */
  attempt: SignInAttempt;
  /** Settles (never rejects) with the attempt's end: signed_in, failed or cancelled. */
  done: Promise<SignInAttempt>;
}

/** Server and sign-in text shown on the page and in the status: one line, clipped, no controls. */
const said = (text: unknown) => neutralizeText(text, 300);

export class SignInFlow {
  readonly #o: SignInFlowOptions;
  readonly #listeners = new Set<() => void>();
  #attempt: SignInAttempt | null = null;
  #abort: AbortController | undefined;

  constructor(options: SignInFlowOptions) {
    this.#o = options;
  }

  /** The latest attempt (a copy), or null when none was started since the relay started. */
  current(): SignInAttempt | null {
    return this.#attempt && { ...this.#attempt, scopes: [...this.#attempt.scopes] };
  }

  /** Called whenever the latest attempt changes state. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts a sign-in to the configured server (cancelling one in progress) and answers once the authorization URL
   * is known; `open` also gets it (the tray opens the system browser; the page opens it itself). Throws when the
   * sign-in fails before that (no server, no OAuth on it, registration refused): a RelayError saying which.
   * `requested` names the server to sign in to (a newcomer in demo mode has none saved); once signed in, the relay
   * saves it and switches to it, so a sign-in is a way to set the server without an API key.
   */
  async start(open?: (url: URL) => void | Promise<void>, requested?: ServerUrl): Promise<StartedSignIn> {
    if (requested) this.#o.acceptServer?.(requested);
    const server = requested ?? this.#o.server();
    if (!server) throw new RelayError('config', 'sign_in_needs_server', 'demo mode needs no sign-in; name the push server to sign in to (or save its URL first), then sign in');
    this.cancel(undefined, 'replaced by a newer sign-in');
    const abort = new AbortController();
    this.#abort = abort;
    const attempt: SignInAttempt = {
      id: randomBytes(8).toString('hex'),
      server: server.base,
      state: 'pending',
      authorization_url: null,
      started_at: new Date((this.#o.now ?? Date.now)()).toISOString(),
      subject: null,
      scopes: [],
      problem: null,
    };
    this.#attempt = attempt;
    let shown!: () => void;
    const urlKnown = new Promise<void>((resolve) => (shown = resolve));
    // The flow (and the MCP SDK client under it) loads when someone signs in, not on the relay's start path.
    const finished = import('./sign-in.js').then(({ signIn }) => signIn({
      server,
      store: this.#o.store,
      fetch: this.#o.fetch,
      timeoutMs: this.#o.timeoutMs,
      now: this.#o.now,
      signal: abort.signal,
      open: async (url) => {
        attempt.authorization_url = url.href;
        shown();
        this.#changed();
        await open?.(url);
      },
    }));
    const done = (async (): Promise<SignInAttempt> => {
      try {
        const record = await finished;
        if (abort.signal.aborted) return attempt;
        await this.#o.apply(requested);
        this.#end(attempt, { state: 'signed_in', subject: said(record.subject ?? 'unknown'), scopes: (record.tokens?.scope ?? '').split(' ').filter(Boolean).map((s) => said(s)) });
      } catch (err) {
        if (abort.signal.aborted) return attempt; // cancel() already said why
        this.#end(attempt, { state: 'failed', problem: said(err instanceof Error ? err.message : err) });
      } finally {
        if (this.#abort === abort) this.#abort = undefined;
      }
      return { ...attempt };
    })();
    await Promise.race([urlKnown, finished.catch(() => undefined)]);
    if (attempt.authorization_url === null) {
      const failed = await done;
      throw new RelayError('config', 'sign_in_failed', failed.problem ?? 'the sign-in did not start');
    }
    return { attempt: { ...attempt }, done };
  }

  /** Cancels the sign-in in progress (only `id`'s when given). True when one was cancelled. */
  cancel(id?: string, why = 'cancelled'): boolean {
    const attempt = this.#attempt;
    if (!attempt || attempt.state !== 'pending' || (id !== undefined && id !== attempt.id)) return false;
    this.#end(attempt, { state: 'cancelled', problem: why });
    this.#abort?.abort();
    this.#abort = undefined;
    return true;
  }

  /**
   * As `push-relay logout`: revokes the grant on the server (best effort), removes it from the store, and switches
   * the running relay back to its API key. A sign-in in progress is cancelled first. False when none was stored.
   */
  async signOut(): Promise<boolean> {
    const server = this.#o.server();
    if (!server) return false;
    this.cancel(undefined, 'cancelled by signing out');
    const { signOut } = await import('./sign-in.js');
    const had = await signOut(server, this.#o.store, this.#o.fetch);
    if (had) await this.#o.apply();
    return had;
  }

  #end(attempt: SignInAttempt, patch: Partial<SignInAttempt>): void {
    Object.assign(attempt, patch);
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
