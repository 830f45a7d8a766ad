// The event detail lists the event's delivery receipts (GET /v1/events/<seq>/receipts): an event no one took
// says so; one an agent took names the path, consumer and session, and that it was acked.
import { localApiPath, LOCAL_API } from '../../../relay/protocol/local-api.js';
import { expect, marker, openInbox, test } from './fixtures.js';

test.describe('delivery receipts in the event detail', () => {
  test('an event taken by wait_for_event shows who took it and that it was acked; an untaken one says none', async ({ page, relay }) => {
    const consumer = `agent-${marker('rc')}`;
    // A consumer starts at the head: create it before the events it should take.
    await relay.api.get(localApiPath(LOCAL_API.pending, { consumer, limit: 1 }));
    const m = marker('rcpt');
    const taken = await relay.emit('deal.won', { name: `Receipt ${m}`, amount: 5 });
    // As `push-relay mcp` waits for a Claude Code session: on a consumer it names, with the session as taker.
    await relay.api.get(localApiPath(LOCAL_API.wait, { consumer, limit: 1, ack: true, timeout_ms: 10_000, via: 'wait_for_event', taker: 'sess-e2e' }));
    const untaken = await relay.emit('deal.lost', { name: `No receipt ${m}` });

    await openInbox(page, relay, `&event=${taken.seq}`);
    const list = page.getByRole('list', { name: 'Delivery receipts' });
    const took = list.locator('li[data-via="wait_for_event"]');
    await expect(took).toContainText('wait_for_event (MCP)');
    await expect(took).toContainText(`consumer ${consumer}`);
    await expect(took).toContainText('session sess-e2e');
    await expect(took).toContainText('acked');

    await page.locator(`.event-row[data-seq="${untaken.seq}"]`).click();
    await expect(list).toContainText('Not taken by any agent');
    await expect(list.locator('li[data-via]')).toHaveCount(0);
  });
});
