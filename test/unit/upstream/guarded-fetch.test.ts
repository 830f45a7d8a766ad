import { describe, expect, it } from 'vitest';
import { RedirectError } from '../../../relay/upstream/errors.js';
import { createGuardedFetch, type FetchFn } from '../../../relay/upstream/guarded-fetch.js';

interface Seen {
  url: string;
  method: string;
  body: unknown;
  authorization: string | null;
  redirect: string | undefined;
}

/** A fetch that answers from a table of url → response factory, recording what it was asked. */
function stub(routes: Record<string, () => Response>): { fetch: FetchFn; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchFn = (input, init) => {
    const url = String(input instanceof URL ? input.href : input);
    seen.push({ url, method: init?.method ?? 'GET', body: init?.body, authorization: new Headers(init?.headers).get('authorization'), redirect: init?.redirect });
    const route = routes[url];
    return Promise.resolve(route ? route() : new Response('not found', { status: 404 }));
  };
  return { fetch, seen };
}

const redirect = (status: number, location: string) => () => new Response(null, { status, headers: { location } });
const ok = () => new Response('ok', { status: 200 });

async function redirectError(promise: Promise<unknown>): Promise<RedirectError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RedirectError);
    return err as RedirectError;
  }
  throw new Error('no RedirectError');
}

describe('createGuardedFetch', () => {
  const origin = 'https://api.example';
  const token = () => 'tok-123456789';

  it('adds the token and always asks for manual redirects', async () => {
    const s = stub({ [`${origin}/a`]: ok });
    const res = await createGuardedFetch({ origin, token, fetch: s.fetch })(`${origin}/a`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(s.seen).toEqual([{ url: `${origin}/a`, method: 'GET', body: undefined, authorization: 'Bearer tok-123456789', redirect: 'manual' }]);
  });

  it('follows up to 3 same-origin redirects, relative or absolute, re-sending the token', async () => {
    const s = stub({
      [`${origin}/1`]: redirect(301, '/2'),
      [`${origin}/2`]: redirect(307, `${origin}/3?x=1`),
      [`${origin}/3?x=1`]: redirect(308, '4'),
      [`${origin}/4`]: ok,
    });
    const res = await createGuardedFetch({ origin, token, fetch: s.fetch })(`${origin}/1`);
    expect(await res.text()).toBe('ok');
    expect(s.seen.map((x) => x.url)).toEqual([`${origin}/1`, `${origin}/2`, `${origin}/3?x=1`, `${origin}/4`]);
    expect(s.seen.every((x) => x.authorization === 'Bearer tok-123456789')).toBe(true);
  });

  it('a fourth redirect is too many', async () => {
    const s = stub({ [`${origin}/1`]: redirect(302, '/2'), [`${origin}/2`]: redirect(302, '/3'), [`${origin}/3`]: redirect(302, '/4'), [`${origin}/4`]: redirect(302, '/5') });
    const err = await redirectError(createGuardedFetch({ origin, token, fetch: s.fetch })(`${origin}/1`));
    expect(err.code).toBe('too_many_redirects');
    expect(s.seen).toHaveLength(4);
  });

  it.each([
    ['another host', 'https://evil.example/mcp/'],
    ['another port', 'https://api.example:8443/mcp/'],
    ['another scheme', 'http://api.example/mcp/'],
    ['userinfo', 'https://user:pw@api.example/mcp/'],
  ])('never follows a redirect to %s', async (_what, location) => {
    const s = stub({ [`${origin}/mcp/`]: redirect(307, location), [location]: ok });
    const err = await redirectError(createGuardedFetch({ origin, token, fetch: s.fetch })(`${origin}/mcp/`));
    expect(err.code).toBe('cross_origin_redirect');
    expect(err.status).toBe(307);
    expect(err.message).toMatch(/not followed/);
    expect(err.message).not.toContain('pw@');
    expect(s.seen).toHaveLength(1);
  });

  it('keeps method and body on 307/308; 303 and a POST 301/302 become a GET without body', async () => {
    const s = stub({
      [`${origin}/p`]: redirect(308, '/q'),
      [`${origin}/q`]: redirect(303, '/r'),
      [`${origin}/r`]: ok,
    });
    await createGuardedFetch({ origin, token, fetch: s.fetch })(`${origin}/p`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(s.seen.map((x) => [x.method, x.body])).toEqual([
      ['POST', '{"a":1}'],
      ['POST', '{"a":1}'],
      ['GET', undefined],
    ]);
    const t = stub({ [`${origin}/p`]: redirect(302, '/r'), [`${origin}/r`]: ok });
    await createGuardedFetch({ origin, token, fetch: t.fetch })(`${origin}/p`, { method: 'POST', body: 'x' });
    expect(t.seen.map((x) => x.method)).toEqual(['POST', 'GET']);
  });

  it('a 3xx without Location is returned as it is; an unreadable Location fails', async () => {
    const s = stub({ [`${origin}/a`]: () => new Response(null, { status: 304 }), [`${origin}/b`]: redirect(302, 'http://[bad') });
    const g = createGuardedFetch({ origin, token, fetch: s.fetch });
    expect((await g(`${origin}/a`)).status).toBe(304);
    expect((await redirectError(g(`${origin}/b`))).code).toBe('invalid_redirect');
  });

  it('refuses to send the token to another origin in the first place', async () => {
    const s = stub({});
    await redirectError(createGuardedFetch({ origin, token, fetch: s.fetch })('https://other.example/'));
    expect(s.seen).toEqual([]);
  });

  it('reads the token per request (a new key takes effect at once) and sends none when there is none', async () => {
    let key: string | undefined = 'first-key-123';
    const s = stub({ [`${origin}/a`]: ok });
    const g = createGuardedFetch({ origin, token: () => key, fetch: s.fetch });
    await g(`${origin}/a`);
    key = 'second-key-456';
    await g(`${origin}/a`);
    key = undefined;
    await g(`${origin}/a`);
    expect(s.seen.map((x) => x.authorization)).toEqual(['Bearer first-key-123', 'Bearer second-key-456', null]);
  });
});
