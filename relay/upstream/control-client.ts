// The control plane of the push server (seed 000, "The control plane: four MCP tools") over the MCP SDK's
// client and Streamable HTTP transport, at `<base>/mcp/` (with the slash: seed 001's redirect).
//
// Inputs are checked with the same zod schemas the server uses before anything is sent, and the client_id is
// always the relay's own. Results are checked against the output schemas. Every failure is a `ControlError`
// with a code; a tool's own failure (`isError: true`) keeps the server's message. All requests go through the
// guarded fetch, so the bearer token is never sent to another origin, whatever the server redirects to.
import { Client, SdkHttpError, StreamableHTTPClientTransport, UnauthorizedError, type CallToolResult } from '@modelcontextprotocol/client';
import type { z } from 'zod';
import type { SubscriptionRow } from '../protocol/frames.js';
import {
  ListSubscriptionsInputSchema,
  ListSubscriptionsOutputSchema,
  ListTopicsInputSchema,
  ListTopicsOutputSchema,
  SubscribeInputSchema,
  SubscribeOutputSchema,
  UnsubscribeInputSchema,
  UnsubscribeOutputSchema,
  type Category,
  type SubscribeInput,
} from '../protocol/tools.js';
import { VERSION } from '../util/version.js';
import { capResponseBodies } from './capped-body.js';
import { ControlError, describeError, isNetworkErrorCode, networkErrorCode, redact, RedirectError } from './errors.js';
import type { BearerCredentials } from './credentials.js';
import { createGuardedFetch, type FetchFn } from './guarded-fetch.js';
import { toServerUrl, type ServerUrl } from './server-url.js';

export type UnsubscribeResult = z.infer<typeof UnsubscribeOutputSchema>;
export type ListSubscriptionsResult = z.infer<typeof ListSubscriptionsOutputSchema>;
export type ListTopicsResult = z.infer<typeof ListTopicsOutputSchema>;
/** `subscribe`'s input without `client_id`, which the relay supplies. */
export type SubscribeRequest = Omit<SubscribeInput, 'client_id'>;

export interface ControlClientOptions {
  /** The push server, in any form `normalizeServerUrl` accepts, or its result. */
  server: string | ServerUrl;
  apiKey: string;
  /** Instead of `apiKey`: an OAuth sign-in's refreshing token (relay/auth/session.ts), through the same guarded fetch. */
  credentials?: BearerCredentials;
  /** The relay's stable client id; every subscription is made under it. */
  clientId: string;
  fetch?: FetchFn;
  /** Per tool call. Default 30 s. */
  timeoutMs?: number;
  clientInfo?: { name: string; version: string };
  log?: (line: string) => void;
}

const DEFAULT_CLIENT_INFO = { name: 'push-relay', version: VERSION };

export class ControlClient {
  readonly url: ServerUrl;
  readonly #o: ControlClientOptions;
  readonly #fetch: FetchFn;
  readonly #log: (line: string) => void;
  #apiKey: string;
  #credentials: BearerCredentials | undefined;
  /** The connected client, made on first use and dropped after a failure that may have broken it. */
  #client: Promise<Client> | undefined;
  #closed = false;

  constructor(options: ControlClientOptions) {
    this.#o = options;
    this.url = toServerUrl(options.server);
    this.#apiKey = options.apiKey;
    this.#credentials = options.credentials;
    const log = options.log ?? (() => undefined);
    this.#log = (line) => log(`control: ${redact(line, [this.#apiKey, ...(this.#credentials?.secrets() ?? [])])}`);
    // Bodies are bounded below the guard, so redirects and answers alike are (capped-body.ts). The global
    // fetch is looked up per call: touching it loads undici, which the relay does only when a call is made.
    const bounded = capResponseBodies((input, init) => (options.fetch ?? globalThis.fetch)(input, init));
    this.#fetch = createGuardedFetch({
      origin: this.url.origin,
      token: () => (this.#credentials ? this.#credentials.token() : this.#apiKey),
      onRejected: async (rejected) => (await this.#credentials?.refreshAfterRejection?.(rejected)) ?? false,
      fetch: bounded,
    });
  }

  /** Registers interest in topics (idempotent on the server: same topics + filter → the same row). */
  subscribe(input: SubscribeRequest): Promise<SubscriptionRow> {
    return this.#call('subscribe', SubscribeInputSchema, { ...input, client_id: this.#o.clientId }, SubscribeOutputSchema);
  }

  /** Soft-deletes one subscription. */
  unsubscribe(subscriptionId: string): Promise<UnsubscribeResult> {
    return this.#call('unsubscribe', UnsubscribeInputSchema, { subscription_id: subscriptionId }, UnsubscribeOutputSchema);
  }

