// Who may talk to a loopback server of ours (the local API, and the reference server with its Host check on):
// loopback only, the right Host (DNS rebinding: a hostile page that resolves its own name to 127.0.0.1 still
// sends its own Host), no foreign Origin (a browser page of another site), and a bearer token where one is due.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerToken, HttpError } from './http.js';

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function checkHostAndOrigin(req: IncomingMessage, hosts: Set<string>): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) {
    throw new HttpError(403, 'forbidden_host', `Host "${host}" is not this relay; use http://127.0.0.1:<port>/`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      const url = new URL(origin);
      originHost = url.protocol === 'http:' ? url.host.toLowerCase() : '';
    } catch {
      originHost = '';
    }
    if (!hosts.has(originHost)) throw new HttpError(403, 'forbidden_origin', `requests from ${origin} are not allowed`);
  } else if (origin === 'null') {
    throw new HttpError(403, 'forbidden_origin', 'requests from opaque origins are not allowed');
  }
}

export function checkToken(req: IncomingMessage, expected: string): void {
  const given = bearerToken(req);
  // Compare bytes, not characters: a header byte ≥ 0x80 arrives as one latin1 character but is two bytes in
  // UTF-8, and timingSafeEqual throws (→ a 502 naming a crypto error) on buffers of different lengths.
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  const ok = given !== undefined && a.length === b.length && timingSafeEqual(a, b);
  if (!ok) {
    throw new HttpError(401, 'unauthorized', 'send "Authorization: Bearer <token>" with the token from <home>/local-token', {
      'www-authenticate': 'Bearer realm="push-relay"',
    });
  }
}
