// `push-relay watch`: one line per new event, following the inbox (acks nothing) or a named consumer (acks
// what it printed); survives a relay restart; exits cleanly on SIGINT and when its reader goes away.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait-for.js';
import { startRelayHarness, type RelayHarness } from './harness.js';
import { spawnCli, type Spawned } from './run.js';

let h: RelayHarness;
const watches: Spawned[] = [];

function watch(...args: string[]): Spawned {
  const w = spawnCli(['watch', '--home', h.home.path, ...args], { killAfterMs: 120_000 });
  watches.push(w);
  return w;
}

const lines = (w: Spawned) => w.stdout().split('\n').filter(Boolean);

async function following(w: Spawned): Promise<void> {
  await waitFor(() => w.stderr().includes('following'), { what: 'watch to connect', timeoutMs: 20_000 });
}

beforeAll(async () => {
  h = await startRelayHarness();
});

afterEach(async () => {
  for (const w of watches.splice(0)) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
});

afterAll(async () => {
  await h?.close();
});

describe('push-relay watch', () => {
  it('prints one line per new event (not older ones) and acks nothing', async () => {
    await h.emit('deal.created', { name: 'before watch' });
    await h.drain();
    const w = watch();
    await following(w);
    // Let the first drain (from the head) settle before emitting.
    const a = await h.emit('deal.won', { name: 'Acme', amount: 120000, note: 'two\nlines' });
    const b = await h.emit('ticket.created', { ticket_id: 'T-2', priority: 'p2' });
    await waitFor(() => lines(w).length >= 2, { what: 'two lines', timeoutMs: 20_000 });
    const [l1, l2] = lines(w);
    expect(l1).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ deal\\.won #${a.event_id} `));
    expect(l1).toContain('name="Acme"');
    expect(l1).toContain('amount=120000');
    expect(l1).toContain('\\u000a'); // the payload's newline stays inside the one line
    expect(l2).toMatch(new RegExp(` ticket\\.created #${b.event_id} `));
    expect(lines(w).join('\n')).not.toContain('before watch');
    // The default consumer still has both: watch took nothing away from the hooks.
    expect((await h.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(2);
    w.child.kill('SIGINT');
    expect(await w.done).toMatchObject({ code: 0 });
  });

  it('--topic filters; --consumer acks what it printed', async () => {
    const w = watch('--topic', 'deal.*', '--consumer', 'watcher');
    await following(w);
    // A new consumer starts at the head: wait until the relay knows it before emitting.
    await waitFor(async () => (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters >= 1, { what: 'watch waiting' });
    await h.emit('ticket.created', { ticket_id: 'skip-me' });
    const d = await h.emit('deal.lost', { name: 'Initech', reason: 'budget' });
    await waitFor(() => lines(w).length >= 1, { what: 'a line', timeoutMs: 20_000 });
    expect(lines(w)).toHaveLength(1);
    expect(lines(w)[0]).toContain(`deal.lost #${d.event_id}`);
    // It acked what it printed — and only that: the ticket it filtered out is still pending for the consumer.
    await waitFor(async () => (await h.api.get<{ events: unknown[] }>('/v1/pending?consumer=watcher&topic=deal.*')).events.length === 0, { what: 'watcher acked' });
    const rest = await h.api.get<{ events: { topic: string }[] }>('/v1/pending?consumer=watcher');
    expect(rest.events.map((e) => e.topic)).toEqual(['ticket.created']);
  });

  it('carries on across a relay restart, catching up on what landed meanwhile', async () => {
    const w = watch();
    await following(w);
    const before = await h.emit('account.created', { name: 'Before Restart' });
    await waitFor(() => lines(w).some((l) => l.includes(`#${before.event_id} `)), { what: 'the first line', timeoutMs: 20_000 });
    await h.restartRelay();
    const after = await h.emit('account.created', { name: 'After Restart' });
    await waitFor(() => lines(w).some((l) => l.includes(`#${after.event_id} `)), { what: 'a line after the restart', timeoutMs: 30_000 });
    expect(lines(w).filter((l) => l.includes(`#${before.event_id} `))).toHaveLength(1); // nothing twice
    expect(w.stderr()).toMatch(/reconnecting|waiting for the relay/);
  });

  it('after a relay restart with 1200 events arriving meanwhile (more than a page), prints each once, in order — following the inbox and a consumer', async () => {
    const ids = (w: Spawned) => lines(w).map((l) => Number(/ #(\d+) /.exec(l)?.[1]));
    const inbox = watch();
    const consumer = watch('--consumer', 'gap-watcher');
    await following(inbox);
    await following(consumer);
    await waitFor(async () => (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters >= 1, { what: 'the consumer watch waiting' });
    const before = await h.emit('account.created', { name: 'before the gap' });
    for (const w of [inbox, consumer]) await waitFor(() => ids(w).includes(before.event_id), { what: 'the first line', timeoutMs: 20_000 });
    await h.relay.kill();
    // The push server logs them while no relay is up; the restarted relay fetches them from its cursor.
    const gap: number[] = [];
    for (let i = 0; i < 1200; i++) gap.push((await h.server.emit('t1', { topic: 'account.created', payload: { i } })).event_id);
    await h.restartRelay();
    // In order, the live event is printed after the whole gap: once it is there, everything is.
    const after = await h.emit('account.created', { name: 'after the gap' });
    for (const w of [inbox, consumer]) await waitFor(() => ids(w).includes(after.event_id), { what: 'the line after the gap', timeoutMs: 60_000 });
    expect(ids(inbox)).toEqual([before.event_id, ...gap, after.event_id]);
    expect(ids(consumer)).toEqual([before.event_id, ...gap, after.event_id]);
  }, 120_000);

  it('exits 0 when stdout is closed (SIGPIPE/EPIPE) on its next line', async () => {
    const w = watch();
    await following(w);
    w.child.stdout.destroy();
    await h.emit('deal.created', { name: 'nobody reads this' });
    await h.emit('deal.created', { name: 'nor this' });
    expect(await w.done).toMatchObject({ code: 0 });
  });
});
