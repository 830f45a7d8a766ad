// A TCP proxy on 127.0.0.1:0 in front of a target, with faults on command (for the chaos tests of DESIGN.md
// "Failure behaviour"): the network between the relay and its push server, made to misbehave the ways real
// networks do.
//
//   pass()          forward both ways (the default); held connections are connected now, stalled ones resume
//   stall()         stop forwarding both ways, on open and new connections (a dead path: nothing, not even FIN)
//   halfOpen()      accept new connections but never connect them upstream (never answer); open ones stall
//   trickle(n, ms)  forward at most n bytes per direction per ms, pushing back on the sender (a slow link)
//   cut()           destroy every connection (FIN, or RST if unread data)
//   reset()         RST every connection (socket.resetAndDestroy())
//   close()         everything stops: listener, connections, timers
//
// Backpressure is real: a paused or trickling direction stops reading from its source socket, so the
// sender's kernel buffers fill and its writes start to block, as they would behind a slow link.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type FaultMode = 'pass' | 'stall' | 'half-open' | 'trickle';

export interface FaultProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly mode: FaultMode;
  /** Client connections accepted since start. */
  readonly accepted: number;
  /** Upstream connections made since start. */
  readonly upstreamConnects: number;
  /** Client connections currently open (held, stalled and trickling ones included). */
  active(): number;
  /** Bytes forwarded so far, per direction. */
  readonly bytes: { up: number; down: number };
  pass(): void;
  stall(): void;
  halfOpen(): void;
  trickle(bytesPerTick: number, intervalMs: number): void;
  cut(): void;
  reset(): void;
  /** Resolves after `accepted` reaches `n`. */
  waitForAccepted(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: { host?: string; port: number };
  /** A trickling direction stops reading from its source beyond this many queued bytes. Default 16 KiB. */
  highWaterBytes?: number;
}

/** One direction of one connection: bytes read from its source, queued, written to its destination as the mode allows. */
class Pipe {
  readonly queue: Buffer[] = [];
  queued = 0;
  srcEnded = false;
  dstEnded = false;
  waitingDrain = false;