  /** The relay's subscriptions (the rows of `list_subscriptions` for its client id). */
  async listSubscriptions(includeDeleted = false): Promise<SubscriptionRow[]> {
    const args = { client_id: this.#o.clientId, ...(includeDeleted ? { include_deleted: true } : {}) };
    const result = await this.#call('list_subscriptions', ListSubscriptionsInputSchema, args, ListSubscriptionsOutputSchema);
    return result.subscriptions;
  }

  /** The topic catalog, optionally of one category (checked against the known categories first). */
  listTopics(category?: Category | (string & {})): Promise<ListTopicsResult> {
    return this.#call('list_topics', ListTopicsInputSchema, category === undefined ? {} : { category }, ListTopicsOutputSchema);
  }

  /** Uses a new key from the next request on (the guarded fetch reads it per request). */
  setApiKey(apiKey: string, credentials?: BearerCredentials): void {
    this.#apiKey = apiKey;
    this.#credentials = credentials;
    void this.#drop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#drop();
  }

  async #call<I extends z.ZodType, O extends z.ZodType>(tool: string, inputSchema: I, args: unknown, outputSchema: O): Promise<z.infer<O>> {
    if (this.#closed) throw new ControlError('closed', 'the control client is closed', tool);
    const input = inputSchema.safeParse(args);
    if (!input.success) {
      throw new ControlError('invalid_input', `${tool}: ${describeIssues(input.error)}`, tool);
    }
    const result = await this.#callWithReconnect(tool, input.data as Record<string, unknown>);
    if (result.isError) {
      throw new ControlError('tool_error', this.#redact(`${tool} failed: ${textOf(result).slice(0, 1000) || 'the server gave no reason'}`), tool);
    }
    const output = outputSchema.safeParse(result.structuredContent ?? parseTextContent(result));
    if (!output.success) {
      throw new ControlError('invalid_response', `${tool}: the server's answer does not match the expected shape (${describeIssues(output.error)})`, tool);
    }
    return output.data;
  }

  /** One call; when a reused connection turns out broken (server restarted, network blip), one fresh try. */
  async #callWithReconnect(tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
    for (let attempt = 0; ; attempt++) {
      const reused = this.#client !== undefined;
      let client: Client;
      try {
        client = await this.#connect();
      } catch (err) {
        await this.#drop();
        throw this.#toControlError(err, tool);
      }
      try {
        return await client.callTool({ name: tool, arguments: args }, { timeout: this.#o.timeoutMs ?? 30_000 });
      } catch (err) {
        const mapped = this.#toControlError(err, tool);
        if (mapped.code !== 'tool_error' && mapped.code !== 'invalid_input') await this.#drop();
        const retryable = mapped.code === 'unreachable' || (mapped.code === 'protocol_error' && mapped.status === 404);
        if (reused && retryable && attempt === 0) {
          this.#log(`${tool}: ${mapped.message}; reconnecting once`);
          continue;
        }
        throw mapped;
      }
    }
  }

  #connect(): Promise<Client> {
    if (this.#closed) return Promise.reject(new ControlError('closed', 'the control client is closed'));
    this.#client ??= (async () => {
      const client = new Client(this.#o.clientInfo ?? DEFAULT_CLIENT_INFO);
      // Redirects are the guarded fetch's to follow (same origin only, the token re-sent by it): 'follow' leaves
      // them to it instead of layering the SDK's own same-origin policy over it.
      const transport = new StreamableHTTPClientTransport(new URL(this.url.controlUrl), { fetch: this.#fetch, redirectPolicy: 'follow' });
      // The handshake gets the same bound as a call: a server that never answers it (or whose answer failed
      // mid-stream) must not hold the client, and close() with it, for the SDK's 60 s default.
      await client.connect(transport, { timeout: this.#o.timeoutMs ?? 30_000 });
      this.#log(`connected to ${this.url.controlUrl}`);
      return client;
    })();
    return this.#client;
  }

  async #drop(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    if (!pending) return;
    try {
      await (await pending).close();
    } catch {
      // it failed to connect, or is already closed
    }
  }

  /** What was refused and what to do: the key, or (signed in) the sign-in's own hint ("sign in again"). */
  #refused(): string {
    return this.#credentials ? `sign-in; ${this.#credentials.refusedHint}` : 'API key; set a valid key';
  }

  #toControlError(err: unknown, tool: string): ControlError {
    if (err instanceof ControlError) return err;
    if (err instanceof RedirectError) return new ControlError(err.code, this.#redact(err.message), tool, err.status, { cause: err });
    // An error answer's text is read up to 16 KiB (capped-body.ts); a message keeps its start.
    const message = clip(this.#redact(describeError(err)), 1000);
    if (err instanceof UnauthorizedError) {
      return new ControlError('unauthorized', `the server refused the ${this.#refused()} (${message})`, tool, 401, { cause: err });
    }
    if (err instanceof SdkHttpError) {
      const status = err.status > 0 ? err.status : undefined;
      if (status === 401 || status === 403) {
        return new ControlError('unauthorized', `${this.url.controlUrl} answered ${status}: it refused the ${this.#refused()} (${message})`, tool, status, { cause: err });
      }
      return new ControlError('protocol_error', `${this.url.controlUrl}: ${message}`, tool, status, { cause: err });
    }
    if (isNetworkErrorCode(networkErrorCode(err))) {
      return new ControlError('unreachable', `cannot reach ${this.url.origin}: ${message}`, tool, undefined, { cause: err });
    }
    // SdkError (timeouts, closed connections), ProtocolError (JSON-RPC errors) and anything unexpected.
    return new ControlError('protocol_error', `${tool}: ${message}`, tool, undefined, { cause: err });
  }

  #redact(text: string): string {
    return redact(text, [this.#apiKey, this.#o.apiKey, ...(this.#credentials?.secrets() ?? [])]);
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function textOf(result: CallToolResult): string {
  return result.content
    .map((c) => (c.type === 'text' ? c.text : ''))
    .join('\n')
    .trim();
}

/** Servers that predate structuredContent put the JSON in the text content. */
function parseTextContent(result: CallToolResult): unknown {
  try {
    return JSON.parse(textOf(result));
  } catch {
    return undefined;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
