// The tools' backend inside the relay process (the `/mcp` endpoint): straight onto the RelayCore, through the
// same consumer operations as the /v1 routes (../consumer-ops.ts). Failures are left to the tools' one
// mapping onto tool errors (tools.ts, through the error catalogue).
import { consumerOps } from '../consumer-ops.js';
import type { RelayCore } from '../core.js';
import { unsubscribeKnown } from '../unknown-subscription.js';
import type { ToolBackend } from './backend.js';
import { sessionsOf } from '../../sessions/routes.js';

export function coreBackend(core: RelayCore): ToolBackend {
  const { control } = core;
  const ops = consumerOps(core.inbox, { leaseMs: core.claimLeaseMs });
  return {
    // get_pending_events hands over what it returns: claimed (and acked, by default), never a mere view.
    pending: (q) => ops.pending({ ...q, claim: true, via: 'get_pending_events' }),
    // wait_for_event hands over what it returns: acked, like the hooks do.
    wait: (q) => ops.wait({ ...q, ack: true, via: 'wait_for_event' }),
    ack: async (consumer, upToEventId) => {
      const state = await ops.ack({ consumer, upToEventId });
      return { consumer, cursor: state.cursor, pending: state.pending };
    },
    subscribe: (input) => control.subscribe(input),
    unsubscribe: (id) => unsubscribeKnown(control, id),
    listSubscriptions: (includeDeleted) => control.listSubscriptions(includeDeleted),
    listTopics: (category) => control.listTopics(category),
    status: async () => core.status(),
    sessions: async () => {
      const registry = sessionsOf(core);
      return { mode: registry.mode, sessions: registry.list() };
    },
  };
}
