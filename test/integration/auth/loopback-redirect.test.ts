// The sign-in's loopback redirect listener: 127.0.0.1, random port, and only the expected state is taken.
import { describe, expect, it } from 'vitest';
import { startLoopbackRedirect } from '../../../relay/auth/loopback-redirect.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanups = useCleanups();

async function listener() {
  const r = await startLoopbackRedirect();
  cleanups.add(() => r.close());
  return r;
}

describe('loopback redirect', () => {
  it('listens on 127.0.0.1 at an OS-picked port and ignores a callback with another state', async () => {
    const r = await listener();
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const got = r.wait(() => 'expected-state', 10_000);
    const forged = await fetch(`${r.url}?state=forged&code=attacker-code`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('was ignored');
    const real = await fetch(`${r.url}?state=expected-state&code=the-code&iss=https%3A%2F%2Fas`);
    expect(real.status).toBe(200);
    await expect(got).resolves.toEqual({ code: 'the-code', iss: 'https://as' });
  });

  it('an error answer with the right state fails the sign-in with the server’s reason, neutralized', async () => {
    const r = await listener();
    const got = r.wait(() => 's', 10_000);
    got.catch(() => undefined); // asserted below, after the callback
    await fetch(`${r.url}?state=s&error=access_denied&error_description=${encodeURIComponent('no\u202Ethanks')}`);
    await expect(got).rejects.toMatchObject({ code: 'oauth_authorization_failed', message: expect.not.stringContaining('\u202E') });
    await expect(got).rejects.toThrow(/access_denied/);
  });

  it('refuses another Host (DNS rebinding) and closing abandons the wait', async () => {
    const r = await listener();
    const got = r.wait(() => 's', 10_000);
    got.catch(() => undefined);
    const port = new URL(r.url).port;
    const res = await fetch(`http://localhost:${port}/callback?state=s&code=c`);
    expect(res.status).toBe(404);
    await r.close();
    await expect(got).rejects.toThrow(/abandoned/);
  });
});
