// The default connection cap of the loopback server stays below the open-files limit, so that at the cap
// the relay still has descriptors to accept, evict and answer with (relay/local/connection-guard.ts).
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CONNECTIONS, defaultMaxConnections, openFilesLimit } from '../../../relay/local/connection-guard.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            400                  4096                 files
Max locked memory         8388608              8388608              bytes
`;

describe('connection cap', () => {
  it('reads the soft open-files limit from /proc/self/limits text', () => {
    expect(openFilesLimit(() => LIMITS)).toBe(400);
    expect(openFilesLimit(() => LIMITS.replace('400 ', 'unlimited '))).toBeUndefined();
    expect(openFilesLimit(() => {
      throw Object.assign(new Error('no /proc here'), { code: 'ENOENT' });
    })).toBeUndefined();
  });

  it('stays below a low limit, and is generous (over 1,000 parked long-polls) under a usual one', () => {
    expect(defaultMaxConnections(400)).toBe(144);
    expect(defaultMaxConnections(1_048_576)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(DEFAULT_MAX_CONNECTIONS).toBeGreaterThan(1_000);
    expect(defaultMaxConnections(undefined)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(defaultMaxConnections(100)).toBe(16);
  });
});
