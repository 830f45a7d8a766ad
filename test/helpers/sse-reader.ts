// A raw HTTP SSE reader for tests: node:http plus eventsource-parser, no reconnects, full control of the
// socket (pause it to make the server's buffer overflow) and of the request headers.
import { request, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseMessage extends EventSourceMessage {
  json: { method: string; params: Record<string, unknown> };
}

export class SseReader {
  readonly messages: SseMessage[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  body = '';
  #res: IncomingMessage | undefined;
  #waiters = new Set<() => void>();
  #ended = false;
  #req: ReturnType<typeof request> | undefined;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    await reader.#start(url, headers);
    return reader;
  }

  #start(url: string, headers: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
      const parser = createParser({
        onEvent: (m) => {
          this.messages.push({ ...m, json: JSON.parse(m.data) as SseMessage['json'] });
          this.#notify();
        },
      });
      this.#req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        this.#res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (this.status === 200) parser.feed(chunk);
          else this.body += chunk;
        });
        res.on('end', () => {
          this.#ended = true;
          this.#notify();
        });
        res.on('error', () => undefined);
        resolve();
      });
      this.#req.on('error', (err) => {
        this.#ended = true;
        this.#notify();
        reject(err);
      });
      this.#req.end();
    });
  }

  #notify(): void {
    for (const w of this.#waiters) w();
  }

  get ended(): boolean {
    return this.#ended;
  }

  byMethod(method: string): SseMessage[] {
    return this.messages.filter((m) => m.json.method === method);
  }

  /** Resolves when `predicate` holds over the messages so far (checked on every new message). */
  async waitUntil(predicate: (messages: SseMessage[]) => boolean, timeoutMs = 10_000, what = 'SSE messages'): Promise<void> {
    if (predicate(this.messages)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.messages.length} messages`));
      }, timeoutMs);
      const check = () => {
        if (predicate(this.messages) || this.#ended) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          if (predicate(this.messages)) resolve();
          else reject(new Error(`stream ended while waiting for ${what}; got ${this.messages.length} messages`));
        }
      };
      this.#waiters.add(check);
    });
  }

  waitForCount(method: string, n: number, timeoutMs = 10_000): Promise<void> {
    return this.waitUntil((ms) => ms.filter((m) => m.json.method === method).length >= n, timeoutMs, `${n} × ${method}`);
  }

  /** Stops reading from the socket: the server's writes back up until its buffers are full. */
  pause(): void {
    this.#res?.pause();
  }

  resume(): void {
    this.#res?.resume();
  }

  close(): void {
    this.#req?.destroy();
  }
}
