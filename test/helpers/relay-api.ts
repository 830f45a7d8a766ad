// Calls a running relay's local API the way a client would (token from <home>/local-token).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RelayApi {
  url: string;
  token: string;
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
  raw(path: string, init?: RequestInit): Promise<Response>;
}

export function relayApi(url: string, home: string): RelayApi {
  const token = readFileSync(join(home, 'local-token'), 'utf8').trim();
  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const json = async <T>(res: Response): Promise<T> => {
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  return {
    url,
    token,
    raw,
    get: async (path) => json(await raw(path)),
    post: async (path, body) => json(await raw(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })),
  };
}

/** Every event the inbox holds, oldest first, paging through /v1/events?since=. */
export async function allEvents(api: RelayApi): Promise<{ seq: number; event_id: number; topic: string; payload: Record<string, unknown> }[]> {
  const out: { seq: number; event_id: number; topic: string; payload: Record<string, unknown> }[] = [];
  let since = 0;
  for (;;) {
    const { events } = await api.get<{ events: typeof out }>(`/v1/events?since=${since}&limit=1000`);
    if (events.length === 0) return out;
    out.push(...events);
    since = events.at(-1)!.seq;
  }
}
