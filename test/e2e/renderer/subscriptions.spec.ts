// The subscriptions editor against a live relay and the reference server's store: what the editor creates is
// what the push server holds; the filter grammar's errors show before anything is sent; the preview applies the
// same topic globs and filter to recent events; removal reaches the server too.
import type { Page } from '@playwright/test';
import { CLIENT_ID, expect, marker, openInbox, TENANT, test, type RelayEnv } from './fixtures.js';

async function openEditor(page: Page, relay: RelayEnv): Promise<void> {
  await openInbox(page, relay, '&subscriptions');
  await expect(page.getByRole('heading', { name: 'New subscription' })).toBeVisible();
  await expect(page.locator('.sub-card').first()).toBeVisible();
}

const upstream = (relay: RelayEnv) => relay.ref.store.listSubscriptions(TENANT, CLIENT_ID);

test.describe('subscriptions', () => {
  test('lists subscriptions with their counters', async ({ page, relay }) => {
    await relay.emit('deal.created', { name: 'Counter probe' });
    const everything = upstream(relay).find((s) => s.client_label === 'e2e: everything')!;
    await openEditor(page, relay);
    const card = page.locator(`.sub-card[data-subscription-id="${everything.subscription_id}"]`);
    await expect(card).toContainText('e2e: everything');
    await expect(card.locator('.pattern')).toHaveText(['*']);
    const delivered = Number((await card.locator('[data-stat="events_delivered"]').textContent())!.replace(/\D/g, ''));
    expect(delivered).toBeGreaterThanOrEqual(1);
    expect(delivered).toBe(upstream(relay).find((s) => s.subscription_id === everything.subscription_id)!.events_delivered);
    await expect(card.locator('[data-stat="last_delivered_at"]')).not.toHaveText('never');
  });

  test('creating a subscription in the editor creates it upstream: catalog topic, typed glob, filter row', async ({ page, relay }) => {
    await openEditor(page, relay);
    const label = `Big deals ${marker()}`;
    await page.getByLabel('Label').fill(label);

    // A topic from the catalog (grouped by category)…
    await page.locator('#topic-catalog summary').click();
    const crm = page.getByRole('group', { name: 'crm' });
    await expect(crm).toBeVisible();
    await crm.getByRole('checkbox', { name: /deal\.won/ }).check();
    // …and a typed glob.
    await page.getByLabel('Add a topic pattern').fill('account.health_*');
    await page.getByLabel('Add a topic pattern').press('Enter');
    await expect(page.getByRole('list', { name: 'Chosen topic patterns' }).getByRole('listitem')).toHaveText(['deal.won', 'account.health_*']);

    // A condition: amount ≥ 100000 (value typed as text, sent as a number).
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 field').fill('amount');
    await page.getByLabel('Condition 1 operator').selectOption('gte');
    await page.getByLabel('Condition 1 value').fill('100000');
    await expect(page.locator('#filter-summary')).toHaveText('Sent to the server as {"amount_gte":100000}');

    await page.getByRole('button', { name: 'Create subscription' }).click();
    await expect(page.locator('#sub-form-status')).toContainText('Subscribed:');

    const created = upstream(relay).find((s) => s.client_label === label);
    expect(created).toBeDefined();
    expect([...created!.topic_patterns].sort()).toEqual(['account.health_*', 'deal.won']);
    expect(created!.filter).toEqual({ amount_gte: 100000 });
    await expect(page.locator(`.sub-card[data-subscription-id="${created!.subscription_id}"]`)).toContainText(label);
    // The form is ready for the next one.
    await expect(page.getByRole('list', { name: 'Chosen topic patterns' }).getByRole('listitem')).toHaveCount(0);
  });

  test('an invalid filter shows the grammar’s error naming the key, and nothing is created', async ({ page, relay }) => {
    await openEditor(page, relay);
    const before = upstream(relay).length;
    await page.getByLabel('Add a topic pattern').fill('deal.*');
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    // Builder: "at least" needs a number.
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 field').fill('amount');
    await page.getByLabel('Condition 1 operator').selectOption('gte');
    await page.getByLabel('Condition 1 value').fill('lots');
    await expect(page.locator('#filter-error')).toHaveText('filter key "amount_gte" needs a number, got string "lots"');
    await expect(page.getByLabel('Condition 1 value')).toHaveAttribute('aria-invalid', 'true');

    await page.getByRole('button', { name: 'Create subscription' }).click();
    await expect(page.locator('#sub-form-status')).toHaveText('Not created: fix the highlighted fields.');

    // Raw JSON: the same grammar, the same kind of message.
    await page.getByRole('button', { name: 'JSON', exact: true }).click();
    await expect(page.getByLabel('Filter as JSON')).toHaveValue(/"amount_gte": "lots"/);
    await page.getByLabel('Filter as JSON').fill('{"stage_to": "won", "priority_in": "p1"}');
    await expect(page.locator('#filter-error')).toContainText('filter key "priority_in" needs a list of values like ["p1"]');
    await page.getByLabel('Filter as JSON').fill('{"owner": "rep@demo",');
    await expect(page.locator('#filter-error')).toContainText('Not valid JSON');
    await page.getByLabel('Filter as JSON').fill('{"owner": "rep@demo", "tags_contains": "vip"}');
    await expect(page.locator('#filter-error')).toBeEmpty();
    // Valid JSON goes back to rows.
    await page.getByRole('button', { name: 'Conditions', exact: true }).click();
    await expect(page.getByLabel('Condition 2 field')).toHaveValue('tags');
    await expect(page.getByLabel('Condition 2 operator')).toHaveValue('contains');

    expect(upstream(relay).length).toBe(before);
  });

  test('an operator the grammar does not know is refused next to its field; the form error goes once it is fixed', async ({ page, relay }) => {
    await openEditor(page, relay);
    const before = upstream(relay).length;
    await page.getByLabel('Add a topic pattern').fill('deal.*');
    await page.getByLabel('Add a topic pattern').press('Enter');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 1 field').fill('amount_between');
    await page.getByLabel('Condition 1 value').fill('1, 5');
    await expect(page.getByLabel('Condition 1 field')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Condition 1 field')).toHaveAccessibleDescription(/filter key "amount_between" ends in "_between", which is not an operator/);
    await expect(page.locator('#filter-error')).toContainText('use "amount_gte" and "amount_lte"');

    await page.getByRole('button', { name: 'Create subscription' }).click();
    await expect(page.locator('#sub-form-status')).toHaveText('Not created: fix the highlighted fields.');
    expect(upstream(relay).length).toBe(before);

    // Fixed: the field is no longer marked and the form's error goes with it.
    await page.getByLabel('Condition 1 field').fill('amount');
    await page.getByLabel('Condition 1 operator').selectOption('gte');
    await page.getByLabel('Condition 1 value').fill('100');
    await expect(page.getByLabel('Condition 1 field')).not.toHaveAttribute('aria-invalid');
    await expect(page.locator('#sub-form-status')).toBeEmpty();
  });

  test('at 420 px the page does not scroll sideways, with the filter summary and the preview shown', async ({ page, relay }) => {
    const m = marker('narrow');
    await relay.emit('deal.won', { name: `Narrow ${m} with a long name that goes on and on`, amount: 250000, owner: 'someone.with.a.long.address@example.com', tag: m });
    await page.setViewportSize({ width: 420, height: 800 });
    await openEditor(page, relay);
    await page.getByLabel('Add a topic pattern').fill('deal.*');
    await page.getByLabel('Add a topic pattern').press('Enter');
    await page.getByRole('button', { name: 'JSON', exact: true }).click();
    await page.getByLabel('Filter as JSON').fill(JSON.stringify({ tag: m, owner_prefix: 'someone.with.a.long.address@', amount_gte: 1000 }));
    await expect(page.locator('#filter-summary')).toContainText('Sent to the server as');
    await page.getByRole('button', { name: 'Test against recent events' }).click();
    await expect(page.locator('#preview-result .preview-summary')).toHaveAttribute('data-matches', '1');
    // The view is the scroller (the page itself never is): nothing in it may be wider than it.
    const view = await page.locator('#view-subscriptions').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(view.scroll).toBeLessThanOrEqual(view.client);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  });

  test('"Test against recent events" applies the topic globs and the filter to the inbox’s recent events', async ({ page, relay }) => {
    const m = marker('pv');
    const big = await relay.emit('deal.won', { name: `Preview big ${m}`, amount: 250000, tag: m });
    const small = await relay.emit('deal.won', { name: `Preview small ${m}`, amount: 10, tag: m });
    const other = await relay.emit('deal.lost', { name: `Preview other ${m}`, amount: 900000, tag: m });
    await openEditor(page, relay);
    await page.getByLabel('Add a topic pattern').fill('deal.w*');
    await page.getByLabel('Add a topic pattern').press('Enter');
    await page.getByRole('button', { name: 'JSON', exact: true }).click();
    await page.getByLabel('Filter as JSON').fill(JSON.stringify({ tag: m, amount_gt: 1000 }));
    await page.getByRole('button', { name: 'Test against recent events' }).click();

    const result = page.locator('#preview-result');
    await expect(result.locator('.preview-summary')).toHaveAttribute('data-matches', '1');
    await expect(result.locator(`li[data-seq="${big.seq}"]`)).toContainText(`Preview big ${m}`);
    await expect(result.locator(`li[data-seq="${small.seq}"]`)).toHaveCount(0);
    await expect(result.locator(`li[data-seq="${other.seq}"]`)).toHaveCount(0);
  });

  test('removing a subscription asks once more, then removes it upstream', async ({ page, relay }) => {
    await openEditor(page, relay);
    const label = `Short-lived ${marker()}`;
    await page.getByLabel('Label').fill(label);
    await page.getByLabel('Add a topic pattern').fill('ticket.*');
    await page.getByLabel('Add a topic pattern').press('Enter');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    const card = page.locator('.sub-card', { hasText: label });
    await expect(card).toBeVisible();
    const id = upstream(relay).find((s) => s.client_label === label)!.subscription_id;

    const remove = card.getByRole('button', { name: `Remove subscription ${label}` });
    await remove.click();
    await expect(remove).toHaveText('Confirm remove');
    expect(upstream(relay).some((s) => s.subscription_id === id)).toBe(true);
    await remove.click();
    await expect(card).toHaveCount(0);
    expect(upstream(relay).some((s) => s.subscription_id === id)).toBe(false);
  });
});
