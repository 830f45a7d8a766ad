// Typed errors of signing in (catalogue: relay/util/errors.ts). Messages never carry a token.
import { RelayError } from '../util/errors.js';

export type SignInErrorCode =
  /** The refresh token is revoked or expired, or there is no sign-in: only a new login helps. */
  | 'sign_in_required'
  /** The server's OAuth metadata or registration answer is unusable. */
  | 'oauth_discovery_failed'
  | 'oauth_registration_failed'
  /** The browser came back with an error (access_denied, …) or not at all. */
  | 'oauth_authorization_failed'
  | 'oauth_token_failed'
  /** The server does not offer OAuth (no 401 challenge, no metadata). */
  | 'oauth_unsupported';

export class SignInError extends RelayError {
  override readonly name = 'SignInError';
  declare readonly code: SignInErrorCode;

  constructor(code: SignInErrorCode, message: string, options?: ErrorOptions) {
    super(code === 'sign_in_required' ? 'upstream' : 'config', code, message, options);
  }
}

export const SIGN_IN_AGAIN = 'sign in again: push-relay login (or Sign in in the tray / Settings page)';
