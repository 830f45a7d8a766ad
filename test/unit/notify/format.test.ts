// Popup text per topic family, and what untrusted payloads cannot do to it.
import { describe, expect, it } from 'vitest';
import { BODY_MAX, cleanText, formatEvent, formatSummary, TITLE_MAX, type FormattableEvent } from '../../../relay/notify/format.js';

const markup = { markup: true };
const plain = { markup: false };
const f = (topic: string, payload: unknown, extra: Partial<FormattableEvent> = {}, options = markup) => formatEvent({ topic, payload, ...extra }, options);

describe('families', () => {
  it('deal.*', () => {
    const base = { deal_id: 'deal_0001', account_id: 'acc_acme', name: 'Acme Corp — Platform', amount: 150000, owner: 'rep@demo' };
    expect(f('deal.won', { ...base, old_stage: 'Negotiation', new_stage: 'Closed Won' })).toEqual({
      title: 'Deal won: Acme Corp — Platform',
      body: '$150,000 · rep@demo',
    });
    expect(f('deal.lost', { ...base, reason: 'budget' })).toEqual({ title: 'Deal lost: Acme Corp — Platform', body: '$150,000 · rep@demo · budget' });
    expect(f('deal.created', { ...base, stage: 'Prospecting' })).toEqual({ title: 'New deal: Acme Corp — Platform', body: '$150,000 · rep@demo · Prospecting' });
    expect(f('deal.stage_changed', { ...base, old_stage: 'Proposal', new_stage: 'Negotiation' })).toEqual({
      title: 'Deal moved to Negotiation: Acme Corp — Platform',
      body: '$150,000 · rep@demo · from Proposal',
    });
    expect(f('deal.reopened', { amount: 1234.5, currency: 'EUR' }, { aggregate_id: 'deal_9', actor_id: 'ops@demo' })).toEqual({
      title: 'Deal reopened: deal_9',
      body: '€1,234.50 · ops@demo',
    });
  });

  it('account.health_*', () => {
    expect(f('account.health_at_risk', { account_id: 'acc_acme', name: 'Acme Corp', old_band: 'watch', new_band: 'at_risk', score: 12, reasons: ['usage down 40%'] })).toEqual({
      title: 'Acme Corp is at risk',
      body: 'score 12 · usage down 40% · was on watch',
    });
    expect(f('account.health_changed', { name: 'Globex', old_band: 'watch', new_band: 'healthy', score: 80 })).toEqual({
      title: 'Globex is healthy',
      body: 'score 80 · was on watch',
    });
    expect(f('account.health_at_risk', { account_id: 'acc_x' }).title).toBe('acc_x is at risk');
    expect(f('account.health_changed', {}, { aggregate_id: 'acc_y' }).title).toBe('acc_y: health changed');
  });

  it('workflow.run.*', () => {
    const wf = { workflow_id: 'wf_renewals', run_id: 'run_00007', name: 'Renewal reminders' };
    expect(f('workflow.run.failed', { ...wf, error: 'timeout calling CRM API', step: 'send' })).toEqual({
      title: 'Workflow failed: Renewal reminders',
      body: 'timeout calling CRM API · step send · run_00007',
    });
    expect(f('workflow.run.completed', { ...wf, status: 'succeeded', duration_ms: 1234 })).toEqual({
      title: 'Workflow completed: Renewal reminders',
      body: 'succeeded · in 1.2 s · run_00007',
    });
    expect(f('workflow.run.started', { ...wf, trigger: 'schedule' }).body).toBe('trigger: schedule · run_00007');
    expect(f('workflow.run.failed', { workflow_id: 'wf_x' }).body).toBe('no error given');
  });

  it('ticket.*', () => {
    expect(f('ticket.created', { ticket_id: 'tkt_12345', account_id: 'acc_acme', priority: 'p1', subject: 'Login fails with SSO' })).toEqual({
      title: 'New ticket: Login fails with SSO',
      body: 'P1 · acc_acme · tkt_12345',
    });
    expect(f('ticket.escalated', { ticket_id: 'tkt_1', priority: 'p2', subject: 'Export is slow', escalated_to: 'tier 2' }).body).toBe('P2 · to tier 2 · tkt_1');
    expect(f('ticket.resolved', { ticket_id: 'tkt_1', resolution_minutes: 240 })).toEqual({ title: 'Ticket resolved: tkt_1', body: 'resolved in 240 min · tkt_1' });
  });

  it('custom.* and unknown topics: the topic and a few key fields', () => {
    expect(f('custom.deal_at_risk', { account_id: 'acc_acme', deal_id: 'deal_0001', reason: 'no activity in 14 days', severity: 'warning' })).toEqual({
      title: 'custom.deal_at_risk',
      body: 'reason: no activity in 14 days · severity: warning · account_id: acc_acme · deal_id: deal_0001',
    });
    // Nested values are skipped, secrets never shown, at most four fields.
    expect(f('platform.quota.warning', { quota: 'api', nested: { a: 1 }, list: [1, 2], api_key: 'sk_live_x', password: 'p', used: 950, limit: 1000, percent: 95 }).body).toBe(
      'quota: api · used: 950 · limit: 1000 · percent: 95',
    );
    expect(f('x.empty', {}, { aggregate_id: 'agg_1' }).body).toBe('agg_1');
    expect(f('x.empty', null).body).toBe('no details');
    expect(f('x.array', [1, 2, 3]).body).toBe('no details');
  });
});

