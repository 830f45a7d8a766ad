// What authorizes the relay's requests to the push server: a fixed API key, or an OAuth sign-in whose access
// token changes (relay/auth/session.ts). The guarded fetch (guarded-fetch.ts) is the one place either is put on
// a request, and it only asks through this interface.
export interface BearerCredentials {
  /** The token for the next request; an OAuth session refreshes first when it is about to expire. */
  token(): string | undefined | Promise<string | undefined>;
  /**
   * A request sent with `rejected` was answered 401: get a fresh token (concurrent callers share one refresh).
   * True when there is a different token to retry with; false when only the user can help (sign in again).
   */
  refreshAfterRejection?(rejected: string | undefined): Promise<boolean>;
  /** The current secrets, for redaction. */
  secrets(): string[];
  /** What a refusal tells the user to do (push-stream's `unauthorized` message). */
  readonly refusedHint: string;
}

export const API_KEY_REFUSED_HINT = 'The API key was refused; set a valid key to reconnect (no retries until then).';

export function apiKeyCredentials(apiKey: string): BearerCredentials {
  return { token: () => apiKey, secrets: () => [apiKey], refusedHint: API_KEY_REFUSED_HINT };
}
