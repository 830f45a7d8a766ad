// `/v1/stream`: Server-Sent Events for the UI — the status on connect and on every change, and each new
// event as it lands. Browsers read it with fetch() (EventSource cannot send the Authorization header).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toApiEvent } from './api-events.js';
import type { RelayCore } from './core.js';

const KEEPALIVE_MS = 15_000;

export function openEventStream(core: RelayCore, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  const send = (event: string, data: unknown, id?: number) => {
    res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send('status', core.status());
  const offEvents = core.inbox.onAppend((events) => {
    for (const e of events) send('event', toApiEvent(e), e.seq);
  });
  const offStatus = core.onStatus((status) => send('status', status));
  // A comment line keeps proxies and idle timers from closing a quiet stream.
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const close = () => {
    clearInterval(keepalive);
    offEvents();
    offStatus();
  };
  req.on('close', close);
  res.on('close', close);
}