describe('untrusted text', () => {
  it('escapes & < > in the body for markup notifiers, never in the title', () => {
    const out = f('deal.won', { name: 'Smith & <b>Sons</b>', amount: 1, owner: '<a href="x">me</a> & co' });
    expect(out.title).toBe('Deal won: Smith & <b>Sons</b>');
    expect(out.body).toBe('$1 · &lt;a href="x"&gt;me&lt;/a&gt; &amp; co');
    const generic = f('custom.x', { '<i>k</i>': '<script>&' });
    expect(generic.body).toBe('&lt;i&gt;k&lt;/i&gt;: &lt;script&gt;&amp;');
    expect(f('deal.won', { owner: 'a & b' }, {}, plain).body).toBe('a & b');
  });

  it('strips control characters, bidi overrides and lone surrogates; one line', () => {
    const out = f('deal.won', { name: 'Acme\u0007\u001b[31m\nCorp\u202e\u2066 Ltd', owner: 'x\u0000y\r\nz\u0085w', amount: 1 });
    expect(out.title).toBe('Deal won: Acme [31m Corp Ltd');
    expect(out.body).toBe('$1 · x y z w');
    expect(cleanText('a\ud800b\udc00c')).toBe('a\ufffdb\ufffdc');
    expect(cleanText('emoji 👍🏽 ok')).toBe('emoji 👍🏽 ok');
    // Invisible and tag characters (ASCII smuggling) are removed; ZWJ emoji sequences survive.
    expect(cleanText('pay\u200bpal\u00ad \u2060now\u{e0041}\u{e0042}')).toBe('paypal now');
    expect(cleanText('👨\u200d👩\u200d👧')).toBe('👨\u200d👩\u200d👧');
    expect(`${f('custom.t\u0000x', {}).title}`).toBe('custom.t x');
  });

  it('truncates to the limits with an ellipsis, never inside a character or an entity', () => {
    const long = 'Ω'.repeat(300);
    const out = f('deal.won', { name: long, owner: `${'&'.repeat(300)}` });
    expect(Array.from(out.title).length).toBeLessThanOrEqual(TITLE_MAX);
    expect(out.title.endsWith('…')).toBe(true);
    const visible = out.body.replaceAll('&amp;', '&');
    expect(Array.from(visible).length).toBeLessThanOrEqual(BODY_MAX);
    expect(out.body).not.toMatch(/&(?!amp;)/);
    const emoji = cleanText('😀'.repeat(100), 10);
    expect(Array.from(emoji)).toHaveLength(10);
    expect(emoji).not.toMatch(/[\ud800-\udbff]…|\ufffd/);
    const ticket = f('ticket.created', { subject: 'x'.repeat(500), priority: 'p1'.repeat(50), ticket_id: 'y'.repeat(500) });
    expect(Array.from(ticket.title).length).toBeLessThanOrEqual(TITLE_MAX);
    expect(Array.from(ticket.body).length).toBeLessThanOrEqual(BODY_MAX);
  });

  it('reads own payload fields only: prototype-ish keys are data', () => {
    const payload = JSON.parse('{"__proto__": {"name": "evil", "amount": 5}, "constructor": "ctor", "toString": "ts", "hasOwnProperty": 1}') as Record<string, unknown>;
    expect(f('deal.won', payload, { aggregate_id: 'deal_1' })).toEqual({ title: 'Deal won: deal_1', body: '' });
    expect(f('custom.proto', payload).body).toBe('constructor: ctor · toString: ts · hasOwnProperty: 1');
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { name: 'Bare', amount: 2 });
    expect(f('deal.won', bare).title).toBe('Deal won: Bare');
    // A band named like an Object.prototype member is just text.
    expect(f('account.health_changed', { name: 'A', new_band: 'constructor' }).title).toBe('A is constructor');
  });

  it('ignores non-finite and non-scalar values', () => {
    expect(f('deal.won', { name: 'N', amount: Infinity, owner: { x: 1 } }).body).toBe('');
    expect(f('deal.won', { name: 'N', amount: '2500' }).body).toBe('$2,500');
    expect(f('deal.won', { name: 'N', amount: 10, currency: 'nope' }).body).toBe('$10');
  });
});

describe('summary', () => {
  const summary = (topics: [string, number][], otherTopics = 0) => ({
    count: topics.reduce((a, [, n]) => a + n, 0) + otherTopics,
    topics,
    otherTopics,
    firstSeq: 1,
    lastSeq: 9,
    reason: 'burst' as const,
  });

  it('"5 new events" / topics with counts', () => {
    expect(formatSummary(summary([['deal.won', 3], ['account.health_at_risk', 2]]), markup)).toEqual({
      title: '5 new events',
      body: 'deal.won ×3, account.health_at_risk ×2',
    });
  });

  it('fits as many topics as the body holds, then "+N more"', () => {
    const many: [string, number][] = Array.from({ length: 40 }, (_, i) => [`custom.topic_number_${i}`, 2]);
    const out = formatSummary(summary(many, 7), markup);
    expect(out.title).toBe('87 new events');
    expect(Array.from(out.body).length).toBeLessThanOrEqual(BODY_MAX);
    expect(out.body).toMatch(/^custom\.topic_number_0 ×2, .* \+\d+ more$/);
    const listed = out.body.match(/×2/g)!.length;
    expect(out.body.endsWith(`+${87 - listed * 2} more`)).toBe(true);
  });

  it('escapes topics (they come from the server too)', () => {
    expect(formatSummary(summary([['custom.<b>', 2]]), markup).body).toBe('custom.&lt;b&gt; ×2');
  });
});
