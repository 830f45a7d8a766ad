// Which credentials a target uses when an OAuth sign-in and API keys both exist, and what a change means.
import { describe, expect, it } from 'vitest';
import type { SignInRecord } from '../../../relay/auth/sign-in-store.js';
import type { Settings } from '../../../relay/config/settings.js';
import { resolveTarget, targetChange } from '../../../relay/core/upstream-target.js';
import { tenantIdForKey } from '../../../relay/upstream/push-stream.js';

const SERVER = 'https://push.example';
const settings = (extra: Partial<Settings> = {}) => ({ server: SERVER, clientId: 'c', ...extra }) as Settings;
const record = (over: Partial<SignInRecord> = {}): SignInRecord => ({
  server: SERVER,
  signInId: 'login-1',
  subject: 'acme',
  issuer: 'https://auth.example',
  tokens: { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer' },
  ...over,
});
const env = (e: NodeJS.ProcessEnv = {}) => ({ env: e });

describe('resolveTarget with an OAuth sign-in', () => {
  it('uses the sign-in over a stored key, with a source keyed on the subject, not the token', () => {
    const a = resolveTarget(settings({ apiKey: 'plain-key-123' }), env(), undefined, () => record());
    const b = resolveTarget(settings(), env(), undefined, () => record({ tokens: { access_token: 'at-2', refresh_token: 'rt-2', token_type: 'Bearer' } }));
    expect(a).toMatchObject({ mode: 'server', apiKey: '', signIn: { signInId: 'login-1', subject: 'acme' } });
    expect(a.source).toEqual(b.source); // a refresh keeps the source: resume and dedupe span it
    expect(a.source.tenant).not.toBe(tenantIdForKey('at-1'));
  });

  it('PUSH_RELAY_API_KEY wins over the sign-in; logging out (no record) falls back to the stored key', () => {
    const byEnv = resolveTarget(settings(), env({ PUSH_RELAY_API_KEY: 'env-key-123' }), undefined, () => record());
    expect(byEnv).toMatchObject({ apiKey: 'env-key-123' });
    expect(byEnv.mode === 'server' && byEnv.signIn).toBe(undefined);
    expect(resolveTarget(settings({ apiKey: 'plain-key-123' }), env(), undefined, () => undefined)).toMatchObject({ apiKey: 'plain-key-123' });
  });

  it('a refused sign-in gives way to a key, and without one stays (so the state says "sign in again")', () => {
    const dead = () => record({ tokens: undefined, refreshFailed: 'sign in again' });
    expect(resolveTarget(settings({ apiKey: 'plain-key-123' }), env(), undefined, dead)).toMatchObject({ apiKey: 'plain-key-123' });
    expect(resolveTarget(settings(), env(), undefined, dead)).toMatchObject({ signIn: { signInId: 'login-1' } });
  });

  it('a new login, or switching between key and sign-in, is a credentials change on the same connection', () => {
    const first = resolveTarget(settings(), env(), undefined, () => record());
    const again = resolveTarget(settings(), env(), undefined, () => record({ signInId: 'login-2' }));
    const keyed = resolveTarget(settings({ apiKey: 'plain-key-123' }), env(), undefined, () => undefined);
    expect(targetChange(first, first)).toBe('none');
    expect(targetChange(first, again)).toBe('key');
    expect(targetChange(first, keyed)).toBe('key');
    expect(targetChange(keyed, first)).toBe('key');
  });

  it('with neither, says how to sign in', () => {
    expect(() => resolveTarget(settings(), env(), undefined, () => undefined)).toThrow(/push-relay login --server https:\/\/push\.example/);
  });
});
