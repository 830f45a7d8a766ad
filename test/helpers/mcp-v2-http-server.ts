// A 2026-07-28 MCP server over Streamable HTTP, built with the MCP SDK v2 server package
// (`createMcpHandler`, served on node:http through @modelcontextprotocol/node), on 127.0.0.1 port 0. It serves
// `subscriptions/listen`; the test publishes change notifications through `notify`. It can be closed and
// started again on the same port (a server restart), and answers 2025-era clients too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer, type McpHttpHandler } from '@modelcontextprotocol/server';

export interface V2TestServer {
  readonly url: string;
  /** Publishes to every open `subscriptions/listen` stream that asked for it. */
  readonly notify: McpHttpHandler['notify'];
  /** Adds a resource (then `notify.resourcesChanged()` tells listeners the list changed). */
  addResource(uri: string): void;
  /** Requests seen, by JSON-RPC method (a subscription replay shows up as a second `subscriptions/listen`). */
  readonly methods: string[];
  /** The filter (`params.notifications`) of every `subscriptions/listen` request seen, in order. */
  readonly listens: Record<string, unknown>[];
  /** Stops serving: open streams drop, the port is released. */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startV2TestServer(options: { port?: number; headers?: Record<string, string> } = {}): Promise<V2TestServer> {
  const methods: string[] = [];
  const listens: Record<string, unknown>[] = [];
  const extra: string[] = [];
  let handler!: McpHttpHandler;
  let http: Server | undefined;
  let port = options.port ?? 0;
  const make = () =>
    createMcpHandler(() => {
      const s = new McpServer(
        { name: 'push-relay-v2-test', version: '1.0.0' },
        { capabilities: { resources: { subscribe: true, listChanged: true }, tools: { listChanged: true }, prompts: { listChanged: true } } },
      );
      s.registerResource('a', 'test://a', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'A' }] }));
      s.registerResource('b', 'test://b', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'B' }] }));
      s.registerResource('c', 'other://c', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'C' }] }));
      extra.forEach((u, i) => s.registerResource(`extra${i}`, u, {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'new' }] })));
      return s;
    });
  const listen = async () => {
    handler = make();
    const node = toNodeHandler(handler);
    http = createServer((req, res) => {
      if (options.headers) {
        for (const [k, v] of Object.entries(options.headers)) {
          if (req.headers[k.toLowerCase()] !== v) {
            res.writeHead(401).end();
            return;
          }
        }
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = body ? JSON.parse(body) : undefined;
          const { method: m, params } = (parsed ?? {}) as { method?: unknown; params?: { notifications?: Record<string, unknown> } };
          if (typeof m === 'string') methods.push(m);
          if (m === 'subscriptions/listen') listens.push(params?.notifications ?? {});
        } catch {
          parsed = undefined;
        }
        void node(req, res, parsed);
      });
    });
    await new Promise<void>((resolve) => http!.listen(port, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
  };
  const stop = async () => {
    const h = http;
    http = undefined;
    if (!h) return;
    await handler.close();
    h.closeAllConnections();
    await new Promise<void>((resolve) => h.close(() => resolve()));
  };
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}/mcp`;
    },
    notify: {
      toolsChanged: () => handler.notify.toolsChanged(),
      promptsChanged: () => handler.notify.promptsChanged(),
      resourcesChanged: () => handler.notify.resourcesChanged(),
      resourceUpdated: (uri) => handler.notify.resourceUpdated(uri),
    },
    methods,
    listens,
    addResource: (uri) => extra.push(uri),
    stop,
    restart: listen,
    close: stop,
  };
}
