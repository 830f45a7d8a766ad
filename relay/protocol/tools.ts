// Control-plane tools of the push server (seed 000, "The control plane: four MCP tools").
// Inputs are strict: an unknown parameter is a mistake the caller should hear about, not silently ignore.
// The tenant always comes from the bearer token, never from arguments (seed 000: "you never pass a tenant_id").
import { z } from 'zod';
import { JsonObjectSchema, SubscriptionRowSchema } from './frames.js';

export const CATEGORIES = [
  'crm',
  'marketing',
  'service',
  'ai',
  'workflow',
  'integration',
  'mcp',
  'consent',
  'platform',
  'custom',
] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

export const ClientIdSchema = z
  .string()
  .min(1, 'client_id must not be empty')
  .max(200, 'client_id is at most 200 characters')
  .regex(/^[\w.:@-]+$/, 'client_id may use letters, digits and _ . : @ - only');

export const PUSH_ENDPOINT = '/mcp/push/sse';
export const PUSH_ENDPOINT_HINT =
  'Open a Server-Sent Events stream at /mcp/push/sse?client_id=<client_id> with the same bearer token; ' +
  'resume with Last-Event-ID (or ?cursor=) after a reconnect.';

/**
 * A filter dict as it arrives. The record's copy drops a `__proto__` key, so `{"__proto__": {…}}` came out as
 * `{}` — a filter that matches everything — before the filter grammar (compileFilter, which refuses the key)
 * ever saw it. Refused here, on the raw input; everything else is left to the grammar, as before.
 */
const FilterInputSchema = z.preprocess((raw, ctx) => {
  if (typeof raw === 'object' && raw !== null && Object.hasOwn(raw, '__proto__')) {
    ctx.addIssue({ code: 'custom', message: 'filter key "__proto__" is reserved and cannot be used', path: ['__proto__'], input: raw });
  }
  return raw;
}, JsonObjectSchema);

export const SubscribeInputSchema = z.strictObject({
  topic: z
    .array(z.string().min(1).max(200))
    .min(1, 'topic needs at least one pattern, e.g. ["deal.*"]')
    .max(50, 'at most 50 topic patterns per subscription')
    .describe('Topic patterns (fnmatch globs), e.g. ["deal.*", "workflow.run.*"].'),
  client_id: ClientIdSchema.describe('Stable identifier of your client process; subscriptions persist under it.'),
  filter: FilterInputSchema.optional().describe('Filter dict; keys map to payload fields, suffixes encode the operator.'),
  client_label: z.string().max(200).optional().describe('Human-readable label for the admin dashboard.'),
  consent_purpose: z.string().max(100).optional().describe('Scope visibility by consent purpose, e.g. "marketing".'),
});
export type SubscribeInput = z.infer<typeof SubscribeInputSchema>;

export const SubscribeOutputSchema = SubscriptionRowSchema;

export const UnsubscribeInputSchema = z.strictObject({
  subscription_id: z.string().min(1).describe('The id returned by subscribe or list_subscriptions.'),
});
export const UnsubscribeOutputSchema = z.looseObject({
  subscription_id: z.string(),
  unsubscribed: z.boolean(),
  already_deleted: z.boolean(),
});

export const ListSubscriptionsInputSchema = z.strictObject({
  client_id: ClientIdSchema,
  include_deleted: z.boolean().optional().describe('Also list soft-deleted subscriptions (default false).'),
});
export const ListSubscriptionsOutputSchema = z.looseObject({
  client_id: z.string(),
  subscriptions: z.array(SubscriptionRowSchema),
});

export const ListTopicsInputSchema = z.strictObject({
  category: CategorySchema.optional().describe('Scope to one category.'),
});
export const TopicInfoSchema = z.looseObject({
  topic: z.string(),
  category: z.string(),
  description: z.string(),
  payload_fields: z.array(z.string()),
  filter_example: JsonObjectSchema,
});
export type TopicInfo = z.infer<typeof TopicInfoSchema>;
export const ListTopicsOutputSchema = z.looseObject({
  topics: z.array(TopicInfoSchema),
  categories: z.array(z.string()),
});

export const TOOL_NAMES = ['subscribe', 'unsubscribe', 'list_subscriptions', 'list_topics'] as const;
