// Request bodies of the reference server's own HTTP API (DESIGN.md "Reference server HTTP").
// Strict objects: an unknown field is reported by name instead of being dropped.
import { z } from 'zod';
import { JsonObjectSchema } from '../protocol/frames.js';

const optionalText = (max: number) => z.string().min(1).max(max).optional();

export const EmitInputSchema = z.strictObject({
  topic: z.string().min(1, 'topic must not be empty').max(200),
  payload: JsonObjectSchema,
  aggregate_type: optionalText(100),
  aggregate_id: optionalText(200),
  actor_id: optionalText(200),
  correlation_id: optionalText(200),
  /** The data subject this event is about; the consent gate checks it. Never pushed to clients. */
  subject: optionalText(320),
});
export type EmitInput = z.infer<typeof EmitInputSchema>;

export const ConsentInputSchema = z.strictObject({
  subject: z.string().min(1).max(320),
  status: z.enum(['withdrawn', 'suppressed', 'granted']),
  /** Limit the change to subscriptions with this consent_purpose; without it, it applies to all. */
  purpose: optionalText(100),
});
export type ConsentInput = z.infer<typeof ConsentInputSchema>;

/** One line per zod issue, `field: message`, for 4xx bodies a person can act on. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.join('.');
      if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}${path ? ` in ${path}` : ''}`;
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}
