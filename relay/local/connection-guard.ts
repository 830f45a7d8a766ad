// A cap on the loopback server's connections (DESIGN.md "Local HTTP": any local process can connect).
//
// Silent sockets are closed by node:http itself: headersTimeout counts from the connection for a socket that
// has sent nothing (a 408, then close; measured on Node 20.20: 500 silent sockets, all closed one check after
// the timeout; idle-sockets.test.ts pins it). Within that window they still hold descriptors: under a low
// open-files limit, enough of them made accept() fail and the relay stopped answering. So the total is capped
// below that limit. At the cap, a new connection evicts the oldest connection that has not sent a request yet
// (a silent one, never a client's long-poll); when every connection is serving a request, the new one is
// refused. Requests that have arrived — /v1/wait long-polls, /v1/stream and MCP SSE streams — are never
// evicted. Written by hand: node:http's `maxConnections` drops the NEW connection, which would let silent
// sockets lock real clients out.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Logger } from '../util/log.js';

/** Parked long-polls the relay is built for (README "Benchmarks": 1,000 /v1/wait), plus UI streams and MCP sessions. */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** Descriptors kept for everything else the relay holds open: inbox segments, upstream, logs, child pipes. */
const FD_RESERVE = 256;

/** The soft open-files limit, where the platform tells it (Linux /proc); undefined elsewhere or unlimited. */
export function openFilesLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(read());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The default cap: generous, but below the descriptor limit so the relay keeps answering at the cap. */
export function defaultMaxConnections(fdLimit = openFilesLimit()): number {
  if (fdLimit === undefined) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(16, Math.min(DEFAULT_MAX_CONNECTIONS, fdLimit - FD_RESERVE));
}

export interface ConnectionGuardOptions {
  maxConnections: number;
  log: Logger;
}

export interface ConnectionGuard {
  /** Connections open now, and those among them that have not sent a request yet. */
  counts(): { open: number; silent: number };
}

export function guardConnections(server: Server, options: ConnectionGuardOptions): ConnectionGuard {
  let open = 0;
  /** Connections without a request yet, oldest first (a Set keeps insertion order). */
  const silent = new Set<Socket>();

  server.on('connection', (socket: Socket) => {
    if (open >= options.maxConnections) {
      const oldest = silent.values().next();
      if (oldest.done) {
        options.log.warn(`local API: ${open} connections, all serving requests; refusing a new one`);
        socket.destroy();
        return;
      }
      options.log.warn(`local API: at the cap of ${options.maxConnections} connections; closing the oldest one that sent nothing`);
      silent.delete(oldest.value);
      oldest.value.destroy();
    }
    open++;
    silent.add(socket);
    socket.once('close', () => {
      open--;
      silent.delete(socket);
    });
  });
  // 'request' fires once the head is complete; the body, if slow, is node:http's requestTimeout's job.
  server.on('request', (req) => void silent.delete(req.socket));

  return { counts: () => ({ open, silent: silent.size }) };
}
