// The Events-extension cursor store (relay/upstream/mcp/event-cursors.ts) for every implementation: unknown keys
// load as nothing, a save is what the next load returns (a copy, not the caller's arrays), recent ids are capped
// to the newest, and the number of subscriptions kept is bounded, least recently saved first out.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CURSOR_ENTRIES, RECENT_EVENT_IDS, type EventCursorStore } from '../../relay/upstream/mcp/event-cursors.js';
import { tempDir, type TempDir } from '../helpers/tmp.js';

export type MakeEventCursorStore = (dir: string) => EventCursorStore;

export function eventCursorsContract(name: string, make: MakeEventCursorStore): void {
  describe(`EventCursorStore contract: ${name}`, () => {
    const dirs: TempDir[] = [];
    async function open(): Promise<EventCursorStore> {
      const dir = await tempDir('event-cursors-contract-');
      dirs.push(dir);
      return make(dir.path);
    }
    afterEach(async () => {
      for (const dir of dirs.splice(0)) await dir.cleanup();
    });

    it('loads nothing for a subscription never saved', async () => {
      const store = await open();
      expect(store.load('up/none')).toBeUndefined();
    });

    it('loads what was saved last, null cursor included, as a copy', async () => {
      const store = await open();
      const ids = ['evt-1', 'evt-2'];
      store.save('up/a', { cursor: 'c-2', recentIds: ids });
      ids.push('evt-3');
      expect(store.load('up/a')).toEqual({ cursor: 'c-2', recentIds: ['evt-1', 'evt-2'] });
      store.save('up/a', { cursor: null, recentIds: [] });
      store.save('up/b', { cursor: 'b', recentIds: ['x'] });
      const loaded = store.load('up/a');
      expect(loaded).toEqual({ cursor: null, recentIds: [] });
      loaded?.recentIds.push('mutated');
      expect(store.load('up/a')).toEqual({ cursor: null, recentIds: [] });
      expect(store.load('up/b')).toEqual({ cursor: 'b', recentIds: ['x'] });
      store.flush();
    });

    it(`keeps only the newest ${RECENT_EVENT_IDS} recent ids`, async () => {
      const store = await open();
      const ids = Array.from({ length: RECENT_EVENT_IDS + 10 }, (_, i) => `evt-${i}`);
      store.save('up/a', { cursor: 'c', recentIds: ids });
      expect(store.load('up/a')?.recentIds).toEqual(ids.slice(10));
    });

    it(`keeps at most ${MAX_CURSOR_ENTRIES} subscriptions, dropping the least recently saved`, async () => {
      const store = await open();
      for (let i = 0; i <= MAX_CURSOR_ENTRIES; i++) {
        store.save(`up/${i}`, { cursor: String(i), recentIds: [] });
        if (i === 5) store.save('up/0', { cursor: '0 again', recentIds: [] }); // saved again: recent
      }
      store.flush();
      expect(store.load('up/0')).toEqual({ cursor: '0 again', recentIds: [] });
      expect(store.load('up/1')).toBeUndefined();
      expect(store.load('up/2')).toEqual({ cursor: '2', recentIds: [] });
      expect(store.load(`up/${MAX_CURSOR_ENTRIES}`)).toEqual({ cursor: String(MAX_CURSOR_ENTRIES), recentIds: [] });
    });
  });
}