  constructor(
    readonly src: () => Socket | undefined,
    readonly dst: () => Socket | undefined,
    readonly count: (n: number) => void,
    readonly onDrain: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  /** Writes up to `budget` queued bytes to the destination (then ends it if the source ended). */
  write(budget: number): void {
    const dst = this.dst();
    if (!dst || dst.destroyed || dst.connecting || this.waitingDrain) return;
    let written = 0;
    while (this.queue.length > 0 && written < budget) {
      const head = this.queue[0]!;
      const take = Math.min(head.length, budget - written);
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
      this.queued -= take;
      written += take;
      this.count(take);
      if (!dst.write(take === head.length ? head : head.subarray(0, take))) {
        this.waitingDrain = true;
        dst.once('drain', () => {
          this.waitingDrain = false;
          this.onDrain();
        });
        break;
      }
    }
    if (this.queue.length === 0 && this.srcEnded && !this.dstEnded) {
      this.dstEnded = true;
      dst.end();
    }
  }
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** client → server */
  up: Pipe;
  /** server → client */
  down: Pipe;
  /** Accepted in half-open mode and not connected upstream (yet). */
  held: boolean;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const targetHost = options.target.host ?? '127.0.0.1';
  const highWater = options.highWaterBytes ?? 16 * 1024;
  const links = new Set<Link>();
  let mode: FaultMode = 'pass';
  let trickleTimer: NodeJS.Timeout | undefined;
  let accepted = 0;
  let upstreamConnects = 0;
  const bytes = { up: 0, down: 0 };
  const acceptWaiters = new Set<() => void>();
  let closed = false;

  /** Applies the current mode to one direction: write what may go now, pause or resume its source. */
  function pump(link: Link, pipe: Pipe): void {
    if (!links.has(link)) return;
    if (link.held) {
      link.client.pause();
      return;
    }
    if (mode === 'pass') pipe.write(Number.POSITIVE_INFINITY);
    const src = pipe.src();
    if (!src || src.destroyed) {
      // The source is gone: its last bytes still go out (write() ends the destination after them), unless
      // the destination is gone too.
      if (pipe.dst()?.destroyed !== false) finish(link);
      return;
    }
    const room = mode === 'pass' ? !pipe.waitingDrain : mode === 'trickle' ? pipe.queued < highWater : false;
    if (room) src.resume();
    else src.pause();
  }

  function pumpAll(): void {
    for (const link of [...links]) {
      pump(link, link.up);
      pump(link, link.down);
    }
  }

  function finish(link: Link): void {
    if (!links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }

  function connectUpstream(link: Link): void {
    link.held = false;
    upstreamConnects++;
    const upstream = connect({ host: targetHost, port: options.target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      link.down.push(chunk);
      pump(link, link.down);
    });
    upstream.on('end', () => {
      link.down.srcEnded = true;
      pump(link, link.down);
    });
    upstream.on('error', () => finish(link));
    upstream.on('close', () => {
      link.down.srcEnded = true;
      pump(link, link.down);
    });
    upstream.on('connect', () => {
      pump(link, link.up);
      pump(link, link.down);
    });
  }

  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    if (closed) {
      client.destroy();
      return;
    }
    accepted++;
    for (const wake of [...acceptWaiters]) wake();
    client.setNoDelay(true);
    const link: Link = {
      client,
      upstream: undefined,
      held: mode === 'half-open',
      up: new Pipe(
        () => client,
        () => link.upstream,
        (n) => (bytes.up += n),
        () => pump(link, link.up),
      ),
      down: new Pipe(
        () => link.upstream,
        () => client,
        (n) => (bytes.down += n),
        () => pump(link, link.down),
      ),
    };
    links.add(link);
    client.on('data', (chunk: Buffer) => {
      link.up.push(chunk);
      pump(link, link.up);
    });
    client.on('end', () => {
      link.up.srcEnded = true;
      pump(link, link.up);
    });
    client.on('error', () => finish(link));
    client.on('close', () => finish(link));
    if (!link.held) connectUpstream(link);
    pump(link, link.up);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  function stopTrickle(): void {
    if (trickleTimer) clearInterval(trickleTimer);
    trickleTimer = undefined;
  }

  function setMode(next: FaultMode): void {
    if (closed) return;
    if (next !== 'trickle') stopTrickle();
    mode = next;
    if (mode === 'pass' || mode === 'trickle') {
      for (const link of links) if (link.held) connectUpstream(link);
    }
    pumpAll();
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get upstreamConnects() {
      return upstreamConnects;
    },
    bytes,
    active: () => links.size,
    pass: () => setMode('pass'),
    stall: () => setMode('stall'),
    halfOpen: () => setMode('half-open'),
    trickle(bytesPerTick, intervalMs) {
      if (!(bytesPerTick > 0) || !(intervalMs > 0)) throw new RangeError('trickle needs bytesPerTick > 0 and intervalMs > 0');
      stopTrickle();
      setMode('trickle');
      trickleTimer = setInterval(() => {
        for (const link of [...links]) {
          if (link.held) continue;
          for (const pipe of [link.up, link.down]) {
            pipe.write(bytesPerTick);
            pump(link, pipe);
          }
        }
      }, intervalMs);
    },
    cut() {
      for (const link of [...links]) finish(link);
    },
    reset() {
      for (const link of [...links]) {
        links.delete(link);
        for (const socket of [link.client, link.upstream]) {
          if (!socket || socket.destroyed) continue;
          // resetAndDestroy needs a connected socket; one still connecting is just destroyed.
          if (socket.readyState === 'open' || socket.readyState === 'readOnly' || socket.readyState === 'writeOnly') socket.resetAndDestroy();
          else socket.destroy();
        }
      }
    },
    waitForAccepted(n, timeoutMs = 10_000) {
      if (accepted >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (accepted < n) return;
          clearTimeout(timer);
          acceptWaiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          acceptWaiters.delete(check);
          reject(new Error(`the proxy accepted ${accepted} connection(s), not ${n}, within ${timeoutMs} ms`));
        }, timeoutMs);
        acceptWaiters.add(check);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      stopTrickle();
      acceptWaiters.clear();
      for (const link of [...links]) finish(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
