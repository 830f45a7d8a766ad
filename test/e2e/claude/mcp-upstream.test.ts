// The real `claude -p` with the push-relay hooks installed, and a standard MCP server as an event source (a
// 2026-07-28 server from test/helpers, added live to the running daemon's settings): a resource update that
// arrives while Claude works is handed over by the Stop hook, as Pact events are, marked as untrusted data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSettings } from '../../../relay/config/settings.js';
import { messagesText } from '../../helpers/model-server.js';
import { startV2TestServer, type V2TestServer } from '../../helpers/mcp-v2-http-server.js';
import { waitFor } from '../../helpers/wait-for.js';
import { setupClaude, withModel, type ClaudeSetup } from './setup.js';

let c: ClaudeSetup;
let server: V2TestServer;

beforeAll(async () => {
  c = await setupClaude();
  server = await startV2TestServer();
  openSettings(c.relayHome).update({
    upstreams: [{ name: 'docs', type: 'http', url: server.url, allowPush: true, resources: { subscribe: ['test://a'] } }] as never,
  });
  await waitFor(
    async () => (await c.relay!.api.get<{ upstreams?: { name: string; state: string }[] }>('/v1/status')).upstreams?.some((u) => u.name === 'docs' && u.state === 'connected'),
    { timeoutMs: 30_000, what: 'the MCP upstream to connect' },
  );
  await c.relay!.drain();
}, 120_000);

afterAll(async () => {
  await c?.close();
  await server?.close();
});

describe('claude -p with an MCP upstream', { timeout: 180_000 }, () => {
  it('a resource update arriving while Claude works → the Stop hook blocks → the next model request contains it', async () => {
    await withModel({}, async (model) => {
      model.script(
        async () => {
          server.notify.resourceUpdated('test://a');
          await waitFor(async () => (await c.relay!.api.get<{ events: { topic: string }[] }>('/v1/pending')).events.some((e) => e.topic === 'mcp.resource.updated'), {
            timeoutMs: 20_000,
            what: 'the update pending',
          });
          return { text: 'Finished the edit.' };
        },
        { text: 'The document test://a changed; re-reading it.' },
      );
      const run = await c.print(model, 'Edit the file.');
      expect(run.code).toBe(0);
      const [first, second, ...rest] = model.mainRequests();
      expect(rest).toHaveLength(0);
      expect(messagesText(first!)).not.toContain('mcp.resource.updated');
      const text = messagesText(second!);
      expect(text).toContain('mcp.resource.updated');
      expect(text).toContain('test://a');
      expect(text).toMatch(/not instructions/);
      expect((await c.relay!.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(0);
    });
  });
});
