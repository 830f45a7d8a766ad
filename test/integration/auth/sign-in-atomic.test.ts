// A sign-in is all or nothing: an attempt that is cancelled or fails leaves the stored sign-in exactly as it was
// (tokens and all, so a restarted relay is still signed in), and a finished one replaces it while reusing the
// registered client.
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signIn } from '../../../relay/auth/sign-in.js';
import { FileSignInStore } from '../../../relay/auth/sign-in-store.js';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';
import { tempDir } from '../../helpers/tmp.js';

const cleanups = useCleanups();

async function setUp() {
  const ref = await startReferenceServer({ tokens: {}, oauth: { tenant: 'acme' } });
  cleanups.add(() => ref.close());
  const home = await tempDir('relay-sign-in-atomic-');
  cleanups.add(home.cleanup);
  const server = normalizeServerUrl(ref.url);
  const store = new FileSignInStore(home.path);
  const first = await signIn({ server, store, open: approveWithoutBrowser });
  return { ref, server, store, first };
}

describe('a sign-in replaces the stored one only when it finishes', () => {
  it('a cancelled attempt leaves the stored sign-in as it was, also as a new store on the same home reads it', async () => {
    const { server, store, first } = await setUp();
    const abort = new AbortController();
    await expect(signIn({ server, store, signal: abort.signal, open: () => abort.abort() })).rejects.toThrow('cancelled');
    expect(store.load(server.base)).toEqual(first);
    expect(new FileSignInStore(dirname(store.path)).load(server.base)?.tokens?.refresh_token).toBe(first.tokens!.refresh_token);
  }, 30_000);

  it('a failed attempt (the browser brings an error back) leaves it as it was; a finished one replaces it on the same client', async () => {
    const { server, store, first } = await setUp();
    const denied = async (url: URL) => {
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('state', url.searchParams.get('state')!);
      back.searchParams.set('error', 'access_denied');
      await (await fetch(back)).body?.cancel();
    };
    await expect(signIn({ server, store, open: denied })).rejects.toThrow('access_denied');
    expect(store.load(server.base)).toEqual(first);

    const second = await signIn({ server, store, open: approveWithoutBrowser });
    expect(store.load(server.base)).toEqual(second);
    expect(second.tokens!.refresh_token).not.toBe(first.tokens!.refresh_token);
    expect(second.clientInformation!.client_id).toBe(first.clientInformation!.client_id);
  }, 30_000);
});
