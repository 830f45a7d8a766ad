// Local API for the notification policy at run time (mounted by relay/core/relay.ts as extra routes, so the
// local token, Host and Origin checks apply as on every /v1 route):
//   GET  /v1/notifications          → status (available, paused_until, counts…)
//   POST /v1/notifications/pause    {"for":"15m"|"1h"|"8h"|"tomorrow"} | {"minutes":N} | {"until":"<ISO>"} → status
//   POST /v1/notifications/resume   → status
// A pause lives in memory: it ends by itself, and a restarted relay starts unpaused.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_API } from '../protocol/local-api.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';
import { PauseBodySchema, PauseError, pauseRequestFromBody } from './pause.js';
import type { NotificationService } from './service.js';

export const NOTIFICATIONS_PATH = LOCAL_API.notifications;

function only(method: string, req: IncomingMessage, path: string): void {
  if (req.method !== method) throw new HttpError(405, 'method_not_allowed', `use ${method} on ${path}`, { allow: method });
}

export function notificationRoutes(service: NotificationService): Record<string, Handler> {
  return {
    [NOTIFICATIONS_PATH]: (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'HEAD') only('GET', req, NOTIFICATIONS_PATH);
      sendJson(res, 200, service.status());
    },
    [`${NOTIFICATIONS_PATH}/pause`]: async (req: IncomingMessage, res: ServerResponse) => {
      only('POST', req, `${NOTIFICATIONS_PATH}/pause`);
      const parsed = PauseBodySchema.safeParse(await readJson(req, 4096));
      if (!parsed.success) {
        throw new HttpError(400, 'invalid_request', 'send {"for":"15m"|"1h"|"8h"|"tomorrow"}, {"minutes":N} or {"until":"<ISO time>"}');
      }
      try {
        sendJson(res, 200, service.pause(pauseRequestFromBody(parsed.data)));
      } catch (err) {
        if (err instanceof PauseError) throw new HttpError(400, err.code, err.message);
        throw err;
      }
    },
    [`${NOTIFICATIONS_PATH}/resume`]: (req: IncomingMessage, res: ServerResponse) => {
      only('POST', req, `${NOTIFICATIONS_PATH}/resume`);
      sendJson(res, 200, service.resume());
    },
  };
}
