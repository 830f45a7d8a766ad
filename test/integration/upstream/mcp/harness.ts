// Shared pieces of the MCP-upstream tests: entries for the real test servers, a relay-side upstream on a memory
// inbox, and waits on what the inbox holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamEntrySchema, type UpstreamEntry, type UpstreamEntryInput } from '../../../../relay/config/upstreams.js';
import { MemoryInbox } from '../../../../relay/inbox/memory-inbox.js';
import type { Inbox, StoredEvent } from '../../../../relay/inbox/types.js';
import { McpUpstream, type McpUpstreamDeps, type McpUpstreamState } from '../../../../relay/upstream/mcp/upstream.js';
import type { Cleanups } from '../../../helpers/cleanups.js';
import { waitFor } from '../../../helpers/wait-for.js';

export const PUSH_SERVER_SCRIPT = join(process.cwd(), 'test/helpers/mcp-push-server.mjs');
export const EVERYTHING_SCRIPT = join(process.cwd(), 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
/** Fast backoff: tests wait on conditions, and a restart should not take the production half second. */
export const FAST_BACKOFF = { baseMs: 20, capMs: 200, random: () => 0 };

export function entry(input: Partial<UpstreamEntryInput> & Pick<UpstreamEntryInput, 'type'> & Record<string, unknown>): UpstreamEntry {
  return UpstreamEntrySchema.parse({ name: 'test', allowPush: true, ...input });
}

export function stdioEntry(env: Record<string, string>, extra: Record<string, unknown> = {}): UpstreamEntry {
  return entry({ type: 'stdio', command: process.execPath, args: [PUSH_SERVER_SCRIPT], env, ...extra });
}

export function startUpstream(cleanups: Cleanups, e: UpstreamEntry, deps: Partial<McpUpstreamDeps> = {}) {
  const inbox = (deps.inbox as Inbox | undefined) ?? new MemoryInbox();
  const logs: string[] = [];
  const upstream = new McpUpstream(e, { inbox, log: (l) => logs.push(l), backoff: FAST_BACKOFF, ...deps });
  upstream.start();
  cleanups.add(() => upstream.stop());
  return { upstream, inbox, logs };
}

export function topics(inbox: Inbox, topic?: string): StoredEvent[] {
  return inbox.readSince(0, topic ? { topic } : undefined);
}

export async function waitForState(upstream: McpUpstream, state: McpUpstreamState, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => upstream.status().state === state, { timeoutMs, what: `upstream state ${state} (is ${upstream.status().state}, last error ${upstream.status().last_error?.message})` });
}

export async function waitForEvents(inbox: Inbox, topic: string, n: number, timeoutMs = 15_000): Promise<StoredEvent[]> {
  return waitFor(() => {
    const found = topics(inbox, topic);
    return found.length >= n ? found : undefined;
  }, { timeoutMs, what: `${n} ${topic} event(s)` });
}

/** Pids the test server wrote that are still running (the SDK's era probe runs a short-lived sibling first). */
export function livePids(file: string): number[] {
  return pidsIn(file).filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

export function pidsIn(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
