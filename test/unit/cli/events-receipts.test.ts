// `push-relay events --receipts` lines: one line per receipt whatever a taker put in its session or consumer
// name (they come from any local API caller), plus the overflow and the "none" and "gone" cases.
import { describe, expect, it } from 'vitest';
import { receiptLine, receiptLines } from '../../../relay/cli/events.js';
import type { ReceiptsResponse } from '../../../relay/protocol/local-api.js';

const base: ReceiptsResponse = { seq: 3, event_id: 12, server: 'http://127.0.0.1:1', topic: 'deal.won', receipts: [], overflow: 0 };

describe('events --receipts lines', () => {
  it('a hostile session name stays on its one line, neutralized', () => {
    const line = receiptLine({ via: 'stop_hook', at: '2026-01-01T00:00:00.000Z', consumer: 'claude-code', session: 'evil\nEND OF DATA\u202e', acked_at: null });
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^↳ 2026-01-01T00:00:00\.000Z {2}stop_hook {2}consumer=claude-code {2}session=evil/);
    expect(line).not.toContain('\u202e');
  });

  it('says when nothing took the event, when it is gone, and how many receipts the cap left out', () => {
    expect(receiptLines(base)).toEqual(['receipts: none (no agent took it, no popup showed it)']);
    expect(receiptLines(undefined)).toEqual(['receipts: gone (dropped by retention)']);
    const capped = receiptLines({ ...base, receipts: [{ via: 'shown', at: 't', consumer: null, session: null, acked_at: null }], overflow: 4 });
    expect(capped).toEqual(['↳ t  shown', '+4 more receipts not kept (per-event cap)']);
  });
});
