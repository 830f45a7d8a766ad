// Delivery receipts (relay/inbox/receipts.ts) for every Inbox implementation: recorded on stored events,
// marked acked by the consumer's ack, capped per event with a counted overflow, dropped with their event.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RECEIPTS_PER_EVENT } from '../../relay/inbox/receipts.js';
import type { Inbox } from '../../relay/inbox/types.js';
import { tempDir, type TempDir } from '../helpers/tmp.js';
import { incoming, type ContractInboxOptions, type MakeInbox } from './inbox.contract.js';

export function receiptsContract(name: string, make: MakeInbox): void {
  describe(`Inbox receipts contract: ${name}`, () => {
    const opened: Inbox[] = [];
    const dirs: TempDir[] = [];
    let now = Date.UTC(2026, 0, 1);
    const clock = () => now;

    async function open(options?: ContractInboxOptions): Promise<Inbox> {
      const dir = await tempDir('receipts-contract-');
      dirs.push(dir);
      const inbox = await make(dir.path, { clock, ...options });
      opened.push(inbox);
      return inbox;
    }

    afterEach(async () => {
      for (const inbox of opened.splice(0)) await inbox.close();
      for (const dir of dirs.splice(0)) await dir.cleanup();
    });

    it('records who took an event, how and when, oldest first; an event without any has an empty list', async () => {
      const inbox = await open();
      await inbox.append([incoming(1), incoming(2)]);
      expect(inbox.receipts(1)).toEqual({ receipts: [], overflow: 0 });
      await inbox.recordReceipts([1], { via: 'stop_hook', consumer: 'claude-code', session: 'sess-1' });
      now += 1000;
      await inbox.recordReceipts([1, 2], { via: 'shown' });
      expect(inbox.receipts(1)).toEqual({
        receipts: [
          { via: 'stop_hook', consumer: 'claude-code', session: 'sess-1', at: new Date(now - 1000).toISOString() },
          { via: 'shown', at: new Date(now).toISOString() },
        ],
        overflow: 0,
      });
      expect(inbox.receipts(2)?.receipts.map((r) => r.via)).toEqual(['shown']);
      expect(inbox.stats().receipted).toBe(2);
    });

    it('ignores seqs it does not store, and answers undefined for them', async () => {
      const inbox = await open();
      await inbox.append([incoming(1)]);
      await inbox.recordReceipts([7], { via: 'watch' });
      expect(inbox.receipts(7)).toBeUndefined();
      expect(inbox.stats().receipted).toBe(0);
    });

    it("marks the consumer's receipts acked when that consumer acks, by seqs or by cursor, and no one else's", async () => {
      const inbox = await open();
      await inbox.append([incoming(1), incoming(2), incoming(3)]);
      await inbox.recordReceipts([1, 2, 3], { via: 'wait_for_event', consumer: 'claude-code' });
      await inbox.recordReceipts([1], { via: 'watch', consumer: 'other' });
      now += 5000;
      await inbox.ackEvents('claude-code', [2]);
      expect(inbox.receipts(2)?.receipts[0]?.acked_at).toBe(new Date(now).toISOString());
      expect(inbox.receipts(1)?.receipts[0]?.acked_at).toBeUndefined();
      now += 5000;
      await inbox.ack('claude-code', 3);
      expect(inbox.receipts(1)?.receipts.map((r) => r.acked_at)).toEqual([new Date(now).toISOString(), undefined]);
      expect(inbox.receipts(3)?.receipts[0]?.acked_at).toBe(new Date(now).toISOString());
      // Already acked: a later ack does not move the time.
      expect(inbox.receipts(2)?.receipts[0]?.acked_at).toBe(new Date(now - 5000).toISOString());
    });

    it(`keeps ${MAX_RECEIPTS_PER_EVENT} receipts per event and counts the rest as overflow`, async () => {
      const inbox = await open();
      await inbox.append([incoming(1)]);
      for (let i = 0; i < MAX_RECEIPTS_PER_EVENT + 3; i++) await inbox.recordReceipts([1], { via: 'http', consumer: `c${i}` });
      const r = inbox.receipts(1);
      expect(r?.receipts).toHaveLength(MAX_RECEIPTS_PER_EVENT);
      expect(r?.receipts.at(-1)?.consumer).toBe(`c${MAX_RECEIPTS_PER_EVENT - 1}`);
      expect(r?.overflow).toBe(3);
    });

    it('drops the receipts of an event with the event when retention drops it', async () => {
      const inbox = await open({ retention: { maxEvents: 2 } });
      await inbox.append([incoming(1), incoming(2)]);
      await inbox.recordReceipts([1, 2], { via: 'channel', consumer: 'claude-code' });
      await inbox.append([incoming(3)]);
      expect(inbox.receipts(1)).toBeUndefined();
      expect(inbox.receipts(2)?.receipts).toHaveLength(1);
      expect(inbox.stats().receipted).toBe(1);
    });

    it('drops receipts with events that aged out, as the clock moves', async () => {
      const inbox = await open({ retention: { maxAgeMs: 60_000 } });
      await inbox.append([incoming(1)]);
      await inbox.recordReceipts([1], { via: 'shown' });
      now += 60_001;
      expect(inbox.receipts(1)).toBeUndefined();
      expect(inbox.stats().receipted).toBe(0);
    });

    it('rejects receipts once closed', async () => {
      const inbox = await open();
      await inbox.append([incoming(1)]);
      await inbox.close();
      await expect(inbox.recordReceipts([1], { via: 'shown' })).rejects.toMatchObject({ code: 'inbox_closed' });
    });
  });
}
