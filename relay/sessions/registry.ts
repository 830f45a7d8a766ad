// The live Claude Code sessions the relay knows (README "Sessions"): registered and refreshed by the hooks
// (SessionStart, UserPromptSubmit, Stop, SessionEnd and the idle waiter) and by the waits and hand-overs they
// make. A session is `gone` after SessionEnd, or when nothing refreshed it for SESSION_LEASE_MS while it had no
// wait open (a killed claude runs no SessionEnd). In memory only: a relay restart forgets them, and the next
// hook of each session registers it again. Bounded: ids are validated, at most MAX_SESSIONS are kept, gone
// ones first to go. No timers: expiry is computed when the registry is read, from an injectable clock.
import { createHash } from 'node:crypto';
import { compileFilter, type CompiledFilter } from '../protocol/filter.js';
import { SESSION_ID, SESSION_ID_RULE, type SessionHookEvent, type SessionMode, type SessionReport, type SessionState, type SessionView } from '../protocol/local-api.js';
import { topicMatches } from '../protocol/topic-glob.js';
import { RelayError } from '../util/errors.js';
import { projectMatches } from './project.js';
import type { SessionRoute, SessionSettings } from './settings.js';

/** The shared consumer of `shared` mode: the one the hooks and the stdio bridge use by default (DESIGN.md "Consumers"). */
export const SHARED_CONSUMER = 'claude-code';
/** A session nothing refreshed for this long, with no wait open, is gone: a turn of half an hour runs no hook. */
export const SESSION_LEASE_MS = 30 * 60_000;
/** Gone sessions stay listed this long, so `push-relay sessions` can say when one ended. */
export const GONE_KEPT_MS = 60 * 60_000;
/** Far above the sessions one person runs at once; a hostile caller cannot grow the registry past it. */
export const MAX_SESSIONS = 256;
/** Seqs remembered per session to ack them in the consumer they came from (the hooks list at most 10 per run). */
const MAX_REMEMBERED_SEQS = 1000;


export class InvalidSessionError extends RelayError {
  constructor(message: string) {
    super('bad_request', 'invalid_session', message);
  }
}

/** `session:<id>`, as relay/local/mcp/consumers.ts names it for `push-relay mcp --per-session`. */
export function perSessionConsumer(id: string): string {
  return `session:${id}`;
}

interface Route {
  consumer: string;
  project: string;
  topics: string[] | undefined;
  filter: CompiledFilter | undefined;
}

export interface SessionRecord {
  id: string;
  cwd: string | null;
  root: string | null;
  remote: string | null;
  state: SessionState;
  startedAt: number;
  lastSeenAt: number;
  lastHandoverAt: number | null;
  handedOver: number;
  /** True after SessionEnd: its waits end and its idle waiter stops. */
  ended: boolean;
  /** Open waits of this session: aborting them ends them (SessionEnd). */
  waits: Set<AbortController>;
  /** Open `wait_for_event` calls of this session: its idle waiter defers to them (one taker per session). */
  toolWaits: number;
  /** Open idle waits of this session. */
  idleWaits: number;
  /** Called whenever toolWaits changes. */
  toolWaitListeners: Set<() => void>;
  /** seq → consumer it was handed over from (acks by seqs go there). */
  handed: Map<number, string>;
}

export interface RegistryOptions {
  now?: () => number;
  leaseMs?: number;
  maxSessions?: number;
}

