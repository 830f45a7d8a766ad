// The hooks' calls to the running relay (relay.json + local-token, then one GET over raw-get.ts: node:net,
// which reading stdin has loaded already, not node:http, which costs ~5 ms of start-up; see raw-get.ts).
// Every failure — no relay.json, a dead port, a hung or erroring relay — comes back as `undefined`: hooks fail
// open and silent (DESIGN.md "Stop hook"). The client modules load only once relay.json exists: with no relay
// running, a hook answers without paying for them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_API, localApiPath, type AckRequest, type HandOverPath, type PendingResponse, type SessionHookEvent, type SessionReport } from '../protocol/local-api.js';
import type { RelayEndpoint } from '../client/endpoint.js';
import type { HookEvent } from './format.js';

export interface PendingAnswer {
  consumer: string;
  events: HookEvent[];
  /** Events still pending after the listed ones. */
  pending: number;
  /** The relay that handed them over: the ack goes to it (found once, trust-checked once). */
  relay: RelayEndpoint;
  /** The session they were handed to: the relay acks them in the consumers they came from. */
  session?: string | undefined;
}

export interface PendingRequest {
  consumer: string;
  limit: number;
  ack: boolean;
  /** Hand the events over (claimed for a lease, so another session's hook skips them) instead of only looking. */
  claim?: boolean;
  /** The hook's hand-over path, for the delivery receipt. */
  via: HandOverPath;
  /** The Claude Code session asking: the relay picks its consumers (mode, routes) and records the hand-over. */
  session?: string | undefined;
  timeoutMs: number;
}

/**
 * `GET /v1/pending`. The hooks list WITHOUT acking, then ack what they will print (`ackListed`): a relay that
 * answers after the hook gave up (hung, then back) must not have acked events nobody showed the agent.
 */
export async function fetchPending(home: string, req: PendingRequest): Promise<PendingAnswer | undefined> {
  if (req.timeoutMs <= 0) return undefined;
  if (!existsSync(join(home, 'relay.json'))) return undefined;
  try {
    const [{ findRelay }, { rawGet }] = await Promise.all([import('../client/endpoint.js'), import('../client/raw-get.js')]);
    const relay = findRelay(home);
    const path = localApiPath(LOCAL_API.pending, { consumer: req.consumer, limit: req.limit, ack: req.ack, claim: req.claim, via: req.via, session: req.session });
    const res = await rawGet(relay.url, path, { authorization: `Bearer ${relay.token}` }, req.timeoutMs);
    if (res.status !== 200) return undefined;
    const answer = JSON.parse(res.body) as Partial<PendingResponse> | null;
    if (!answer || !Array.isArray(answer.events)) return undefined;
    return { consumer: String(answer.consumer ?? req.consumer), events: answer.events, pending: Number(answer.pending) || 0, relay, session: req.session };
  } catch {
    return undefined;
  }
}

/**
 * Acks exactly the listed events (`POST /v1/ack` with their seqs: older ones may be claimed by another taker,
 * which acks them itself). Returns false when the ack may not have happened; the caller prints anyway, so the
 * events are handed over once more after the claim's lease (at least once) but are never lost.
 */
export async function ackListed(answer: PendingAnswer, timeoutMs: number): Promise<boolean> {
  const { relay, consumer } = answer;
  const seqs = answer.events.map((e) => e.seq).filter((s): s is number => s !== undefined);
  if (seqs.length === 0 || timeoutMs <= 0) return false;
  try {
    const { rawRequest } = await import('../client/raw-get.js');
    const body: AckRequest = { consumer, seqs, ...(answer.session ? { session: answer.session } : {}) };
    const res = await rawRequest(relay.url, LOCAL_API.ack, { authorization: `Bearer ${relay.token}` }, timeoutMs, JSON.stringify(body));
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * `POST /v1/sessions`: tells the relay this session exists, what it is doing and its project (cwd, repository
 * root and remote, computed here from the file system). Fails open and silent like every hook call.
 */
export async function reportSession(home: string, sessionId: string | undefined, event: SessionHookEvent, cwd: string | undefined, timeoutMs: number): Promise<boolean> {
  if (!sessionId || timeoutMs <= 0) return false;
  if (!existsSync(join(home, 'relay.json'))) return false;
  try {
    const [{ findRelay }, { rawRequest }, { projectOf }] = await Promise.all([
      import('../client/endpoint.js'),
      import('../client/raw-get.js'),
      import('./project.js'),
    ]);
    const relay = findRelay(home);
    const body: SessionReport = { session_id: sessionId, event, ...projectOf(cwd) };
    const res = await rawRequest(relay.url, LOCAL_API.sessions, { authorization: `Bearer ${relay.token}` }, timeoutMs, JSON.stringify(body));
    return res.status === 200;
  } catch {
    return false;
  }
}
