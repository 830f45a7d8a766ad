// emit → durable in the relay's inbox (reference server → SSE → PushStream → FileInbox with fsync), beside
// emit → frame read by a bare SSE client on the same server: the floor of the server and loopback alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { METHOD } from '../../relay/protocol/frames.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { PushStream } from '../../relay/upstream/push-stream.js';
import { SseReader } from '../helpers/sse-reader.js';
import { latencyRows, type BenchRow } from './stats.js';

export async function benchEmitToInbox(samples = 300): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-latency-'));
  const server = await startReferenceServer({ tokens: { key: 't1' } });
  try {
    server.store.subscribe('t1', { client_id: 'relay', topic: ['deal.*'] });
    server.store.subscribe('t1', { client_id: 'raw', topic: ['deal.*'] });

    // Floor: a bare SSE reader.
    const reader = await SseReader.open(`${server.url}/mcp/push/sse?client_id=raw`, { authorization: 'Bearer key' });
    await reader.waitForCount(METHOD.open, 1);
    const floor: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await server.emit('t1', { topic: 'deal.won', payload: { i } });
      await reader.waitForCount(METHOD.event, i + 1);
      floor.push(performance.now() - t0);
    }
    reader.close();

    const inbox = await FileInbox.open({ dir });
    const stream = new PushStream({ server: server.url, apiKey: 'key', clientId: 'relay', source: { server: server.url, tenant: 't1' }, inbox });
    let stored = 0;
    let wake: (() => void) | undefined;
    stream.onEvents((events) => {
      stored += events.length;
      wake?.();
    });
    stream.start();
    await new Promise<void>((resolve) => {
      const off = stream.onStatus((s) => {
        if (s.state === 'open') {
          off();
          resolve();
        }
      });
      if (stream.status().state === 'open') resolve();
    });
    const relay: number[] = [];
    for (let i = 0; i < samples; i++) {
      const target = stored + 1;
      const t0 = performance.now();
      const landed = new Promise<void>((resolve) => {
        wake = () => stored >= target && resolve();
      });
      await server.emit('t1', { topic: 'deal.won', payload: { i } });
      await landed;
      relay.push(performance.now() - t0);
    }
    await stream.stop();
    await inbox.close();

    return latencyRows('emit → durable in inbox', relay, floor, 'emit → bare SSE reader', 'report (fsync bound)');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
