// A scripted Anthropic Messages API on loopback, for driving the real `claude` CLI in tests
// (ANTHROPIC_BASE_URL=<url>). `POST /v1/messages` answers with the next scripted step as a streamed reply in
// the Messages API's SSE event format (message_start, content_block_start/delta/stop, message_delta,
// message_stop) — a text reply or a tool_use — and every request body is recorded, so a test can assert on
// what the model was sent. Requests that are not the main agent loop (title or summary generation with a
// small model, token counting, anything else) get harmless answers and do not consume steps.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ContentBlock {
  type: string;
  text?: string;
  content?: unknown;
  tool_use_id?: string;
  name?: string;
  input?: unknown;
  [key: string]: unknown;
}

export interface MessagesRequest {
  model: string;
  system?: string | ContentBlock[];
  messages: { role: 'user' | 'assistant'; content: string | ContentBlock[] }[];
  tools?: { name: string; [key: string]: unknown }[];
  stream?: boolean;
  max_tokens?: number;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** True for a main-loop /v1/messages request (one that consumed a step). */
  main: boolean;
  at: number;
}

export type Reply = { text: string } | { toolUse: { name: string; input: Record<string, unknown>; id?: string }; text?: string };
/**
 * A step is a fixed reply, or computed from the request (to echo what the model was sent, or to make
 * something happen "while the model thinks" before answering).
 */
export type Step = Reply | ((request: MessagesRequest) => Reply | Promise<Reply>);

export interface ModelServerOptions {
  /** Reply once the script is used up (default: a short text). */
  fallback?: Reply;
  /**
   * Which /v1/messages requests belong to the main agent loop. Default: requests that offer tools (Claude
   * Code's auxiliary calls — titles, summaries, classifiers — offer none).
   */
  isMain?: (request: MessagesRequest) => boolean;
}

export interface ModelServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Main-loop request bodies, in order. */
  mainRequests(): MessagesRequest[];
  /** Appends steps to the script. */
  script(...steps: Step[]): void;
  /** Steps not used yet. */
  remaining(): number;
  /** Resolves once `n` main-loop requests have arrived. */
  waitForMainRequests(n: number, timeoutMs?: number): Promise<MessagesRequest[]>;
  close(): Promise<void>;
}

/** All text of a request: system prompt, every message's text, tool results — for "did the model see X" checks. */
export function requestText(request: MessagesRequest): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') parts.push(o.text);
      if (o.content !== undefined) walk(o.content);
      if (o.type === 'tool_use' && o.input !== undefined) parts.push(JSON.stringify(o.input));
    }
  };
  walk(request.system);
  walk(request.messages);
  return parts.join('\n');
}

/** Text of the messages only (not the system prompt). */
export function messagesText(request: MessagesRequest): string {
  return requestText({ ...request, system: undefined });
}

/** The tool_result blocks of a request's last user message. */
export function lastToolResults(request: MessagesRequest): ContentBlock[] {
  const last = request.messages.at(-1);
  if (!last || typeof last.content === 'string') return [];
  return last.content.filter((b) => b.type === 'tool_result');
}

let ids = 0;

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function streamReply(res: ServerResponse, model: string, reply: Reply): void {
  const id = `msg_test_${++ids}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_test_${ids}` });
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
  let index = 0;
  const text = 'toolUse' in reply ? reply.text : reply.text;
  if (text) {
    sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  if ('toolUse' in reply) {
    const toolId = reply.toolUse.id ?? `toolu_test_${ids}`;
    sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolId, name: reply.toolUse.name, input: {} } });
    sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(reply.toolUse.input) } });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  }
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'toolUse' in reply ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: 5 },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function jsonReply(res: ServerResponse, model: string, reply: Reply): void {
  const content: unknown[] = [];
  const text = 'toolUse' in reply ? reply.text : reply.text;
  if (text) content.push({ type: 'text', text });
  if ('toolUse' in reply) content.push({ type: 'tool_use', id: reply.toolUse.id ?? `toolu_test_${++ids}`, name: reply.toolUse.name, input: reply.toolUse.input });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: `msg_test_${++ids}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: 'toolUse' in reply ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    }),
  );
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const steps: Step[] = [];
  const requests: RecordedRequest[] = [];
  const listeners = new Set<() => void>();
  const fallback = options.fallback ?? { text: 'Done.' };
  const isMain = options.isMain ?? ((r: MessagesRequest) => Array.isArray(r.tools) && r.tools.length > 0);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, main: false, at: Date.now() };
      requests.push(record);
      if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: 100 }));
      } else if (req.method === 'POST' && url.pathname === '/v1/messages') {
        const request = body as MessagesRequest;
        const model = String(request?.model ?? 'claude-test');
        let reply: Reply;
        if (request && Array.isArray(request.messages) && isMain(request)) {
          record.main = true;
          const step = steps.shift();
          reply = step === undefined ? fallback : typeof step === 'function' ? await step(request) : step;
        } else {
          reply = { text: 'Untitled' };
        }
        if (request?.stream) streamReply(res, model, reply);
        else jsonReply(res, model, reply);
      } else if (req.method === 'HEAD' || (req.method === 'GET' && url.pathname === '/')) {
        res.writeHead(200);
        res.end();
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no ${req.method} ${url.pathname} here` } }));
      }
      for (const l of listeners) l();
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const mainRequests = () => requests.filter((r) => r.main).map((r) => r.body as MessagesRequest);

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mainRequests,
    script: (...more) => void steps.push(...more),
    remaining: () => steps.length,
    waitForMainRequests(n, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const main = mainRequests();
          if (main.length >= n) {
            done();
            resolve(main);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`only ${mainRequests().length} of ${n} model requests arrived within ${timeoutMs} ms (all requests: ${requests.map((r) => `${r.method} ${r.path}`).join(', ')})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
