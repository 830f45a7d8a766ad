// An MCP SDK client for the control plane of a push server (Streamable HTTP, bearer token).
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';

export interface ToolClient {
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool and returns its structuredContent; fails the test if the tool returned an error. */
  ok<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T>;
  client: Client;
  close(): Promise<void>;
}

export async function connectMcp(baseUrl: string, token: string, path = '/mcp/'): Promise<ToolClient> {
  const client = new Client({ name: 'push-relay-tests', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(path, baseUrl), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    client,
    call,
    async ok<T>(name: string, args: Record<string, unknown>) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`tool ${name} failed: ${JSON.stringify(result.content)}`);
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

export function errorText(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
