// `/v1/sign-in` and `/v1/sign-out` for the Settings page's Sign in / Sign out buttons (the wire shapes are in
// relay/protocol/local-api.ts). The relay runs the sign-in itself (relay/auth/sign-in-flow.ts, the same one the
// tray uses) with its loopback redirect listener, and hands the authorization URL back instead of opening a
// browser: the page opens it in a new tab. Mounted with the other token-protected routes, so the local token and
// the Host/Origin checks apply as to every route (relay/local/server.ts). Bodies must be JSON (`{}`, or
// `{ server }` to sign in to a server not saved yet), which a
// cross-site form cannot send without a preflight.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SignInFlow } from '../auth/sign-in-flow.js';
import { LOCAL_API, type SignInRequest, type SignInResponse, type SignOutResponse } from '../protocol/local-api.js';
import { ConfigError, normalizeServerUrl, type ServerUrl } from '../upstream/server-url.js';
import { HttpError, readJson, sendJson, type Handler } from '../util/http.js';

export function signInRoutes(flow: SignInFlow): Record<string, Handler> {
  const signIn: Handler = async (req, res, url) => {
    if (req.method === 'GET' || req.method === 'HEAD') return answer(res, 200, { sign_in: flow.current() });
    if (req.method === 'POST') {
      const server = await signInRequest(req);
      const started = await flow.start(undefined, server);
      return answer(res, 202, { sign_in: started.attempt });
    }
    if (req.method === 'DELETE') {
      const id = url.searchParams.get('id') ?? undefined;
      flow.cancel(id);
      return answer(res, 200, { sign_in: flow.current() });
    }
    throw new HttpError(405, 'method_not_allowed', `use GET, POST or DELETE on ${LOCAL_API.signIn}`, { allow: 'GET, POST, DELETE' });
  };
  const signOut: Handler = async (req, res) => {
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `use POST on ${LOCAL_API.signOut}`, { allow: 'POST' });
    await emptyObject(req);
    const had = await flow.signOut();
    const body: SignOutResponse = {
      signed_out: had,
      message: had ? 'Signed out: the sign-in was revoked on the push server and removed here; the relay uses the API key, if one is set.' : 'Not signed in.',
    };
    sendJson(res, 200, body);
  };
  return { [LOCAL_API.signIn]: signIn, [LOCAL_API.signOut]: signOut };
}

function answer(res: ServerResponse, status: number, body: SignInResponse): void {
  sendJson(res, status, body);
}

/** Only `{}`, so a later option is never silently ignored by an older relay. */
async function emptyObject(req: IncomingMessage): Promise<void> {
  const body = await readJson(req, 1024);
  if (!isObject(body) || Object.keys(body).length > 0) throw new HttpError(400, 'invalid_request', 'send {} as the body');
}

/** `{}` or `{ server }` (SignInRequest); the server URL is checked as the Settings page's is (server-url.ts). */
async function signInRequest(req: IncomingMessage): Promise<ServerUrl | undefined> {
  const body = await readJson(req, 4096);
  const keys = isObject(body) ? Object.keys(body) : undefined;
  if (!isObject(body) || !keys || keys.some((k) => k !== 'server')) throw new HttpError(400, 'invalid_request', 'send {} or {"server": "<push server URL>"} as the body');
  const { server } = body as SignInRequest;
  if (server === undefined) return undefined;
  if (typeof server !== 'string' || server.trim() === '' || server.length > 2000) throw new HttpError(400, 'invalid_request', 'server: give the push server URL as text');
  try {
    return normalizeServerUrl(server.trim());
  } catch (err) {
    if (err instanceof ConfigError) throw new HttpError(400, 'invalid_request', `server: ${err.message}`);
    throw err;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
