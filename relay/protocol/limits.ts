// Limits of the push protocol that both ends must agree on, written once: the relay's frame decoder refuses
// frames past them (relay/upstream/frame-decoder.ts), and the reference server refuses, at emit, an event whose
// frame would pass them (relay/reference-server/deliverable.ts), so nothing it accepts vanishes downstream.

/** Largest `data:` we parse. A frame is one event; a megabyte of JSON is a server bug or an attack. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects we accept. Well under a megabyte of JSON can nest thousands deep, which
 * JSON.parse takes but JSON.stringify (the inbox log, the local API, MCP results) overflows the stack on: such an
 * event would fail every append, and the relay would fetch it again forever, storing nothing after it.
 */
export const MAX_FRAME_DEPTH = 100;

/**
 * The most text one pending SSE event of an upstream (its unfinished line plus its `data:` lines so far) may
 * hold, in UTF-16 code units (≤ its UTF-8 bytes). A multiple of the frame limit, not the limit itself: an event
 * a little over the limit that does end is skipped and counted while the stream stays up (DESIGN.md "Failure
 * behaviour": oversize data → skip, count), so the buffer must hold one such event; an event four times over the
 * limit is no longer a big frame but a stream that will not end its event.
 */
export const MAX_PENDING_EVENT_CHARS = 4 * MAX_FRAME_BYTES;
