// The inbox against a live relay: live arrival, filters, detail (payload as text), read state and acks,
// the `#event=<seq>` deep link, keyboard use, labelled controls, and screenshots in light and dark.
import type { Page } from '@playwright/test';
import { expect, marker, openInbox, test } from './fixtures.js';

const row = (page: Page, seq: number) => page.locator(`.event-row[data-seq="${seq}"]`);

test.describe('inbox', () => {
  test('an emitted event appears live, newest first, unread, and counted', async ({ page, relay }) => {
    await openInbox(page, relay);
    const m = marker('live');
    const first = await relay.emit('deal.won', { name: `Live deal ${m}`, amount: 125000, owner: 'rep@demo' });
    await expect(row(page, first.seq)).toBeVisible();
    await expect(row(page, first.seq)).toHaveClass(/unread/);
    await expect(row(page, first.seq)).toContainText(`Live deal ${m}`);
    const second = await relay.emit('ticket.created', { subject: `Second ${m}`, priority: 'p1' });
    // Newest first: the second event is the list's first row.
    await expect(page.locator('.event-row').first()).toHaveAttribute('data-seq', String(second.seq));
    await expect(page.locator('#unread-count')).toBeVisible();
    await expect(page).toHaveTitle(/^\(\d+\) Push Relay$/);
  });

  test('filters by topic glob and by free text', async ({ page, relay }) => {
    const m = marker('flt');
    const won = await relay.emit('deal.won', { name: `Filter ${m} won`, amount: 1 });
    const lost = await relay.emit('deal.lost', { name: `Filter ${m} lost`, reason: 'price' });
    const ticket = await relay.emit('ticket.created', { subject: `Filter ${m} ticket`, priority: 'p2' });
    await openInbox(page, relay);

    await page.getByLabel('Topic pattern', { exact: true }).fill('deal.*');
    await expect(row(page, won.seq)).toBeVisible();
    await expect(row(page, lost.seq)).toBeVisible();
    await expect(row(page, ticket.seq)).toHaveCount(0);

    // Without a wildcard a pattern matches as a prefix; with one it is an fnmatch glob.
    await page.getByLabel('Topic pattern', { exact: true }).fill('deal.w');
    await expect(row(page, won.seq)).toBeVisible();
    await expect(row(page, lost.seq)).toHaveCount(0);

    await page.getByLabel('Topic pattern', { exact: true }).fill('');
    await page.getByLabel('Search events').fill(`${m} ticket`);
    await expect(row(page, ticket.seq)).toBeVisible();
    await expect(page.locator('.event-row')).toHaveCount(1);
    await expect(page.locator('#list-meta')).toContainText('1 event match');

    // A topic pattern the grammar refuses is reported, not silently ignored.
    await page.getByLabel('Search events').fill('');
    await page.getByLabel('Topic pattern', { exact: true }).fill('deal won');
    await expect(page.getByLabel('Topic pattern', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#filter-topic-error')).toContainText('whitespace');
  });

  test('a deal row says what the popup says: the stage it moved to, the amount, the stage it left', async ({ page, relay }) => {
    await openInbox(page, relay);
    const m = marker('stage');
    const e = await relay.emit('deal.stage_changed', { name: `Acme ${m}`, new_stage: 'Negotiation', old_stage: 'Discovery', amount: 120000, owner: 'rep@demo' });
    await expect(row(page, e.seq).locator('.row-summary')).toHaveText(`Deal moved to Negotiation: Acme ${m} · $120,000 · rep@demo · from Discovery`);
  });

  test('an invalid topic pattern shows its error in the list, not "No matching events"', async ({ page, relay }) => {
    await relay.emit('deal.won', { name: `Glob ${marker('glob')}` });
    await openInbox(page, relay);
    await page.getByLabel('Topic pattern', { exact: true }).fill('deal won');
    await expect(page.locator('#list-empty')).toBeVisible();
    await expect(page.locator('#list-empty-title')).toHaveText('Invalid topic pattern');
    await expect(page.locator('#list-empty-text')).toContainText('Topic pattern has whitespace or a non-ASCII character');
    await page.getByLabel('Topic pattern', { exact: true }).fill('nothing.matches.this');
    await expect(page.locator('#list-empty-title')).toHaveText('No matching events');
  });

  test('the detail shows the full payload as text: markup in a payload is never rendered', async ({ page, relay }) => {
    await openInbox(page, relay);
    const hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
    const e = await relay.emit('custom.markup_probe', { name: hostile, nested: { html: '<a href="javascript:alert(1)">x</a>' }, n: 7 }, { actor_id: 'rep@demo' });
    await row(page, e.seq).click();

    const detail = page.getByRole('complementary', { name: 'Event detail' });
    await expect(detail).toBeVisible();
    await expect(page.locator('#detail-title')).toHaveText('custom.markup_probe');
    const payload = page.locator('#detail-payload');
    // Exactly the pretty JSON, character for character…
    expect(await payload.textContent()).toBe(JSON.stringify(e.payload, null, 2));
    // …and none of it became elements (only the colouring spans exist).
    expect(await payload.locator('img, b, script, a').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expect(page.locator('#detail-meta')).toContainText('rep@demo');
    // The list row shows it as text too.
    await expect(row(page, e.seq).locator('img, b, script')).toHaveCount(0);

    // Escape closes the detail and puts focus back on the event's row.
    await page.keyboard.press('Escape');
    await expect(detail).toBeHidden();
    await expect(row(page, e.seq)).toBeFocused();
  });

  test('read state: opening reads an event and moves the ui consumer; "Mark all read" acks to the newest', async ({ page, relay }) => {
    await openInbox(page, relay);
    const m = marker('read');
    const a = await relay.emit('deal.created', { name: `Read A ${m}` });
    const b = await relay.emit('deal.created', { name: `Read B ${m}` });
    const c = await relay.emit('deal.created', { name: `Read C ${m}` });
    for (const e of [a, b, c]) await expect(row(page, e.seq)).toHaveClass(/unread/);

    const uiCursor = async () =>
      (await relay.api.get<{ consumers: { name: string; cursor: number }[] }>('/v1/status')).consumers.find((x) => x.name === 'ui')?.cursor ?? -1;
    const cursorBefore = await uiCursor();
    expect(cursorBefore).toBeLessThan(a.seq);

    // Reading the newest alone: read here, but older unread events hold the relay's mark back.
    await row(page, c.seq).click();
    await expect(row(page, c.seq)).not.toHaveClass(/unread/);
    await expect(page.locator('#detail-read-state')).toHaveText('Read on this device');
    expect(await uiCursor()).toBe(cursorBefore);

    // "Mark read up to here" acks the consumer `ui` through this event.
    await page.getByRole('button', { name: 'Mark read up to here' }).click();
    await expect.poll(uiCursor).toBe(c.seq);
    for (const e of [a, b]) await expect(row(page, e.seq)).not.toHaveClass(/unread/);
    await expect(page.locator('#detail-read-state')).toHaveText('Read');

    // A newer event is unread again; "Mark all read" clears everything and moves the cursor to it.
    const d = await relay.emit('deal.created', { name: `Read D ${m}` });
    await expect(row(page, d.seq)).toHaveClass(/unread/);
    await page.locator('#show-unread').click();
    await expect(row(page, d.seq)).toBeVisible();
    await expect(row(page, a.seq)).toHaveCount(0);
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(uiCursor).toBeGreaterThanOrEqual(d.seq);
    await expect(page.locator('#list-empty-title')).toHaveText('All caught up');
    await expect(page.locator('#unread-count')).toBeHidden();

    // The read state is the relay's, so a new page (another window) agrees.
    const other = await page.context().newPage();
    await openInbox(other, relay);
    await expect(row(other, d.seq)).not.toHaveClass(/unread/);
    await other.close();
  });

  test('deep link #event=<seq> selects that event; the token leaves the address bar', async ({ page, relay }) => {
    const m = marker('deep');
    const target = await relay.emit('account.health_at_risk', { name: `Deep ${m}`, score: 31 });
    await relay.emit('deal.created', { name: `After ${m}` }); // the target is not the newest
    await page.goto(`${relay.url}/#token=${relay.token}&event=${target.seq}`);

    await expect(page.locator('#detail-title')).toHaveText('account.health_at_risk');
    await expect(page.locator('#detail-payload')).toContainText(`Deep ${m}`);
    await expect(row(page, target.seq)).toHaveAttribute('aria-current', 'true');
    expect(page.url()).not.toContain('token=');
    expect(new URL(page.url()).hash).toBe(`#event=${target.seq}`);

    // A hash change on an open window (a second notification click) selects the next one.
    const next = await relay.emit('deal.won', { name: `Next ${m}`, amount: 5 });
    await page.evaluate((seq) => {
      location.hash = `event=${seq}`;
    }, next.seq);
    await expect(page.locator('#detail-payload')).toContainText(`Next ${m}`);

    // A reload keeps working without the fragment token (this tab's sessionStorage).
    await page.reload();
    await expect(page.locator('#detail-payload')).toContainText(`Next ${m}`);
  });

  test('keyboard: one tab stop for the list, arrows move, Enter opens, Escape closes', async ({ page, relay }) => {
    const m = marker('kb');
    const older = await relay.emit('deal.created', { name: `Key older ${m}` });
    const newer = await relay.emit('deal.created', { name: `Key newer ${m}` });
    await openInbox(page, relay);
    await page.getByLabel('Search events').fill(m);
    await expect(page.locator('.event-row')).toHaveCount(2);

    // Tab from the search box passes the other toolbar controls and lands on the list's single tab stop.
    await page.getByLabel('Search events').focus();
    for (let i = 0; i < 10 && !(await row(page, newer.seq).evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(row(page, newer.seq)).toBeFocused();
    await expect(page.locator('.event-row[tabindex="0"]')).toHaveCount(1);

    await page.keyboard.press('ArrowDown');
    await expect(row(page, older.seq)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('#detail-payload')).toContainText(`Key older ${m}`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press(' ');
    await expect(page.locator('#detail-payload')).toContainText(`Key newer ${m}`);
    await page.keyboard.press('Escape');
    await expect(page.locator('#detail')).toBeHidden();
    await expect(row(page, newer.seq)).toBeFocused();

    // Focus is visible: the focused row draws an outline.
    const outline = await row(page, newer.seq).evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe('none');
  });

  test('every control in every view has a label', async ({ page, relay }) => {
    await relay.emit('deal.created', { name: 'Label probe' });
    await openInbox(page, relay);
    await page.locator('.event-row').first().click();
    for (const hash of ['#inbox', '#subscriptions', '#settings']) {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      if (hash === '#subscriptions') {
        await page.getByRole('button', { name: 'Add condition' }).click();
        await page.locator('#topic-catalog summary').click();
        await expect(page.locator('#topic-groups input[type="checkbox"]').first()).toBeVisible();
      }
      const unlabelled = await page.evaluate(() => {
        const out: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('input, select, textarea, button')) {
          if (el.closest('[hidden]') || (el as HTMLInputElement).type === 'hidden') continue;
          const id = el.id;
          const named =
            (el.getAttribute('aria-label') ?? '').trim() !== '' ||
            el.getAttribute('aria-labelledby') !== null ||
            (id !== '' && document.querySelector(`label[for="${CSS.escape(id)}"]`) !== null) ||
            el.closest('label') !== null ||
            (el.tagName === 'BUTTON' && (el.textContent ?? '').trim() !== '');
          if (!named) out.push(el.outerHTML.slice(0, 120));
        }
        return out;
      });
      expect(unlabelled, `unlabelled controls in ${hash}`).toEqual([]);
    }
  });

  test('screenshots of the inbox, a detail, subscriptions and settings in light and dark', async ({ page, relay }, testInfo) => {
    const m = marker('shot');
    await relay.emit('deal.won', { deal_id: 'deal_0420', account_id: 'acc_acme', name: 'Acme Corp — Expansion', amount: 240000, owner: 'lee@demo', old_stage: 'Negotiation', new_stage: 'Closed Won' }, { actor_id: 'lee@demo', aggregate_type: 'deal', aggregate_id: 'deal_0420' });
    await relay.emit('account.health_at_risk', { account_id: 'acc_globex', name: 'Globex', old_band: 'healthy', new_band: 'at_risk', score: 38, reasons: ['usage down 40%', 'champion left'] });
    const shown = await relay.emit('ticket.escalated', { ticket_id: 'T-1093', account_id: 'acc_initech', priority: 'p1', subject: `Checkout fails for EU cards (${m})`, escalated_to: 'tier-2' });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await openInbox(page, relay, `&event=${shown.seq}`);
      await expect(page.locator('#detail-title')).toHaveText('ticket.escalated');
      // Let the arrival highlight fade so the picture shows the resting state.
      await page.waitForFunction(() => document.getAnimations().length === 0);
      const inbox = await page.screenshot({ path: testInfo.outputPath(`inbox-${scheme}.png`) });
      await testInfo.attach(`inbox-${scheme}`, { body: inbox, contentType: 'image/png' });

      await page.evaluate(() => {
        location.hash = 'subscriptions';
      });
      await expect(page.locator('.sub-card').first()).toBeVisible();
      // The editor mid-use: a topic, a condition, and the preview's answer.
      if ((await page.locator('#sub-topics li').count()) === 0) {
        await page.getByLabel('Label').fill('Big deals');
        await page.getByLabel('Add a topic pattern').fill('deal.*');
        await page.getByLabel('Add a topic pattern').press('Enter');
        await page.getByRole('button', { name: 'Add condition' }).click();
        await page.getByLabel('Condition 1 field').fill('amount');
        await page.getByLabel('Condition 1 operator').selectOption('gte');
        await page.getByLabel('Condition 1 value').fill('100000');
      }
      await page.getByRole('button', { name: 'Test against recent events' }).click();
      await expect(page.locator('.preview-summary')).toBeVisible();
      const subs = await page.screenshot({ path: testInfo.outputPath(`subscriptions-${scheme}.png`) });
      await testInfo.attach(`subscriptions-${scheme}`, { body: subs, contentType: 'image/png' });

      await page.evaluate(() => {
        location.hash = 'settings';
      });
      await expect(page.locator('#api-key-state')).not.toBeEmpty();
      const settings = await page.screenshot({ path: testInfo.outputPath(`settings-${scheme}.png`), fullPage: true });
      await testInfo.attach(`settings-${scheme}`, { body: settings, contentType: 'image/png' });
    }
  });
});
