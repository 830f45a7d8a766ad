// A relay that answers only after the hook gave up (hung, then back): the hook must not have acked anything,
// or those events would be marked seen though no agent ever saw them. The hooks list without acking and ack
// separately, only what they are about to print.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { runHook } from './run.js';

const EVENT = { seq: 7, event_id: 70, topic: 'deal.won', occurred_at: '2026-11-21T10:00:00.000Z', payload: { amount: 1 } };
let server: Server;
let home: TempDir;
let delayMs = 0;
const seen: { method: string; url: string; body: string }[] = [];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', body: await body(req) });
    const answer = req.url?.startsWith('/v1/pending')
      ? { consumer: 'claude-code', events: [EVENT], pending: 0, acked: false }
      : { name: 'claude-code', cursor: 7, pending: 0 };
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    }, req.url?.startsWith('/v1/pending') ? delayMs : 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  home = await tempDir('hooks-late-');
  writeFileSync(join(home.path, 'relay.json'), JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, version: '0' }));
  writeFileSync(join(home.path, 'local-token'), 'token\n', { mode: 0o600 });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await home.cleanup();
});

describe('hooks and a late relay', () => {
  it('an answer after the deadline: no output, and no ack was ever requested', async () => {
    seen.length = 0;
    delayMs = 3000;
    const run = await runHook('stop', home.path, { session_id: 'late', hook_event_name: 'Stop', stop_hook_active: false });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    // The session report (POST /v1/sessions) beside the pending read; no ack.
    await waitFor(() => seen.length >= 2, { what: 'the session report' });
    expect(seen.map((r) => `${r.method} ${r.url.split('?')[0]}`).sort()).toEqual(['GET /v1/pending', 'POST /v1/sessions']);
    const pending = new URL(seen.find((r) => r.url.startsWith('/v1/pending'))!.url, 'http://x').searchParams;
    expect(pending.get('ack')).toBe('false');
    // …but claims them for the session: another session's hook on the same consumer skips them until the ack.
    expect(pending.get('claim')).toBe('true');
    expect(pending.get('session')).toBe('late');
  });

  it('an answer in time: the hook acks exactly the listed events, then blocks with them', async () => {
    seen.length = 0;
    delayMs = 0;
    const run = await runHook('stop', home.path, { session_id: 'on-time', hook_event_name: 'Stop', stop_hook_active: false });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ decision: 'block' });
    const ack = seen.find((r) => r.url === '/v1/ack');
    // Exactly the listed seqs, not "up to" the last: an older event may be claimed by another taker. The session
    // lets the relay ack each in the consumer it was handed over from.
    expect(JSON.parse(ack!.body)).toEqual({ consumer: 'claude-code', seqs: [7], session: 'on-time' });
  });
});
