// The local API contract (relay/protocol/local-api.ts): paths are built in one place.
import { describe, expect, it } from 'vitest';
import { LOCAL_API, localApiPath, subscriptionPath } from '../../../relay/protocol/local-api.js';

describe('local API paths', () => {
  it('leaves out parameters that are undefined and encodes the rest', () => {
    expect(localApiPath(LOCAL_API.status)).toBe('/v1/status');
    expect(localApiPath(LOCAL_API.pending, { consumer: 'session:a b', topic: undefined, limit: 5, ack: false })).toBe('/v1/pending?consumer=session%3Aa+b&limit=5&ack=false');
    expect(localApiPath(LOCAL_API.events, { since: 0 })).toBe('/v1/events?since=0');
    expect(localApiPath(LOCAL_API.subscriptions, { include_deleted: undefined })).toBe('/v1/subscriptions');
  });

  it('escapes a subscription id into one path segment', () => {
    expect(subscriptionPath('sub/../x?y')).toBe('/v1/subscriptions/sub%2F..%2Fx%3Fy');
  });
});
