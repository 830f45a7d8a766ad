// Refuses, at emit, an event that relays would refuse on the push channel (relay/protocol/limits.ts): accepted
// here, it would be skipped downstream as a malformed frame and never reach anyone, with no word to the emitter.
import { nestsDeeperThan } from '../protocol/json-depth.js';
import { MAX_FRAME_BYTES, MAX_FRAME_DEPTH } from '../protocol/limits.js';
import { eventFrame } from './event-frame.js';
import type { LoggedEvent } from './store.js';

/**
 * Subscription ids are `randomUUID()` (store.ts): always 36 ASCII characters, so the frame built with this one
 * has exactly the size of every real frame of the event.
 */
const SUBSCRIPTION_ID_OF_ITS_LENGTH = '00000000-0000-0000-0000-000000000000';
/** The payload object sits at this level of its frame: the envelope (1), params (2), payload (3). */
const PAYLOAD_LEVEL = 3;

export class UndeliverableEventError extends Error {
  constructor(
    readonly code: 'event_too_large' | 'payload_too_deep',
    /** The HTTP status the emit route answers with. */
    readonly status: 413 | 400,
    message: string,
  ) {
    super(message);
  }
}

export function checkDeliverable(event: LoggedEvent): void {
  let text: string;
  try {
    text = JSON.stringify(eventFrame(event, SUBSCRIPTION_ID_OF_ITS_LENGTH));
  } catch (err) {
    // Only a payload nesting thousands deep (handed in-process: HTTP bodies are depth-checked) overflows here.
    if (!(err instanceof RangeError)) throw err;
    text = '';
  }
  if (text === '' || nestsDeeperThan(text, MAX_FRAME_DEPTH)) {
    throw new UndeliverableEventError(
      'payload_too_deep',
      400,
      `payload nests arrays/objects deeper than ${MAX_FRAME_DEPTH - PAYLOAD_LEVEL + 1} levels; its push frame would pass the ` +
        `${MAX_FRAME_DEPTH}-level limit relays enforce, so it would never arrive: send flatter JSON`,
    );
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FRAME_BYTES) {
    throw new UndeliverableEventError(
      'event_too_large',
      413,
      `the event's push frame would be ${bytes} bytes, over the ${MAX_FRAME_BYTES}-byte limit relays enforce, so it would never ` +
        `arrive: send a payload ${bytes - MAX_FRAME_BYTES} bytes smaller`,
    );
  }
}
