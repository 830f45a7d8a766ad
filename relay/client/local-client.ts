// A light client of the running relay, for the CLI, the hooks and the stdio bridge: finds the relay through
// `<home>/relay.json` and `<home>/local-token` and speaks node:http (not fetch: loading undici costs tens of
// milliseconds on the hook path). No zod, no SDK here.
import { request } from 'node:http';
import { kindOfStatus, RelayError } from '../util/errors.js';
import { RelayUnavailableError, type RelayEndpoint } from './endpoint.js';

export { findRelay, RelayUnavailableError, type RelayEndpoint } from './endpoint.js';

/** The relay answered with an error: its code and message, and the kind its status stands for in the catalogue. */
export class RelayRequestError extends RelayError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(kindOfStatus(status), code, message);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Whole-request deadline; the hook path uses short ones so a hung relay never blocks the agent. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function relayRequest<T>(relay: RelayEndpoint, path: string, options: RequestOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      `${relay.url}${path}`,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        headers: {
          authorization: `Bearer ${relay.token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        signal: options.signal,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          clearTimeout(timer);
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return reject(new RelayRequestError(res.statusCode ?? 0, 'bad_response', `relay answered ${res.statusCode} with non-JSON`));
          }
          if ((res.statusCode ?? 0) >= 400) {
            const err = (json as { error?: { code?: string; message?: string } }).error;
            return reject(new RelayRequestError(res.statusCode ?? 0, err?.code ?? 'error', err?.message ?? `relay answered ${res.statusCode}`));
          }
          resolve(json as T);
        });
        res.on('error', (err) => reject(new RelayUnavailableError(`relay connection broke: ${err.message}`)));
      },
    );
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => req.destroy(new RelayUnavailableError(`relay did not answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      if (err instanceof RelayUnavailableError) return reject(err);
      if ((err as Error).name === 'AbortError') return reject(err);
      reject(new RelayUnavailableError(`relay at ${relay.url} is not answering (${(err as NodeJS.ErrnoException).code ?? err.message}); is it running?`));
    });
    req.end(payload);
  });
}

/**
 * Waits `ms` before the next attempt at a relay that went away (restarting, upgrading), or until `signal`
 * aborts (the caller gave up): the clients that outlive a relay — the follower, the stdio bridge's waits, the
 * idle-wake hook — pace their retries with it. Never rejects.
 */
export function retryPause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
