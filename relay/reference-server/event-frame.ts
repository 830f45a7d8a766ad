// The `notifications/pact/event` frame of one logged event for one subscription, as the push channel sends it.
// One function, used to send (push-connection.ts) and to measure before accepting (deliverable.ts), so the
// size checked at emit is the size that goes out.
import { frame, METHOD } from '../protocol/frames.js';
import { encodeSseFrame } from '../protocol/sse.js';
import type { LoggedEvent } from './store.js';

export function eventFrame(event: LoggedEvent, subscriptionId: string): { jsonrpc: '2.0'; method: string; params: unknown } {
  const { subject: _subject, ...pushed } = event; // the data subject never leaves the server
  return frame(METHOD.event, { subscription_id: subscriptionId, ...pushed });
}

export function encodeEventFrame(event: LoggedEvent, subscriptionId: string): string {
  return encodeSseFrame(eventFrame(event, subscriptionId), event.event_id);
}
