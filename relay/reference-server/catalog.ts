// The reference server's topic catalog: the ten categories of seed 000 ("Pass category to scope to one of
// crm, marketing, service, ai, workflow, integration, mcp, consent, platform, custom") with realistic topics.
// `custom.*` is open-ended (seed 000, "Workflows can fire custom topics").
import type { Category, TopicInfo } from '../protocol/tools.js';

interface Entry {
  topic: string;
  description: string;
  payload_fields: string[];
  filter_example: Record<string, unknown>;
}

const CATALOG: Record<Category, Entry[]> = {
  crm: [
    t('deal.created', 'A deal was created.', ['deal_id', 'account_id', 'name', 'amount', 'owner', 'stage'], { owner: 'rep@demo' }),
    t('deal.stage_changed', 'A deal moved from one pipeline stage to another.', ['deal_id', 'account_id', 'name', 'amount', 'owner', 'old_stage', 'new_stage'], { stage_to: ['Negotiation', 'Closed Won'] }),
    t('deal.won', 'A deal closed as won.', ['deal_id', 'account_id', 'name', 'amount', 'owner', 'old_stage', 'new_stage'], { amount_gte: 100000 }),
    t('deal.lost', 'A deal closed as lost.', ['deal_id', 'account_id', 'name', 'amount', 'owner', 'reason'], { account_id: 'acc_uuid' }),
    t('account.created', 'A new account (company) was added.', ['account_id', 'name', 'industry', 'owner'], { industry: 'SaaS' }),
    t('account.health_changed', "An account's health band changed.", ['account_id', 'name', 'old_band', 'new_band', 'score'], { health_band_to: ['at_risk', 'churning'] }),
    t('account.health_at_risk', 'An account turned at risk.', ['account_id', 'name', 'old_band', 'new_band', 'score', 'reasons'], { score_lt: 40 }),
    t('contact.created', 'A contact was created.', ['contact_id', 'account_id', 'email', 'name'], { email_prefix: 'dean@' }),
    t('task.overdue', 'A task passed its due date.', ['task_id', 'owner', 'title', 'due_at'], { owner: 'rep@demo' }),
  ],
  marketing: [
    t('lead.scored', 'A lead received a new score.', ['lead_id', 'email', 'score', 'source'], { score_gt: 80 }),
    t('form.submitted', 'A web form was submitted.', ['form_id', 'email', 'page'], { form_id: 'demo-request' }),
    t('campaign.launched', 'A campaign went live.', ['campaign_id', 'name', 'channel', 'audience_size'], { channel_in: ['email', 'ads'] }),
    t('email.bounced', 'A marketing email bounced.', ['campaign_id', 'email', 'bounce_type'], { bounce_type: 'hard' }),
  ],
  service: [
    t('ticket.created', 'A support ticket was opened.', ['ticket_id', 'account_id', 'priority', 'subject'], { priority_in: ['p1', 'p2'] }),
    t('ticket.escalated', 'A support ticket was escalated.', ['ticket_id', 'account_id', 'priority', 'subject', 'escalated_to'], { priority: 'p1' }),
    t('ticket.resolved', 'A support ticket was resolved.', ['ticket_id', 'account_id', 'resolution_minutes'], { resolution_minutes_gt: 240 }),
    t('sla.breached', 'A ticket breached its SLA.', ['ticket_id', 'account_id', 'sla', 'minutes_over'], { account_id: 'acc_uuid' }),
  ],
  ai: [
    t('ai.insight.generated', 'An AI insight was generated for a record.', ['record_type', 'record_id', 'summary', 'confidence'], { confidence_gte: 0.8 }),
    t('ai.agent.run.completed', 'An AI agent run finished.', ['run_id', 'agent', 'status', 'duration_ms'], { status: 'succeeded' }),
    t('ai.summary.ready', 'A call or thread summary is ready.', ['record_type', 'record_id', 'summary'], { record_type: 'call' }),
  ],
  workflow: [
    t('workflow.run.started', 'A workflow run started.', ['workflow_id', 'run_id', 'name', 'trigger'], { workflow_id: 'wf_renewals' }),
    t('workflow.run.completed', 'A workflow run completed.', ['workflow_id', 'run_id', 'name', 'status', 'duration_ms'], { status: 'succeeded' }),
    t('workflow.run.failed', 'A workflow run failed.', ['workflow_id', 'run_id', 'name', 'error', 'step'], { name_contains: 'Renewal' }),
  ],
  integration: [
    t('integration.sync.completed', 'A sync with an external system completed.', ['integration', 'records', 'duration_ms'], { integration: 'salesforce' }),
    t('integration.sync.failed', 'A sync with an external system failed.', ['integration', 'error', 'retry_at'], { integration_in: ['salesforce', 'hubspot'] }),
    t('webhook.delivery_failed', 'A webhook delivery exhausted its retries.', ['webhook_id', 'url', 'status_code', 'attempts'], { status_code_gte: 500 }),
  ],
  mcp: [
    t('mcp.client.connected', 'An MCP client connected to the push channel.', ['client_id', 'client_label'], { client_id_prefix: 'claude-' }),
    t('mcp.subscription.created', 'An MCP push subscription was created.', ['subscription_id', 'client_id', 'topic_patterns'], { client_id: 'cursor-machine-12345' }),
    t('mcp.tool.rate_limited', 'A tool call was rate limited.', ['client_id', 'tool', 'limit_per_minute'], { tool: 'search' }),
  ],
  consent: [
    t('consent.granted', 'A data subject granted consent.', ['subject', 'purpose'], { purpose: 'marketing' }),
    t('consent.withdrawn', 'A data subject withdrew consent.', ['subject', 'purpose'], { purpose: 'marketing' }),
  ],
  platform: [
    t('platform.user.invited', 'A user was invited to the workspace.', ['email', 'role', 'invited_by'], { role: 'admin' }),
    t('platform.api_key.rotated', 'An API key was rotated.', ['key_prefix', 'rotated_by'], { rotated_by_exists: true }),
    t('platform.quota.warning', 'A usage quota passed a warning threshold.', ['quota', 'used', 'limit', 'percent'], { percent_gte: 90 }),
  ],
  custom: [
    t('custom.*', 'Tenant-defined topics fired by workflows (push_event action node), e.g. custom.deal_at_risk.', ['(any)'], { severity: 'warning' }),
  ],
};

function t(topic: string, description: string, fields: string[], filter_example: Record<string, unknown>): Entry {
  return { topic, description, payload_fields: fields, filter_example };
}

const BY_TOPIC = new Map<string, Category>();
for (const [category, entries] of Object.entries(CATALOG) as [Category, Entry[]][]) {
  for (const e of entries) if (!e.topic.includes('*')) BY_TOPIC.set(e.topic, category);
}

/** Topic names usable for custom events: `custom.` then identifier-ish segments. */
const CUSTOM_TOPIC = /^custom\.[a-z0-9_]+(\.[a-z0-9_]+)*$/;

/** The category of a topic, or undefined if the topic is neither in the catalog nor a valid `custom.*` topic. */
export function categoryOf(topic: string): Category | undefined {
  if (CUSTOM_TOPIC.test(topic)) return 'custom';
  return BY_TOPIC.get(topic);
}

export function listTopics(category?: Category): TopicInfo[] {
  const categories = category ? [category] : (Object.keys(CATALOG) as Category[]);
  return categories.flatMap((c) => CATALOG[c].map((e) => ({ ...e, category: c })));
}

export function knownTopics(): string[] {
  return [...BY_TOPIC.keys()];
}
