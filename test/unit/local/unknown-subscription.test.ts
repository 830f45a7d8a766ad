// The "no such subscription" path shared by the local API and the MCP tools (relay/local/unknown-subscription.ts).
import { describe, expect, it } from 'vitest';
import { UnknownSubscriptionError, unsubscribeKnown, withNextStep } from '../../../relay/local/unknown-subscription.js';
import type { SubscriptionRow } from '../../../relay/protocol/frames.js';

class ToolFailure extends Error {
  readonly code = 'tool_error';
}

/** A memory control plane: `ids` exist (deleted or not); unsubscribe of anything else fails like the server does. */
function control(ids: string[], { listFails = false } = {}) {
  return {
    unsubscribe: async (id: string) => {
      if (!ids.includes(id)) throw new ToolFailure(`unsubscribe failed: server text for ${id}`);
      return { subscription_id: id, unsubscribed: true, already_deleted: false };
    },
    listSubscriptions: async () => {
      if (listFails) throw new Error('unreachable');
      return ids.map((subscription_id) => ({ subscription_id }) as SubscriptionRow);
    },
  };
}

describe('unsubscribeKnown', () => {
  it('passes a success through', async () => {
    await expect(unsubscribeKnown(control(['a']), 'a')).resolves.toMatchObject({ unsubscribed: true });
  });

  it('turns a failure for an id the server does not list into UnknownSubscriptionError', async () => {
    const err = await unsubscribeKnown(control(['a']), 'zzz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownSubscriptionError);
    expect(err).toMatchObject({ code: 'subscription_not_found', kind: 'not_found', subscriptionId: 'zzz' });
  });

  it("keeps the server's error when the id exists or the list cannot be read", async () => {
    const known = control(['a']);
    known.unsubscribe = async () => {
      throw new ToolFailure('unsubscribe failed: busy');
    };
    await expect(unsubscribeKnown(known, 'a')).rejects.toThrow('busy');
    await expect(unsubscribeKnown(control([], { listFails: true }), 'zzz')).rejects.toThrow('server text for zzz');
  });
});

describe('withNextStep', () => {
  it('one fact, each surface its own next step', () => {
    const fact = new UnknownSubscriptionError('x').message;
    expect(withNextStep(fact, 'cli')).toBe(`${fact}; run \`push-relay subscriptions\` to see the ids you have`);
    expect(withNextStep(fact, 'mcp')).toBe(`${fact}; call list_subscriptions to see the ids you have`);
  });
});
