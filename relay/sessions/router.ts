// Routes (relay/sessions/settings.ts) by acks: when an event is stored, every session consumer it is not for
// acks it at once — the base consumers (shared, or each live session's own) when a route takes it, and the
// other routes' consumers — so exactly one consumer keeps it, and one session per route claims it. The inbox
// tells append listeners before it wakes waiters, and an ack marks the event in memory synchronously (the
// write follows), so no waiter can take a routed event from the wrong consumer in between. Routes are read
// at each append, so a settings change routes the next event by the new routes; events stored before stay
// where the routes of their time put them.
import type { Inbox, StoredEvent } from '../inbox/types.js';
import type { SessionRegistry } from './registry.js';

export async function startRouter(inbox: Inbox, registry: SessionRegistry, onError: (error: unknown) => void): Promise<() => void> {
  // Route consumers exist from the start (at the head), so an event arriving before any session is kept; a
  // route added later gets its consumer before it takes effect (live-settings.ts).
  for (const consumer of registry.routeConsumers()) await inbox.consumer(consumer);
  return inbox.onAppend((events: StoredEvent[]) => {
    const routes = registry.routeConsumers();
    if (routes.length === 0) return;
    const notFor = new Map<string, number[]>();
    const add = (consumer: string, seq: number) => notFor.set(consumer, [...(notFor.get(consumer) ?? []), seq]);
    const bases = registry.liveBaseConsumers();
    for (const event of events) {
      const route = registry.routeOf(event);
      for (const consumer of routes) if (consumer !== route) add(consumer, event.seq);
      if (route !== undefined) for (const consumer of bases) add(consumer, event.seq);
    }
    for (const [consumer, seqs] of notFor) inbox.ackEvents(consumer, seqs).catch(onError);
  });
}