/** A route's consumer: named by what the route says, so reordering routes keeps each one's cursor. */
export function routeConsumer(route: SessionRoute): string {
  const key = JSON.stringify([route.project, route.topics ?? null, route.filter ?? null]);
  return `route:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export class SessionRegistry {
  private current: { mode: SessionMode; routes: Route[] } = { mode: 'shared', routes: [] };
  private readonly configureListeners = new Set<() => void>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly maxSessions: number;

  constructor(settings: SessionSettings, options: RegistryOptions = {}) {
    this.configure(settings);
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? SESSION_LEASE_MS;
    this.maxSessions = options.maxSessions ?? MAX_SESSIONS;
  }

  get mode(): SessionMode {
    return this.current.mode;
  }

  private get routes(): Route[] {
    return this.current.routes;
  }

  /**
   * New mode and routes (settings.json changed while the relay runs): every hand-over from now on picks its
   * consumers by them. Open waits hear it (`onConfigure`) and pick again; what was already handed over stays
   * with the consumer that took it (acks by seq still go there).
   */
  configure(settings: SessionSettings): void {
    const routes = settings.routes.map((r) => ({
      consumer: routeConsumer(r),
      project: r.project,
      topics: r.topics,
      filter: r.filter ? compileFilter(r.filter) : undefined,
    }));
    this.current = { mode: settings.mode, routes };
    for (const l of this.configureListeners) l();
  }

  /** Calls `listener` after every `configure`; returns the call that removes it. */
  onConfigure(listener: () => void): () => void {
    this.configureListeners.add(listener);
    return () => this.configureListeners.delete(listener);
  }

  /** Every route's consumer, in settings order. */
  routeConsumers(): string[] {
    return this.routes.map((r) => r.consumer);
  }

  /** The consumer of the first route the event matches, or undefined (unrouted: it follows the mode). */
  routeOf(event: { topic: string; payload: Record<string, unknown> }): string | undefined {
    for (const r of this.routes) {
      if (r.topics && !r.topics.some((t) => topicMatches(t, event.topic))) continue;
      if (r.filter && !r.filter.matches(event as Parameters<CompiledFilter['matches']>[0])) continue;
      return r.consumer;
    }
    return undefined;
  }

  /** The consumer a session takes unrouted events from: the shared one, or its own. */
  baseConsumer(id: string): string {
    return this.mode === 'per-session' ? perSessionConsumer(id) : SHARED_CONSUMER;
  }

  /** The consumers a session takes from: the routes its project matches, then its base consumer. */
  consumersOf(record: SessionRecord): string[] {
    const routed = this.routes.filter((r) => projectMatches(r.project, record)).map((r) => r.consumer);
    return [...routed, this.baseConsumer(record.id)];
  }

  /** The base consumers of live sessions (the router keeps routed events out of them). */
  liveBaseConsumers(): string[] {
    this.expire();
    if (this.mode === 'shared') return [SHARED_CONSUMER];
    return [...this.sessions.values()].filter((s) => s.state !== 'gone').map((s) => perSessionConsumer(s.id));
  }

  /** A hook's report: registers the session or refreshes it; `end` marks it gone and ends its waits. */
  report(report: SessionReport): { record: SessionRecord; created: boolean } {
    const { record, created } = this.ensure(report.session_id);
    if (report.cwd !== undefined) record.cwd = report.cwd;
    if (report.root !== undefined) record.root = report.root;
    if (report.remote !== undefined) record.remote = report.remote;
    const next: Record<SessionHookEvent, SessionState> = { start: 'working', prompt: 'working', stop: 'working', idle: 'idle-watching', end: 'gone' };
    if (report.event === 'end') {
      record.ended = true;
      for (const wait of record.waits) wait.abort();
    } else if (report.event === 'start') {
      // `claude --resume` of a session that ended here: it lives again.
      record.ended = false;
    }
    if (!record.ended || report.event === 'end') record.state = next[report.event];
    // SessionStart and Stop run their hooks in parallel: the idle waiter may already watch when their report lands.
    if ((report.event === 'start' || report.event === 'stop') && !record.ended && record.idleWaits > 0) record.state = 'idle-watching';
    return { record, created };
  }

  /** A call made for a session (pending, wait, ack): refreshes it, registering it if unknown. */
  touch(id: string): SessionRecord {
    return this.ensure(id).record;
  }

  /** A wait of the session begins; returns the signal that ends it at SessionEnd, and the call to end it. */
  beginWait(record: SessionRecord, idle: boolean, callerSignal: AbortSignal): { signal: AbortSignal; end(handedOver: boolean): void } {
    const controller = new AbortController();
    const onCaller = () => controller.abort();
    callerSignal.addEventListener('abort', onCaller, { once: true });
    if (callerSignal.aborted || record.ended) controller.abort();
    record.waits.add(controller);
    if (!record.ended) record.state = idle ? 'idle-watching' : 'waiting';
    if (idle) record.idleWaits++;
    else this.toolWaitsChanged(record, +1);
    let ended = false;
    return {
      signal: controller.signal,
      end: (handedOver) => {
        if (ended) return;
        ended = true;
        callerSignal.removeEventListener('abort', onCaller);
        record.waits.delete(controller);
        if (idle) record.idleWaits--;
        else this.toolWaitsChanged(record, -1);
        record.lastSeenAt = this.now();
        if (record.ended) return;
        // What was handed over starts a turn; otherwise the wait still open says what the session does (an idle
        // waiter that timed out polls again at once).
        if (handedOver) record.state = 'working';
        else if (record.toolWaits > 0) record.state = 'waiting';
        else if (record.idleWaits > 0) record.state = 'idle-watching';
      },
    };
  }

  private toolWaitsChanged(record: SessionRecord, by: number): void {
    record.toolWaits += by;
    for (const listener of [...record.toolWaitListeners]) listener();
  }

  /** Events were handed to the session from `consumer`. */
  handedOver(record: SessionRecord, consumer: string, seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    record.lastHandoverAt = this.now();
    record.handedOver += seqs.length;
    for (const seq of seqs) record.handed.set(seq, consumer);
    while (record.handed.size > MAX_REMEMBERED_SEQS) record.handed.delete(record.handed.keys().next().value as number);
  }

  /** Splits seqs by the consumer they were handed over from (unknown ones: the base consumer). */
  consumersOfSeqs(record: SessionRecord, seqs: readonly number[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const seq of seqs) {
      const consumer = record.handed.get(seq) ?? this.baseConsumer(record.id);
      out.set(consumer, [...(out.get(consumer) ?? []), seq]);
    }
    return out;
  }

  get(id: string): SessionRecord | undefined {
    this.expire();
    return this.sessions.get(id);
  }

  list(includeGone = true): SessionView[] {
    this.expire();
    return [...this.sessions.values()]
      .filter((s) => includeGone || s.state !== 'gone')
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
      .map((s) => this.view(s));
  }

  view(s: SessionRecord): SessionView {
    const iso = (t: number) => new Date(t).toISOString();
    return {
      session_id: s.id,
      cwd: s.cwd,
      root: s.root,
      remote: s.remote,
      state: s.state,
      started_at: iso(s.startedAt),
      last_seen_at: iso(s.lastSeenAt),
      last_handover_at: s.lastHandoverAt === null ? null : iso(s.lastHandoverAt),
      handed_over: s.handedOver,
      consumers: this.consumersOf(s),
    };
  }

  private ensure(id: string): { record: SessionRecord; created: boolean } {
    if (!SESSION_ID.test(id)) throw new InvalidSessionError(SESSION_ID_RULE);
    this.expire();
    const now = this.now();
    const known = this.sessions.get(id);
    if (known) {
      known.lastSeenAt = now;
      if (known.state === 'gone' && !known.ended) known.state = 'working'; // lease ran out, yet it is back
      return { record: known, created: false };
    }
    if (this.sessions.size >= this.maxSessions) this.evictOne();
    const record: SessionRecord = {
      id, cwd: null, root: null, remote: null, state: 'working', startedAt: now, lastSeenAt: now,
      lastHandoverAt: null, handedOver: 0, ended: false, waits: new Set(), toolWaits: 0, idleWaits: 0, toolWaitListeners: new Set(), handed: new Map(),
    };
    this.sessions.set(id, record);
    return { record, created: true };
  }

  /** Makes room: the longest-gone session, else the one seen least recently without a wait open. */
  private evictOne(): void {
    const all = [...this.sessions.values()].sort((a, b) => a.lastSeenAt - b.lastSeenAt);
    const victim = all.find((s) => s.state === 'gone') ?? all.find((s) => s.waits.size === 0);
    if (!victim) throw new InvalidSessionError(`already ${this.sessions.size} live sessions with a wait open; end some first`);
    this.sessions.delete(victim.id);
  }

  private expire(): void {
    const now = this.now();
    for (const s of this.sessions.values()) {
      if (s.state !== 'gone' && s.waits.size === 0 && now - s.lastSeenAt > this.leaseMs) s.state = 'gone';
      if (s.state === 'gone' && s.waits.size === 0 && now - s.lastSeenAt > GONE_KEPT_MS) this.sessions.delete(s.id);
    }
  }
}
