// The redirect target of a native app's sign-in (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 on a port the
// OS picks, for one callback. The `state` it was given must come back (RFC 6749 §10.12, CSRF): a callback with
// any other state (another local process guessing, a stale tab) is answered and ignored, and the wait goes on.
// Untrusted query text never reaches the page or the terminal unescaped and unclipped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { neutralizeText } from '../protocol/untrusted-text.js';
import { SignInError } from './errors.js';

export interface Callback {
  code: string;
  iss: string | undefined;
}

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback` */
  readonly url: string;
  /** The code of the first callback carrying `state()`; rejects on an error callback with it, or on timeout. */
  wait(state: () => string | undefined, timeoutMs: number): Promise<Callback>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family: sans-serif; margin: 3em"><h1>${title}</h1><p>${text}</p></body></html>`;

export async function startLoopbackRedirect(): Promise<LoopbackRedirect> {
  let expected: () => string | undefined = () => undefined;
  let settle: { resolve: (c: Callback) => void; reject: (e: Error) => void } | undefined;
  let closed = false;
  let port = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const answer = (status: number, title: string, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      res.end(PAGE(title, text));
    };
    if (req.method !== 'GET' || url.pathname !== '/callback' || req.headers.host !== `127.0.0.1:${port}`) return answer(404, 'Not found', 'Nothing here.');
    const state = url.searchParams.get('state');
    const want = expected();
    if (!settle || !want || state !== want) return answer(400, 'Not this sign-in', 'This answer does not belong to the sign-in Push Relay is waiting for; it was ignored.');
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error !== null || !code) {
      const said = neutralizeText(`${error ?? 'no code'}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}`, 200);
      answer(400, 'Sign-in failed', 'Push Relay was not signed in. You can close this tab.');
      settle.reject(new SignInError('oauth_authorization_failed', `the push server did not sign you in (${said})`));
      return;
    }
    answer(200, 'Signed in', 'Push Relay is signed in. You can close this tab.');
    settle.resolve({ code, iss: url.searchParams.get('iss') ?? undefined });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    wait(state, timeoutMs) {
      expected = state;
      return new Promise<Callback>((resolve, reject) => {
        const timer = setTimeout(() => reject(new SignInError('oauth_authorization_failed', `no answer from the browser within ${Math.round(timeoutMs / 1000)} s; run login again`)), timeoutMs);
        const done = () => {
          clearTimeout(timer);
          settle = undefined;
        };
        settle = {
          resolve: (c) => {
            done();
            resolve(c);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        };
      });
    },
    close: async () => {
      if (!closed) settle?.reject(new SignInError('oauth_authorization_failed', 'the sign-in was abandoned'));
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
