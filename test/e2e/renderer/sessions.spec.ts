// The sessions panel of the inbox page against a live relay: sessions reported the way the hooks report them
// (POST /v1/sessions) show with project, state and last hand-over; a state change shows without a reload;
// a path that looks like markup stays text.
import { expect, marker, openInbox, test } from './fixtures.js';

test.describe('sessions panel', () => {
  test('lists the live sessions with project, state and last hand-over, and follows their state', async ({ page, freshRelay }) => {
    const id = marker('sess');
    const root = `/work/${marker('proj')}/<b>app</b>`;
    await freshRelay.api.post('/v1/sessions', { session_id: id, event: 'start', cwd: `${root}/src`, root, remote: 'git@example.com:acme/app.git' });
    await openInbox(page, freshRelay);
    await page.locator('#sessions-summary').click();
    await expect(page.locator('#sessions-summary')).toContainText('1 Claude Code session · mode shared');
    const row = page.locator(`.session[data-session="${id}"]`);
    await expect(row.locator('.session-project')).toHaveText(root);
    await expect(row.locator('.session-project b')).toHaveCount(0);
    await expect(row.locator('.session-state')).toHaveText('working');
    await expect(row.locator('.session-handover')).toContainText('last hand-over never · 0 events');
    // The idle waiter starts: the panel shows it on its next refresh.
    await freshRelay.api.post('/v1/sessions', { session_id: id, event: 'idle' });
    await expect(row.locator('.session-state')).toHaveText('idle, watching for events');
    // Handed an event (a Stop hook's claim for the session): the hand-over shows.
    await freshRelay.emit('deal.won', { name: 'For the panel' });
    await freshRelay.api.get(`/v1/pending?session=${id}&ack=true`);
    await expect(row.locator('.session-handover')).toContainText('1 event');
    // SessionEnd: gone from the live list.
    await freshRelay.api.post('/v1/sessions', { session_id: id, event: 'end' });
    await expect(row).toHaveCount(0);
  });
});
