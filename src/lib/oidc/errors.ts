/** Why an OIDC bearer token was refused, as stable codes the HTTP layer maps to statuses in one table. */
import type { ERROR_STATUS } from '../base/errors';

/**
 * Every reason `OidcVerifier.verify` can refuse a token. Callers switch on these, never on messages;
 * their HTTP statuses live in ERROR_STATUS (errors.ts), the one table of statuses.
 */
export type OidcErrorCode = Extract<keyof typeof ERROR_STATUS, `oidc_${string}`>;

/**
 * A refused token or an unreachable provider. The message never contains the token. It reaches the CLIENT as the
 * error body's message for every code but `oidc_provider_unavailable`, whose message (it names the provider's URL)
 * goes to the log only (endpoints/credentials.ts, fromOidcError): write it for the caller.
 *
 * @example if (e instanceof OidcError && e.code === 'oidc_token_expired') { ... }
 */
export class OidcError extends Error {
  override readonly name = 'OidcError';
  readonly code: OidcErrorCode;

  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
