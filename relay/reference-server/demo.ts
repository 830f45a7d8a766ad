// Demo feed: a small, plausible CRM world whose deals move through the pipeline, accounts change health,
// workflows run and a custom topic fires now and then — so a newcomer's first run shows something real.
import type { EmitInput } from './schemas.js';

const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'] as const;
const REPS = ['dana@demo', 'rep@demo', 'lee@demo'];
const ACCOUNTS = [
  { id: 'acc_acme', name: 'Acme Corp' },
  { id: 'acc_globex', name: 'Globex' },
  { id: 'acc_initech', name: 'Initech' },
  { id: 'acc_umbrella', name: 'Umbrella Health' },
  { id: 'acc_hooli', name: 'Hooli' },
];
const BANDS = ['healthy', 'watch', 'at_risk'] as const;
const WORKFLOWS = [
  { id: 'wf_renewals', name: 'Renewal reminders' },
  { id: 'wf_onboarding', name: 'Customer onboarding' },
  { id: 'wf_lead_routing', name: 'Lead routing' },
];

interface Deal {
  id: string;
  account: (typeof ACCOUNTS)[number];
  name: string;
  amount: number;
  owner: string;
  stage: number;
}

export interface DemoWorld {
  /** The next event of the story. */
  next(): EmitInput;
}

/** A deterministic world for a given `random` (tests pass a seeded one). */
export function createDemoWorld(random: () => number = Math.random): DemoWorld {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  let dealSeq = 0;
  let runSeq = 0;
  const deals: Deal[] = [];
  const health = new Map<string, (typeof BANDS)[number]>(ACCOUNTS.map((a) => [a.id, 'healthy']));

  function newDeal(): EmitInput {
    const account = pick(ACCOUNTS);
    const deal: Deal = {
      id: `deal_${String(++dealSeq).padStart(4, '0')}`,
      account,
      name: `${account.name} — ${pick(['Platform', 'Expansion', 'Renewal', 'Pilot'])}`,
      amount: Math.round(5 + random() * 195) * 1000,
      owner: pick(REPS),
      stage: 0,
    };
    deals.push(deal);
    return {
      topic: 'deal.created',
      aggregate_type: 'deal',
      aggregate_id: deal.id,
      actor_id: deal.owner,
      payload: { deal_id: deal.id, account_id: account.id, name: deal.name, amount: deal.amount, owner: deal.owner, stage: STAGES[0] },
    };
  }

  function advanceDeal(deal: Deal): EmitInput {
    const oldStage = STAGES[deal.stage]!;
    const base = { deal_id: deal.id, account_id: deal.account.id, name: deal.name, amount: deal.amount, owner: deal.owner, old_stage: oldStage };
    if (deal.stage === STAGES.length - 1) {
      deals.splice(deals.indexOf(deal), 1);
      const won = random() < 0.65;
      return {
        topic: won ? 'deal.won' : 'deal.lost',
        aggregate_type: 'deal',
        aggregate_id: deal.id,
        actor_id: deal.owner,
        payload: won ? { ...base, new_stage: 'Closed Won' } : { ...base, new_stage: 'Closed Lost', reason: pick(['budget', 'timing', 'competitor']) },
      };
    }
    deal.stage++;
    return {
      topic: 'deal.stage_changed',
      aggregate_type: 'deal',
      aggregate_id: deal.id,
      actor_id: deal.owner,
      payload: { ...base, new_stage: STAGES[deal.stage]! },
    };
  }

  function healthFlip(): EmitInput {
    const account = pick(ACCOUNTS);
    const old = health.get(account.id)!;
    const candidates = BANDS.filter((b) => b !== old);
    const band = pick(candidates);
    health.set(account.id, band);
    const score = band === 'healthy' ? 70 + Math.round(random() * 30) : band === 'watch' ? 40 + Math.round(random() * 29) : Math.round(random() * 39);
    return {
      topic: band === 'at_risk' ? 'account.health_at_risk' : 'account.health_changed',
      aggregate_type: 'account',
      aggregate_id: account.id,
      actor_id: 'health-model',
      payload: {
        account_id: account.id,
        name: account.name,
        old_band: old,
        new_band: band,
        score,
        ...(band === 'at_risk' ? { reasons: [pick(['usage down 40%', 'champion left', 'open P1 tickets', 'late invoice'])] } : {}),
      },
    };
  }

  function workflowRun(): EmitInput {
    const wf = pick(WORKFLOWS);
    const runId = `run_${String(++runSeq).padStart(5, '0')}`;
    const failed = random() < 0.2;
    return {
      topic: failed ? 'workflow.run.failed' : 'workflow.run.completed',
      aggregate_type: 'workflow_run',
      aggregate_id: runId,
      actor_id: 'system',
      correlation_id: `req_${runId}`,
      payload: failed
        ? { workflow_id: wf.id, run_id: runId, name: wf.name, error: pick(['timeout calling CRM API', 'missing email field']), step: pick(['fetch', 'send', 'update']) }
        : { workflow_id: wf.id, run_id: runId, name: wf.name, status: 'succeeded', duration_ms: Math.round(200 + random() * 5000) },
    };
  }

  function customAtRisk(): EmitInput {
    const deal = deals.length > 0 ? pick(deals) : undefined;
    const account = deal?.account ?? pick(ACCOUNTS);
    return {
      topic: 'custom.deal_at_risk',
      aggregate_type: 'deal',
      aggregate_id: deal?.id ?? 'deal_unknown',
      actor_id: 'wf_deal_watch',
      payload: { account_id: account.id, deal_id: deal?.id ?? null, reason: 'no activity in 14 days', severity: 'warning' },
    };
  }

  function ticket(): EmitInput {
    const account = pick(ACCOUNTS);
    const id = `tkt_${Math.floor(random() * 90000) + 10000}`;
    return {
      topic: random() < 0.3 ? 'ticket.escalated' : 'ticket.created',
      aggregate_type: 'ticket',
      aggregate_id: id,
      actor_id: 'support-bot',
      payload: { ticket_id: id, account_id: account.id, priority: pick(['p1', 'p2', 'p3']), subject: pick(['Login fails with SSO', 'Export is slow', 'Invoice mismatch']) },
    };
  }

  return {
    next() {
      const r = random();
      if (deals.length === 0 || r < 0.15) return newDeal();
      if (r < 0.55) return advanceDeal(pick(deals));
      if (r < 0.7) return healthFlip();
      if (r < 0.85) return workflowRun();
      if (r < 0.93) return ticket();
      return customAtRisk();
    },
  };
}

export interface DemoFeed {
  stop(): void;
}

/** Emits one event now and then one every `intervalMs` (±40% jitter) until stopped. */
export function startDemoFeed(
  emit: (input: EmitInput) => Promise<unknown>,
  options: { intervalMs?: number; random?: () => number; onError?: (err: unknown) => void } = {},
): DemoFeed {
  const world = createDemoWorld(options.random);
  const interval = options.intervalMs ?? 4000;
  const random = options.random ?? Math.random;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    emit(world.next()).catch((err: unknown) => options.onError?.(err));
    timer = setTimeout(tick, interval * (0.6 + random() * 0.8));
    timer.unref();
  };
  tick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
