// The relay's local HTTP API (DESIGN.md "Local HTTP"): /v1/* for hooks, the CLI and the UI.
// Every handler validates its input with zod and answers errors as `{ error: { code, message } }`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { DEFAULT_CONSUMER } from '../inbox/types.js';
import { HAND_OVER_PATHS, LOCAL_API, SESSION_ID, SESSION_ID_RULE, type EventsResponse, type ReceiptsResponse, type SubscriptionsResponse } from '../protocol/local-api.js';
import { CategorySchema, SubscribeInputSchema } from '../protocol/tools.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';
import { toApiEvent } from './api-events.js';
import { consumerOps } from './consumer-ops.js';
import type { RelayCore } from './core.js';
import { openEventStream } from './event-stream.js';
import { unsubscribeKnown } from './unknown-subscription.js';
import { sessionRoutes, sessionsOf } from '../sessions/routes.js';
import { sessionOps } from '../sessions/session-ops.js';

export const ConsumerNameSchema = z
  .string()
  .regex(/^[\w.:@-]{1,100}$/, 'consumer names use letters, digits and _ . : @ - (at most 100)');

const TopicSchema = z.string().min(1).max(200);
/** The hand-over path and the taker's session, for the delivery receipt (relay/protocol/local-api.ts). */
const ViaSchema = z.enum(HAND_OVER_PATHS);
const SessionSchema = z.string().regex(SESSION_ID, SESSION_ID_RULE);
const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const PendingQuery = z.strictObject({
  consumer: ConsumerNameSchema.default(DEFAULT_CONSUMER),
  topic: TopicSchema.optional(),
  limit: intParam(1, 1000).default(50),
  ack: boolParam.default(false),
  claim: boolParam.default(false),
  start: z.enum(['head', 'earliest']).optional(),
  via: ViaSchema.default('http'),
  session: SessionSchema.optional(),
});

const WaitQuery = z.strictObject({
  consumer: ConsumerNameSchema.default(DEFAULT_CONSUMER),
  topic: TopicSchema.optional(),
  limit: intParam(1, 1000).default(10),
  timeout_ms: intParam(0, 3_600_000).default(30_000),
  ack: boolParam.default(false),
  via: ViaSchema.default('http'),
  session: SessionSchema.optional(),
  idle: boolParam.default(false),
  taker: SessionSchema.optional(),
});

const EventsQuery = z.strictObject({
  since: intParam(0, Number.MAX_SAFE_INTEGER).optional(),
  topic: TopicSchema.optional(),
  limit: intParam(1, 1000).default(50),
  // A follower that shows what it reads (the channel, `watch`) says so: the events get a receipt.
  via: ViaSchema.optional(),
  consumer: ConsumerNameSchema.optional(),
  session: SessionSchema.optional(),
});

const AckBody = z
  .strictObject({
    consumer: ConsumerNameSchema.default(DEFAULT_CONSUMER),
    up_to_seq: z.number().int().nonnegative().optional(),
    up_to_event_id: z.number().int().nonnegative().optional(),
    seqs: z.array(z.number().int().positive()).min(1).max(1000).optional(),
    session: z.string().regex(/^[\w.-]{1,92}$/).optional(),
  })
  .refine((b) => [b.up_to_seq, b.up_to_event_id, b.seqs].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of up_to_seq, up_to_event_id or seqs',
  });

const SubscribeBody = SubscribeInputSchema.omit({ client_id: true });

function query<T extends z.ZodType>(schema: T, url: URL): z.infer<T> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw badRequest(parsed.error);
  return parsed.data;
}

async function body<T extends z.ZodType>(schema: T, req: IncomingMessage): Promise<z.infer<T>> {
  const parsed = schema.safeParse(await readJson(req, 64 * 1024));
  if (!parsed.success) throw badRequest(parsed.error);
  return parsed.data;
}

function badRequest(error: z.ZodError): HttpError {
  const message = error.issues
    .map((i) => (i.code === 'unrecognized_keys' ? `unknown parameter(s) ${i.keys.join(', ')}` : `${i.path.join('.') || 'request'}: ${i.message}`))
    .join('; ');
  return new HttpError(400, 'invalid_request', message);
}


