// `/v1/sessions` (relay/protocol/local-api.ts): GET lists the sessions (`push-relay sessions`, the inbox page),
// POST is a hook's report (SessionStart, UserPromptSubmit, SessionEnd, the idle waiter starting). A report of
// a session seen for the first time in per-session mode creates its consumer at the head: its cursor starts
// at the session's start.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { RelayCore } from '../local/core.js';
import { LOCAL_API, SESSION_ID, SESSION_ID_RULE, type SessionReportResponse, type SessionsResponse } from '../protocol/local-api.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';
import { SessionRegistry } from './registry.js';
import { DEFAULT_SESSION_SETTINGS } from './settings.js';

const PathSchema = z.string().max(4096).refine((p) => !p.includes('\0'), 'no NUL bytes');

const ReportBody = z.strictObject({
  session_id: z.string().regex(SESSION_ID, SESSION_ID_RULE),
  event: z.enum(['start', 'prompt', 'stop', 'end', 'idle']),
  cwd: PathSchema.optional(),
  root: PathSchema.optional(),
  remote: z.string().max(1000).optional(),
});

const registries = new WeakMap<RelayCore, SessionRegistry>();

/** The core's session registry; a core built without one (tests, older hosts) gets one in shared mode. */
export function sessionsOf(core: RelayCore): SessionRegistry {
  if (core.sessions) return core.sessions;
  let registry = registries.get(core);
  if (!registry) registries.set(core, (registry = new SessionRegistry(DEFAULT_SESSION_SETTINGS)));
  return registry;
}

async function reportOf(req: IncomingMessage) {
  const parsed = ReportBody.safeParse(await readJson(req, 16 * 1024));
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

export function sessionRoutes(core: RelayCore): Record<string, Partial<Record<string, Handler>>> {
  const registry = sessionsOf(core);
  return {
    [LOCAL_API.sessions]: {
      GET: (_req, res, url) => {
        const includeGone = url.searchParams.get('include_gone') !== 'false';
        sendJson(res, 200, { mode: registry.mode, sessions: registry.list(includeGone) } satisfies SessionsResponse);
      },
      POST: async (req, res) => {
        const { record } = registry.report(await reportOf(req));
        if (!record.ended) for (const consumer of registry.consumersOf(record)) await core.inbox.consumer(consumer);
        sendJson(res, 200, { session: registry.view(record) } satisfies SessionReportResponse);
      },
    },
  };
}
