// The daemon's claim lease option (README "Sessions"): `--claim-lease-ms` wins over PUSH_RELAY_CLAIM_LEASE_MS,
// both are whole milliseconds within bounds, and a bad value stops the daemon with a usage error naming it.
import { describe, expect, it } from 'vitest';
import { claimLease } from '../../../relay/cli/daemon.js';
import { UsageError } from '../../../relay/cli/errors.js';

describe('claimLease', () => {
  it('takes the flag, else the env var, else leaves the default', () => {
    expect(claimLease('1500', '9000')).toBe(1500);
    expect(claimLease(undefined, '9000')).toBe(9000);
    expect(claimLease(undefined, undefined)).toBeUndefined();
    expect(claimLease(undefined, '')).toBeUndefined();
  });

  it('refuses what is not a whole number or out of bounds, naming the flag or the env var', () => {
    expect(() => claimLease('abc', undefined)).toThrow(UsageError);
    expect(() => claimLease('50', undefined)).toThrow(/--claim-lease-ms must be between 100 and 86400000/);
    expect(() => claimLease(undefined, '-5')).toThrow(/^PUSH_RELAY_CLAIM_LEASE_MS: needs a whole number/);
    expect(() => claimLease(undefined, '99999999999')).toThrow(/^PUSH_RELAY_CLAIM_LEASE_MS: must be between/);
  });
});
