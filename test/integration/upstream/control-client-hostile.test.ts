// ControlClient against a control plane that answers without end (a push server is untrusted, in size too):
// an endless error body, JSON body or SSE event is read only up to its bound (capped-body.ts), the call fails
// with a ControlError of bounded length, and the connection is let go long before the server is done.
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../../relay/upstream/control-client.js';
import { ControlError } from '../../../relay/upstream/errors.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CLIENT, flood, KEY, tinyServer, type FloodProgress, type TinyServer } from './harness.js';

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c.close();
});

const MiB = 1024 * 1024;
const HOSTILE_BYTES = 300 * MiB;

const answers: [string, number, string, string, Buffer][] = [
  ['an error body without end', 500, 'text/plain', 'internal error: ', Buffer.alloc(64 * 1024, 'e')],
  ['a JSON body without end', 200, 'application/json', '{"jsonrpc":"2.0","id":0,"result":{"pad":"', Buffer.alloc(64 * 1024, 'j')],
  ['an SSE event without end', 200, 'text/event-stream', 'data: {"jsonrpc":"2.0","id":0,"result":"', Buffer.alloc(64 * 1024, 's')],
];

describe('ControlClient: answers without end', () => {
  for (const [name, status, contentType, start, piece] of answers) {
    it(`${name}: the call fails, bounded, and the connection is let go`, async () => {
      const sent: FloodProgress = { bytes: 0, closed: false };
      const server: TinyServer = await tinyServer((req, res) => {
        req.resume();
        res.writeHead(status, { 'content-type': contentType });
        res.write(start);
        flood(res, piece, HOSTILE_BYTES, sent);
      });
      closers.push(server);
      // A short call timeout: an SSE answer that failed leaves the SDK's request waiting for it.
      const control = new ControlClient({ server: `${server.url}/mcp`, apiKey: KEY, clientId: CLIENT, timeoutMs: 2000 });
      closers.unshift(control);
      const err = await control.listTopics().then(
        () => undefined,
        (e: unknown) => e,
      );
      await waitFor(() => sent.closed, { timeoutMs: 30_000, what: 'the client to let go of the connection' });
      expect(sent.bytes).toBeLessThan(HOSTILE_BYTES / 4);
      expect(err).toBeInstanceOf(ControlError);
      expect((err as ControlError).message.length).toBeLessThan(1200);
    }, 60_000);
  }
});
