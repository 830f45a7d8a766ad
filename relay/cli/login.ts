// `push-relay login [--server URL] [--no-browser]` and `push-relay logout [--server URL]`: OAuth sign-in to the
// push server (relay/auth/sign-in.ts: the v2 SDK's discovery, registration and PKCE), the alternative to an API
// key (seed 001: "OAuth 2.0 or scoped API key"). The URL is always printed, so a sign-in on an SSH box works from
// any browser that can reach the server and the loopback redirect (forward the port); `--no-browser` only skips
// trying to open one here. A running relay on the home dir switches to the new credentials at once.
import { spawn } from 'node:child_process';
import { resolveHome } from '../config/home.js';
import { openSettings } from '../config/settings.js';
import { FileSignInStore } from '../auth/sign-in-store.js';
import { signIn, signOut } from '../auth/sign-in.js';
import { RelayUnavailableError } from '../client/local-client.js';
import { LOCAL_API } from '../protocol/local-api.js';
import { normalizeServerUrl, type ServerUrl } from '../upstream/server-url.js';
import { RelayError } from '../util/errors.js';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import { callRelay, HOME_OPTION } from './relay-connection.js';

const LOGIN_USAGE = 'push-relay login [--server URL] [--no-browser] [--home DIR]';
const LOGOUT_USAGE = 'push-relay logout [--server URL] [--home DIR]';

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, server: { type: 'string' }, 'no-browser': { type: 'boolean' } }, LOGIN_USAGE);
  const home = resolveHome(values.home);
  const server = serverOf(values.server, home, LOGIN_USAGE);
  const store = new FileSignInStore(home);
  const out = (line: string) => process.stderr.write(`${line}\n`);
  const record = await signIn({
    server,
    store,
    open: (url) => {
      out(`Open this address in a browser to sign in to ${server.base}:\n\n  ${url.href}\n`);
      if (!values['no-browser']) openBrowser(url.href);
      out('Waiting for the browser (Ctrl-C to give up)…');
    },
  });
  const scopes = record.tokens?.scope ? ` with scopes ${record.tokens.scope}` : '';
  process.stdout.write(`Signed in to ${server.base} as ${record.subject}${scopes}.\nTokens are stored in ${store.where}.\n`);
  rememberServer(home, server);
  await tellRelay(values.home, server, out);
}

export async function runLogout(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, server: { type: 'string' } }, LOGOUT_USAGE);
  const home = resolveHome(values.home);
  const server = serverOf(values.server, home, LOGOUT_USAGE);
  const store = new FileSignInStore(home);
  const had = await signOut(server, store);
  process.stdout.write(had ? `Signed out of ${server.base}: the tokens were revoked and removed from ${store.path}.\n` : `Not signed in to ${server.base}.\n`);
  if (had) await tellRelay(values.home, server, (line) => process.stderr.write(`${line}\n`));
}

function serverOf(flag: string | undefined, home: string, usage: string): ServerUrl {
  const configured = flag || process.env.PUSH_RELAY_SERVER || openSettings(home).read().server;
  if (!configured || configured === 'demo') throw new UsageError(`which push server? give --server URL\nusage: ${usage}`);
  return normalizeServerUrl(configured);
}

/** With no server in settings yet, a login names it, so `push-relay daemon` alone uses the sign-in. */
function rememberServer(home: string, server: ServerUrl): void {
  const settings = openSettings(home);
  if (!settings.read().server) settings.update({ server: server.base });
}

/** A running relay re-resolves its credentials (the Settings route applies them live, no restart). */
async function tellRelay(homeFlag: string | undefined, server: ServerUrl, out: (line: string) => void): Promise<void> {
  try {
    await callRelay(homeFlag, LOCAL_API.settings, { method: 'PUT', body: { server: server.base } });
    out('The running relay now uses these credentials.');
  } catch (err) {
    if (err instanceof RelayUnavailableError) return; // it uses them when it starts
    out(`The running relay did not switch: ${err instanceof RelayError ? err.message : String(err)}`);
  }
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no opener: the printed URL is there
    child.unref();
  } catch {
    // same
  }
}
