// The control plane (seed 000, "The control plane: four MCP tools") as an MCP server built on the SDK.
// Stateless Streamable HTTP like the real server ("simpler to scale, no connection affinity"): a fresh
// McpServer per request, bound to the tenant its bearer token resolved to.
import { McpServer, type CallToolResult } from '@modelcontextprotocol/server';
import { FilterError } from '../protocol/filter.js';
import {
  ListSubscriptionsInputSchema,
  ListSubscriptionsOutputSchema,
  ListTopicsInputSchema,
  ListTopicsOutputSchema,
  SubscribeInputSchema,
  SubscribeOutputSchema,
  UnsubscribeInputSchema,
  UnsubscribeOutputSchema,
  CATEGORIES,
} from '../protocol/tools.js';
import { VERSION } from '../util/version.js';
import { listTopics } from './catalog.js';
import type { ReferenceStore } from './store.js';

export const SERVER_INFO = { name: 'push-relay-reference-server', version: VERSION };

function result(structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

export function createControlPlane(store: ReferenceStore, tenant: string): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} } });

  server.registerTool(
    'subscribe',
    {
      description:
        'Register interest in one or more event topics (fnmatch globs) for a client_id, with an optional filter. ' +
        'Idempotent: the same client_id + topics + filter returns the existing subscription. Events then arrive on ' +
        'the push channel GET /mcp/push/sse?client_id=….',
      inputSchema: SubscribeInputSchema,
      outputSchema: SubscribeOutputSchema,
    },
    (input) => {
      try {
        const { row } = store.subscribe(tenant, input);
        return result(row);
      } catch (err) {
        if (err instanceof FilterError) return toolError(`invalid filter: ${err.message}`);
        throw err;
      }
    },
  );

  server.registerTool(
    'unsubscribe',
    {
      description:
        'Soft-delete one subscription: no further events are pushed; counters and audit rows are kept. ' +
        'Subscribing again with the same topics and filter reactivates it.',
      inputSchema: UnsubscribeInputSchema,
      outputSchema: UnsubscribeOutputSchema,
    },
    ({ subscription_id }) => {
      const { found, alreadyDeleted } = store.unsubscribe(tenant, subscription_id);
      if (!found) {
        return toolError(
          `no subscription "${subscription_id}" for this tenant; call list_subscriptions to see the ids you have`,
        );
      }
      return result({ subscription_id, unsubscribed: true, already_deleted: alreadyDeleted });
    },
  );

  server.registerTool(
    'list_subscriptions',
    {
      description: 'List every subscription a client_id has, with rolling counters (events_delivered, last_delivered_at).',
      inputSchema: ListSubscriptionsInputSchema,
      outputSchema: ListSubscriptionsOutputSchema,
    },
    ({ client_id, include_deleted }) =>
      result({ client_id, subscriptions: store.listSubscriptions(tenant, client_id, include_deleted ?? false) }),
  );

  server.registerTool(
    'list_topics',
    {
      description:
        'The event topic catalog with payload fields and a filter example per topic. Pass category to scope to one of ' +
        CATEGORIES.join(', ') +
        '.',
      inputSchema: ListTopicsInputSchema,
      outputSchema: ListTopicsOutputSchema,
    },
    ({ category }) => result({ topics: listTopics(category), categories: [...CATEGORIES] }),
  );

  return server;
}
