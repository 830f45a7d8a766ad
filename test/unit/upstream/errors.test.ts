import { describe, expect, it } from 'vitest';
import { describeError, isNetworkErrorCode, networkErrorCode, redact } from '../../../relay/upstream/errors.js';
import { tenantIdForKey } from '../../../relay/upstream/push-stream.js';

describe('redact', () => {
  it('removes bearer tokens and the given secrets, keeps prose', () => {
    expect(redact('Authorization: Bearer pact_live_abcdef123456')).toBe('Authorization: Bearer [redacted]');
    expect(redact('header "authorization":"bearer abc.def-ghi_jkl=="')).toBe('header "authorization":"bearer [redacted]"');
    expect(redact('unknown bearer token')).toBe('unknown bearer token');
    expect(redact('the key sk-0123456789 leaked twice: sk-0123456789', ['sk-0123456789'])).toBe('the key [redacted] leaked twice: [redacted]');
    expect(redact('a b c', ['a', undefined, ''])).toBe('a b c'); // too short to be a key
  });
});

describe('network errors', () => {
  it('finds the errno code through undici cause chains and says whether it is a network failure', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(networkErrorCode(err)).toBe('ECONNREFUSED');
    expect(isNetworkErrorCode('ECONNREFUSED')).toBe(true);
    expect(isNetworkErrorCode('ENOTFOUND')).toBe(true);
    expect(isNetworkErrorCode('ERR_TLS_CERT_ALTNAME_INVALID')).toBe(false);
    expect(isNetworkErrorCode(undefined)).toBe(false);
    expect(describeError(err)).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(describeError('plain')).toBe('plain');
  });
});

describe('tenantIdForKey', () => {
  it('is the first 16 hex characters of sha256(key): stable, and different per key', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 test vector)
    expect(tenantIdForKey('abc')).toBe('ba7816bf8f01cfea');
    expect(tenantIdForKey('abc')).toMatch(/^[0-9a-f]{16}$/);
    expect(tenantIdForKey('abd')).not.toBe(tenantIdForKey('abc'));
  });
});
