/** Why an OIDC bearer token was refused, as stable codes the HTTP layer maps to statuses in one table. */
import { ERROR_STATUS } from './errors';

/** Every reason `OidcVerifier.verify` can refuse a token. Callers switch on these, never on messages. */
export type OidcErrorCode =
  | 'oidc_token_invalid'
  | 'oidc_token_expired'
  | 'oidc_token_not_yet_valid'
  | 'oidc_wrong_issuer'
  | 'oidc_wrong_audience'
  | 'oidc_identity_missing'
  | 'oidc_unknown_key'
  | 'oidc_provider_unavailable';

/**
 * HTTP status for each code: the caller's token is at fault (401) unless we could not reach the
 * identity provider (503, so clients retry instead of logging the user out). A view of ERROR_STATUS in
 * errors.ts, which is the one table of statuses.
 *
 * @example res.status = OIDC_ERROR_STATUS[error.code]; // 401 or 503
 */
export const OIDC_ERROR_STATUS: Readonly<Record<OidcErrorCode, 401 | 503>> = Object.freeze({
  oidc_token_invalid: ERROR_STATUS.oidc_token_invalid,
  oidc_token_expired: ERROR_STATUS.oidc_token_expired,
  oidc_token_not_yet_valid: ERROR_STATUS.oidc_token_not_yet_valid,
  oidc_wrong_issuer: ERROR_STATUS.oidc_wrong_issuer,
  oidc_wrong_audience: ERROR_STATUS.oidc_wrong_audience,
  oidc_identity_missing: ERROR_STATUS.oidc_identity_missing,
  oidc_unknown_key: ERROR_STATUS.oidc_unknown_key,
  oidc_provider_unavailable: ERROR_STATUS.oidc_provider_unavailable,
});

/**
 * A refused token or an unreachable provider. The message is for logs and never contains the token.
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

  /** The HTTP status this error maps to (same as `OIDC_ERROR_STATUS[code]`). */
  get status(): 401 | 503 {
    return OIDC_ERROR_STATUS[this.code];
  }
}
