// The local MCP server: tools defined once (tools.ts) over a ToolBackend, hosted over HTTP at the relay's
// `/mcp` (http-host.ts) and over stdio by `push-relay mcp` (stdio-host.ts).
export { relayNotRunning, ToolError, type ToolBackend, type ToolErrorCode, type WaitQuery, type WaitResult, type PendingQuery, type PendingResult, type AckResult } from './backend.js';
export { coreBackend } from './core-backend.js';
export { remoteBackend, type RemoteBackendOptions } from './remote-backend.js';
export { registerRelayTools, summarizeStatus, TOOL_NAMES, DEFAULT_PROGRESS_INTERVAL_MS, type ToolOptions } from './tools.js';
export { createToolServer, instructions, CHANNEL_CAPABILITY, SERVER_NAME, type ToolServerOptions } from './server.js';
export { createMcpHttpHost, MCP_PATH, type McpHttpHost, type McpHttpOptions } from './http-host.js';
export { startStdioHost, type StdioHost, type StdioHostOptions } from './stdio-host.js';
export { CHANNEL_METHOD, channelMessage, channelMessages, metaKey, type ChannelMessage } from './channel.js';
export { ChannelFeed, type ChannelFeedOptions } from './channel-feed.js';
export { sessionConsumer } from './consumers.js';
