import { appendFile, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { METHOD } from '../../../relay/protocol/frames.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { connectMcp } from '../../helpers/mcp-client.js';
import { SseReader } from '../../helpers/sse-reader.js';
import { tempDir } from '../../helpers/tmp.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

async function dataDir(): Promise<string> {
  const dir = await tempDir('ref-data-');
  cleanup.add(dir.cleanup);
  return dir.path;
}

describe('--data-dir', () => {
  it('keeps events, subscriptions (soft deletes too), consent and counters across a restart', async () => {
    const dir = await dataDir();
    const first = await startReferenceServer({ tokens: { tok: 't1' }, dataDir: dir });
    const kept = first.store.subscribe('t1', { client_id: 'c1', topic: ['deal.*'], client_label: 'mine' }).row;
    const dropped = first.store.subscribe('t1', { client_id: 'c1', topic: ['ticket.*'] }).row;
    first.store.unsubscribe('t1', dropped.subscription_id);
    first.store.setConsent('t1', 'ann@example.com', 'withdrawn');
    const reader = await SseReader.open(`${first.url}/mcp/push/sse?client_id=c1`, { authorization: 'Bearer tok' });
    await reader.waitForCount(METHOD.open, 1);
    await first.emit('t1', { topic: 'deal.won', payload: { n: 1 } });
    await first.emit('t1', { topic: 'deal.lost', payload: { n: 2 } });
    await reader.waitForCount(METHOD.event, 2);
    reader.close();
    await first.close();

    const second = await startReferenceServer({ tokens: { tok: 't1' }, dataDir: dir });
    cleanup.add(() => second.close());
    expect(second.store.head('t1')).toBe(2);
    const subs = second.store.listSubscriptions('t1', 'c1', true);
    expect(subs.find((s) => s.subscription_id === kept.subscription_id)).toMatchObject({ client_label: 'mine', events_delivered: 2, deleted_at: null });
    expect(subs.find((s) => s.subscription_id === dropped.subscription_id)!.deleted_at).not.toBeNull();
    // Idempotency survives too: the same intent is still the same row.
    expect(second.store.subscribe('t1', { client_id: 'c1', topic: ['deal.*'] }).row.subscription_id).toBe(kept.subscription_id);
    // Consent survives: the withdrawn subject is still not pushed.
    const replay = await SseReader.open(`${second.url}/mcp/push/sse?client_id=c1&cursor=0`, { authorization: 'Bearer tok' });
    cleanup.add(async () => replay.close());
    await second.emit('t1', { topic: 'deal.won', payload: { n: 3 }, subject: 'ann@example.com' });
    await second.emit('t1', { topic: 'deal.won', payload: { n: 4 } });
    await replay.waitForCount(METHOD.event, 3);
    expect(replay.byMethod(METHOD.event).map((m) => (m.json.params.payload as { n: number }).n)).toEqual([1, 2, 4]);
    expect(second.store.head('t1')).toBe(4); // ids continue, never reused
  });

  it('refuses a journal that is a symbolic link, and writes nothing through it', async () => {
    const dir = await dataDir();
    const elsewhere = await dataDir();
    const victim = join(elsewhere, 'victim');
    await writeFile(victim, 'precious\n');
    await symlink(victim, join(dir, 'journal.jsonl'));
    await expect(startReferenceServer({ tokens: { tok: 't1' }, dataDir: dir })).rejects.toMatchObject({ code: 'symlink' });
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });

  it('ignores a torn journal tail and keeps going', async () => {
    const dir = await dataDir();
    const first = await startReferenceServer({ tokens: { tok: 't1' }, dataDir: dir });
    await first.emit('t1', { topic: 'deal.won', payload: {} });
    await first.close();
    await appendFile(join(dir, 'journal.jsonl'), '{"k":"event","tenant":"t1","event":{"event_id":2,"to');
    const second = await startReferenceServer({ tokens: { tok: 't1' }, dataDir: dir });
    cleanup.add(() => second.close());
    expect(second.store.head('t1')).toBe(1);
    expect((await second.emit('t1', { topic: 'deal.won', payload: {} })).event_id).toBe(2);
    const text = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('loses no acknowledged emit when the server is SIGKILLed mid-burst', async () => {
    const dir = await dataDir();
    const args = ['reference-server', '--port', '0', '--token', 'tok=t1', '--data-dir', dir];
    const first: CliProcess = startCli(args);
    cleanup.add(() => first.kill('SIGKILL'));
    const url = await first.line('listening');
    const acked: number[] = [];
    let stop = false;
    const burst = (async () => {
      for (let i = 0; !stop && i < 100_000; i++) {
        try {
          const res = await fetch(`${url}/v1/events`, {
            method: 'POST',
            headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
            body: JSON.stringify({ topic: 'custom.burst', payload: { i } }),
          });
          if (res.status !== 201) break;
          acked.push(((await res.json()) as { event_id: number }).event_id);
        } catch {
          break; // the server died under us: that request may or may not have been applied
        }
      }
    })();
    await expect.poll(() => acked.length, { timeout: 10_000 }).toBeGreaterThan(50);
    await first.kill('SIGKILL');
    stop = true;
    await burst;

    const second = startCli(args);
    cleanup.add(() => second.kill());
    const url2 = await second.line('listening');
    const mcp = await connectMcp(url2, 'tok');
    cleanup.add(() => mcp.close());
    await mcp.ok('subscribe', { topic: ['custom.*'], client_id: 'after' });
    const replay = await SseReader.open(`${url2}/mcp/push/sse?client_id=after&cursor=0`, { authorization: 'Bearer tok' });
    cleanup.add(async () => replay.close());
    const last = acked.at(-1)!;
    await replay.waitUntil((ms) => ms.some((m) => m.json.method === METHOD.event && Number(m.id) >= last), 10_000, `event ${last}`);
    const ids = replay.byMethod(METHOD.event).map((m) => Number(m.id));
    for (const id of acked) expect(ids).toContain(id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y)); // in order, no duplicates
    expect(new Set(ids).size).toBe(ids.length);
  });
});
