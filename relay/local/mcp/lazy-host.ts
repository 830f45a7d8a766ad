// The `/mcp` endpoint, loaded on its first request. The MCP SDK's server side costs ~70 ms of start-up and
// ~7 MB of RSS (measured by test/bench/daemon.ts), and a relay that only serves hooks, the UI and popups never
// needs it. The first MCP request pays the import once.
import type { Handler } from '../../util/http.js';
import type { RelayCore } from '../core.js';
import type { McpHttpHost, McpHttpOptions } from './http-host.js';

/** Same as http-host's MCP_PATH; not imported from there, which would load the SDK at once. */
const PATH = '/mcp';

export function lazyMcpHttpHost(core: RelayCore, options: McpHttpOptions): { routes: Record<string, Handler>; close(): Promise<void> } {
  let host: Promise<McpHttpHost> | undefined;
  let closed = false;
  const load = () => (host ??= import('./http-host.js').then((m) => m.createMcpHttpHost(core, options)));
  const route = (path: string): Handler => async (req, res, url) => {
    const loaded = await load();
    const handler = loaded.routes[path];
    if (!handler || closed) {
      res.writeHead(503).end();
      return;
    }
    await handler(req, res, url);
  };
  return {
    routes: { [PATH]: route(PATH), [`${PATH}/`]: route(`${PATH}/`) },
    close: async () => {
      closed = true;
      if (host) await (await host).close();
    },
  };
}
