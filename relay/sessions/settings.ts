// The `sessions` key of settings.json: how Claude Code sessions share the events (README "Sessions").
// - mode `shared` (default): every session takes from one consumer; each event goes to exactly one session,
//   the first at a hand-over point (claims, relay/inbox/claims.ts).
// - mode `per-session`: every live session has its own consumer (`session:<id>`), started at the head when the
//   session starts: each session sees each event once (fan-out).
// - routes: an event matching a route (its topics, then its filter, in the subscriptions' filter grammar) goes
//   only to sessions whose project matches (a directory prefix of the session's cwd or repository root, or its
//   git remote), one of them per event; the first matching route wins; unrouted events follow the mode.
// No I/O and no heavy imports: relay/config imports this file.
import { z } from 'zod';
import { FilterSchema } from '../protocol/filter.js';
import { TopicPatternSchema } from '../protocol/topic-glob.js';

/** Settings are written once (installer, by hand); a handful of routes is the use, 50 a generous bound. */
export const MAX_ROUTES = 50;

export const SessionRouteSchema = z.strictObject({
  /** An absolute directory (prefix of the session's cwd or repository root) or a git remote URL. */
  project: z.string().min(1).max(1000),
  /** Topic globs; absent = every topic. */
  topics: z.array(TopicPatternSchema).min(1).max(50).optional(),
  /** Payload filter, the grammar of `subscribe` (relay/protocol/filter.ts). */
  filter: FilterSchema.optional(),
});
export type SessionRoute = z.infer<typeof SessionRouteSchema>;

export const SessionSettingsSchema = z.strictObject({
  mode: z.enum(['shared', 'per-session']).default('shared'),
  routes: z.array(SessionRouteSchema).max(MAX_ROUTES).default([]),
});
export type SessionSettings = z.infer<typeof SessionSettingsSchema>;

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { mode: 'shared', routes: [] };