export function v1Routes(core: RelayCore): Record<string, Partial<Record<string, Handler>>> {
  const ops = consumerOps(core.inbox, { leaseMs: core.claimLeaseMs });
  // With `session`, the relay picks the session's consumers (relay/sessions/).
  const sessions = sessionOps(core.inbox, sessionsOf(core), ops);
  return {
    ...sessionRoutes(core),
    [LOCAL_API.status]: { GET: (_req, res) => sendJson(res, 200, core.status()) },

    [LOCAL_API.pending]: {
      GET: async (_req, res, url) => {
        const q = query(PendingQuery, url);
        sendJson(res, 200, q.session ? await sessions.pending({ ...q, session: q.session }) : await ops.pending(q));
      },
    },

    [LOCAL_API.wait]: {
      GET: async (_req, res, url) => {
        const q = query(WaitQuery, url);
        // A long-poll: stop waiting the moment the caller goes away (hooks get killed, users hit ^C). Only then:
        // aborting after a response that went out whole wakes nothing, yet builds an AbortError (a stack trace)
        // and dispatches it, ~7% of the relay's CPU when 1,000 long-polls are released (test/bench/waiters.ts).
        const abort = new AbortController();
        res.on('close', () => {
          if (!res.writableFinished) abort.abort();
        });
        // A taker's wait (wait_for_event of a session, on a consumer it names itself) is the session's in the receipt too.
        const plain = (signal: AbortSignal) => ops.wait({ ...q, session: q.session ?? q.taker, timeoutMs: q.timeout_ms, signal });
        const answer = q.session
          ? await sessions.wait({ ...q, session: q.session, timeoutMs: q.timeout_ms, signal: abort.signal })
          : q.taker
            ? await sessions.takerWait(q.taker, abort.signal, plain)
            : await plain(abort.signal);
        if (abort.signal.aborted) return; // nobody is left to answer
        sendJson(res, 200, answer);
      },
    },

    [LOCAL_API.ack]: {
      POST: async (req, res) => {
        const b = await body(AckBody, req);
        if (b.session && b.seqs) return sendJson(res, 200, await sessions.ack(b.session, b.seqs));
        if (b.session && b.up_to_event_id !== undefined) return sendJson(res, 200, await sessions.ackUpTo(b.session, b.up_to_event_id));
        const state = await ops.ack(
          b.seqs !== undefined
            ? { consumer: b.consumer, seqs: b.seqs }
            : b.up_to_seq === undefined
              ? { consumer: b.consumer, upToEventId: b.up_to_event_id! }
              : { consumer: b.consumer, upToSeq: b.up_to_seq },
        );
        sendJson(res, 200, state);
      },
    },

    [LOCAL_API.events]: {
      GET: (_req, res, url) => {
        const q = query(EventsQuery, url);
        const events =
          q.since === undefined
            ? core.inbox.recent(q.limit, { topic: q.topic })
            : core.inbox.readSince(q.since, { topic: q.topic, limit: q.limit });
        if (q.via !== undefined && events.length > 0) {
          // Not awaited: a receipt never delays or fails a read (consumer-ops.ts).
          core.inbox.recordReceipts(events.map((e) => e.seq), { via: q.via, consumer: q.consumer, session: q.session }).catch(() => {});
        }
        sendJson(res, 200, { events: events.map(toApiEvent), head: core.inbox.head() } satisfies EventsResponse);
      },
    },

    [LOCAL_API.stream]: { GET: (req, res) => openEventStream(core, req, res) },

    [LOCAL_API.subscriptions]: {
      GET: async (_req, res, url) => {
        const includeDeleted = url.searchParams.get('include_deleted') === 'true';
        sendJson(res, 200, { subscriptions: await core.control.listSubscriptions(includeDeleted) } satisfies SubscriptionsResponse);
      },
      POST: async (req, res) => sendJson(res, 200, await core.control.subscribe(await body(SubscribeBody, req))),
    },

    [LOCAL_API.topics]: {
      GET: async (_req, res, url) => {
        const q = query(z.strictObject({ category: CategorySchema.optional() }), url);
        sendJson(res, 200, await core.control.listTopics(q.category));
      },
    },
  };
}

/** `GET /v1/events/<seq>/receipts` (relay/protocol/local-api.ts eventReceiptsPath): the event's delivery receipts. */
export function receiptsRoute(core: RelayCore, res: ServerResponse, seq: number): void {
  const event = core.inbox.get(seq);
  const found = event && core.inbox.receipts(seq);
  if (!event || !found) throw new HttpError(404, 'not_found', `no event with seq ${seq} in the inbox (never stored, or dropped by retention)`);
  const body: ReceiptsResponse = {
    seq,
    event_id: event.event_id,
    server: event.server,
    topic: event.topic,
    receipts: found.receipts.map((r) => ({ via: r.via, at: r.at, consumer: r.consumer ?? null, session: r.session ?? null, acked_at: r.acked_at ?? null })),
    overflow: found.overflow,
  };
  sendJson(res, 200, body);
}

/** `DELETE /v1/subscriptions/<id>` has a path parameter, so it is matched by prefix. */
export async function unsubscribeRoute(core: RelayCore, res: ServerResponse, id: string): Promise<void> {
  if (!/^[\w-]{1,200}$/.test(id)) throw new HttpError(400, 'invalid_request', 'subscription id looks wrong');
  sendJson(res, 200, await unsubscribeKnown(core.control, id));
}
