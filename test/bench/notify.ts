// emit → `Notify` seen on the D-Bus session bus (reference server → SSE → relay → durable inbox → policy →
// node-notifier → notify-send → dunst), beside the floor measured in the same run and session: node-notifier's
// own call → `Notify`, with the options the relay's adapter passes. Goal: p50 ≤ 2× the floor. Samples alternate
// (floor, relay, floor, relay…) so machine noise hits both alike. Each relay sample is a first event after a
// quiet gap — the popup of DESIGN.md 'Who uses it' 1 — so the burst window is shortened to 100 ms (the default
// 2 s would need 2 s between samples) and the per-minute ceiling raised; everything else is the daemon's path.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay, type RunningRelay } from '../../relay/core/relay.js';
import type { NodeNotifierLike } from '../../relay/notify/node-notifier.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { startDesktopSession, type DesktopSession, type NotifyCall } from '../helpers/desktop-session.js';
import { percentile, type BenchRow } from './stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the Notify call whose summary is `summary` (listening from now on). */
function nextCall(session: DesktopSession, summary: string, timeoutMs = 10_000): Promise<NotifyCall> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no Notify call "${summary}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = session.onCall((c) => {
      if (c.summary !== summary) return;
      clearTimeout(timer);
      off();
      resolve(c);
    });
  });
}

export async function benchNotify(samples = 40, warmup = 3): Promise<BenchRow[]> {
  const session = await startDesktopSession();
  const saved = { DISPLAY: process.env.DISPLAY, DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS };
  // node-notifier runs notify-send with this process's environment, for the floor and the relay alike.
  Object.assign(process.env, session.env);
  const dir = await mkdtemp(join(tmpdir(), 'bench-notify-'));
  const server = await startReferenceServer({ tokens: { key: 't1' } });
  let relay: RunningRelay | undefined;
  try {
    server.store.subscribe('t1', { client_id: 'bench-notify', topic: ['deal.*'] });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ notifications: { burst: { windowMs: 100 }, maxPerMinute: 1000 } }));
    relay = await startRelay({ home: dir, server: server.url, apiKey: 'key', clientId: 'bench-notify', localPort: 0, env: process.env });
    const availability = await relay.notifications!.start();
    if (!availability.ok) throw new Error(`the relay sees no notification service: ${availability.reason}`);
    for (let i = 0; relay.core.status().upstream.state !== 'open'; i++) {
      if (i > 500) throw new Error('the relay did not connect upstream');
      await sleep(10);
    }

    const nn = (await import('node-notifier')).default as unknown as NodeNotifierLike;
    const floorOnce = async (i: number): Promise<number> => {
      const summary = `floor ${i}`;
      const seen = nextCall(session, summary);
      const t0 = performance.now();
      nn.notify({ title: summary, message: 'node-notifier → Notify', wait: false, 'app-name': 'Push Relay', timeout: 10 }, () => undefined);
      return (await seen).at - t0;
    };
    const relayOnce = async (i: number): Promise<number> => {
      const seen = nextCall(session, `Deal won: bench ${i}`);
      const t0 = performance.now();
      await server.emit('t1', { topic: 'deal.won', payload: { name: `bench ${i}`, amount: 150000, owner: 'rep@demo' } });
      return (await seen).at - t0;
    };

    const floor: number[] = [];
    const through: number[] = [];
    for (let i = 0; i < warmup + samples; i++) {
      const f = await floorOnce(i);
      await sleep(150); // a quiet gap longer than the burst window: every relay sample is a first event
      const r = await relayOnce(i);
      await sleep(50);
      if (i >= warmup) {
        floor.push(f);
        through.push(r);
      }
    }
    const counts = relay.notifications!.status().counts;
    if (counts.summaries > 0 || counts.failed > 0) throw new Error(`bench samples were not single popups: ${JSON.stringify(counts)}`);

    return ([50, 95] as const).map((p) => {
      const value = percentile(through, p);
      const base = percentile(floor, p);
      return {
        figure: `emit → Notify on the bus (desktop popup), p${p}`,
        value,
        unit: 'ms',
        floor: base,
        floorName: 'node-notifier call → Notify',
        ratio: value / base,
        goal: p === 50 ? '≤ 2× floor' : 'report',
        met: p === 50 ? value / base <= 2 : true,
      };
    });
  } finally {
    await relay?.close();
    await server.close();
    await session.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(dir, { recursive: true, force: true });
  }
}
