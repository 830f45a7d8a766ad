// "No such subscription", said once for every surface. The push server's own text for an unknown id is written
// for MCP clients (the reference server's says "call list_subscriptions …"), which sends a CLI user looking for
// a tool they cannot call. So the relay recognises the case itself, by asking the server whether the id exists
// (only after an unsubscribe failed, so the common path costs nothing), and says it in neutral words with a
// code; each surface appends its own way to see the ids (`nextStep`), and nothing else of the message differs.
import { RelayError } from '../util/errors.js';
import type { ControlPlane } from './core.js';

export const SUBSCRIPTION_NOT_FOUND = 'subscription_not_found';

/** Where a message is shown: an agent through the MCP tools, or a person at the CLI. */
export type Surface = 'mcp' | 'cli';

const SEE_THE_IDS: Record<Surface, string> = {
  mcp: 'call list_subscriptions to see the ids you have',
  cli: 'run `push-relay subscriptions` to see the ids you have',
};

/** The catalogue's `not_found`: the local API answers it as a 404 with this code. */
export class UnknownSubscriptionError extends RelayError {
  override readonly name = 'UnknownSubscriptionError';
  constructor(readonly subscriptionId: string) {
    super('not_found', SUBSCRIPTION_NOT_FOUND, `no subscription "${subscriptionId}" for this relay's client id`);
  }
}

/** The message as `surface` shows it: the neutral fact, then that surface's next step. */
export function withNextStep(message: string, surface: Surface): string {
  return `${message}; ${SEE_THE_IDS[surface]}`;
}

/** Unsubscribes; when that fails and the server does not know the id at all, throws UnknownSubscriptionError. */
export async function unsubscribeKnown(control: Pick<ControlPlane, 'unsubscribe' | 'listSubscriptions'>, id: string): Promise<Record<string, unknown>> {
  try {
    return await control.unsubscribe(id);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'tool_error') throw err;
    let known: boolean;
    try {
      known = (await control.listSubscriptions(true)).some((s) => s.subscription_id === id);
    } catch {
      throw err; // cannot tell: the server's own answer is the best there is
    }
    if (!known) throw new UnknownSubscriptionError(id);
    throw err;
  }
}
