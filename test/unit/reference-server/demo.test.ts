import { describe, expect, it } from 'vitest';
import { createDemoWorld } from '../../../relay/reference-server/demo.js';
import { categoryOf } from '../../../relay/reference-server/catalog.js';
import { EmitInputSchema } from '../../../relay/reference-server/schemas.js';

function seeded(seed: number): () => number {
  // mulberry32: a tiny deterministic PRNG so the story is the same on every run.
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('demo world', () => {
  it('emits valid events on catalog topics, with deals moving forward through the pipeline', () => {
    const world = createDemoWorld(seeded(42));
    const events = Array.from({ length: 500 }, () => world.next());
    const topics = new Set<string>();
    const lastStage = new Map<string, string>();
    const order = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];
    for (const e of events) {
      expect(EmitInputSchema.safeParse(e).success).toBe(true);
      expect(categoryOf(e.topic)).toBeDefined();
      topics.add(e.topic);
      const p = e.payload as { deal_id?: string; old_stage?: string; new_stage?: string; stage?: string };
      if (e.topic === 'deal.created') lastStage.set(p.deal_id!, p.stage!);
      if (p.new_stage && p.deal_id) {
        expect(p.old_stage).toBe(lastStage.get(p.deal_id));
        expect(order.indexOf(p.new_stage)).toBeGreaterThan(order.indexOf(p.old_stage!));
        lastStage.set(p.deal_id, p.new_stage);
      }
    }
    for (const t of ['deal.created', 'deal.stage_changed', 'deal.won', 'account.health_at_risk', 'workflow.run.completed', 'custom.deal_at_risk']) {
      expect(topics).toContain(t);
    }
  });
});
