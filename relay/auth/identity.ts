// The inbox source of an OAuth sign-in (DESIGN.md "Identity": events are keyed by server and tenant). An API
// key's source is a hash of the key (push-stream.ts tenantIdForKey), so a new key starts a new source. Access
// tokens rotate every few minutes, so hashing them would start a new source, with an empty resume cursor and no
// dedupe across it, at every refresh. The source is therefore the signed-in subject at its issuer: stable across
// refreshes and across a new login as the same subject (which then resumes from the durable cursor).
import { createHash } from 'node:crypto';

export function tenantIdForSignIn(issuer: string, subject: string): string {
  return `oauth-${createHash('sha256').update(`${issuer}\u0000${subject}`, 'utf8').digest('hex').slice(0, 16)}`;
}
