// The local API client. Same origin as the page (the relay serves both), the local token as a bearer header.
// Failures are typed: the UI tells "the relay refused the token" from "the relay is not there".

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** fetch() itself failed: the relay is stopped, restarting, or the network stack refused. */
export class UnreachableError extends Error {
  readonly code = 'unreachable';
}

export class RelayClient {
  #token: string;
  #onUnauthorized: () => void;

  constructor(token: string, onUnauthorized: () => void) {
    this.#token = token;
    this.#onUnauthorized = onUnauthorized;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.#json<T>(path, { method: 'GET', signal });
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#json<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.#json<T>(path, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  delete<T>(path: string): Promise<T> {
    return this.#json<T>(path, { method: 'DELETE' });
  }

  /** The raw response of a request (the event stream reads its body). Throws like the JSON calls. */
  async open(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, {
        ...init,
        cache: 'no-store',
        credentials: 'omit',
        headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${this.#token}` },
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new UnreachableError(`cannot reach the relay at ${location.origin} (${(err as Error).message})`);
    }
    if (!res.ok) {
      let code = `http_${res.status}`;
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = (await res.json()) as { error?: { code?: string; message?: string } };
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
      } catch {
        // not JSON: keep the status line
      }
      if (res.status === 401) this.#onUnauthorized();
      throw new ApiError(res.status, code, message);
    }
    return res;
  }

  async #json<T>(path: string, init: RequestInit): Promise<T> {
    const res = await this.open(path, init);
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new UnreachableError(`the relay's answer to ${path} was cut off (${(err as Error).message})`);
    }
  }
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError || err instanceof UnreachableError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
