/** Stable error codes, and the one table that maps each code to its HTTP status. */

/**
 * Every error the service can answer with. Callers switch on `code`, never on the message.
 * @example ERROR_STATUS.invalid_credentials // 401
 */
export const ERROR_STATUS = {
  invalid_request: 400, // malformed body or field
  invalid_authorization: 400, // malformed Authorization header
  invalid_identity: 400,
  invalid_ttl: 400,
  invalid_grants: 400,
  invalid_room: 400,
  missing_credentials: 401,
  invalid_credentials: 401,
  unsupported_authorization_scheme: 401,
  // A bearer JWT from the app's identity provider was refused (see docs/oidc.md).
  oidc_token_invalid: 401,
  oidc_token_expired: 401,
  oidc_token_not_yet_valid: 401,
  oidc_wrong_issuer: 401,
  oidc_wrong_audience: 401,
  oidc_identity_missing: 401,
  oidc_unknown_key: 401,
  origin_not_allowed: 403,
  grant_not_allowed: 403,
  room_not_allowed: 403,
  // The token policy (TOKEN_POLICY or policy.private.json) refused the caller (see docs/policy.md).
  policy_user_not_allowed: 403,
  policy_grant_denied: 403,
  policy_room_denied: 403,
  // The taskrouter grant is bound to the Worker whose FriendlyName is the identity (see docs/token-client.md).
  taskrouter_worker_not_found: 403,
  taskrouter_worker_ambiguous: 403,
  // An operator revoked the identity (npm run revoke; see README "Cut someone off now"), whatever the sign-in method.
  identity_revoked: 403,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  server_misconfigured: 500,
  internal_error: 500,
  // The identity provider's keys could not be fetched: retry later; never a reason to issue a token.
  oidc_provider_unavailable: 503,
  // TaskRouter's REST API could not tell which Worker the identity is: retry later; never a token without a worker.
  taskrouter_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** What a refusal may carry besides its code and message. */
export interface ServiceErrorOptions {
  /** Seconds the client should wait before retrying (sent as Retry-After). */
  readonly retryAfterSeconds?: number;
  /** For the log only, never the response: what went wrong out of the caller's reach (e.g. the provider's URL). */
  readonly logDetail?: string;
}

/**
 * A refusal the HTTP layer turns into `{"error": {"code", "message"}}`.
 * Messages are written for the caller and never contain a secret, password or token.
 * @example throw new ServiceError('too_many_attempts', 'try again later', { retryAfterSeconds: 30 })
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  /** Seconds the client should wait before retrying (sent as Retry-After). */
  readonly retryAfterSeconds?: number;
  /** For the log only, never the response: what went wrong out of the caller's reach (e.g. the provider's URL). */
  readonly logDetail?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    { retryAfterSeconds, logDetail }: ServiceErrorOptions = {},
  ) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
    this.logDetail = logDetail;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The codes whose status is 503: each names a service the answer depends on that is out of the caller's reach. */
type UpstreamCode = { [K in ErrorCode]: (typeof ERROR_STATUS)[K] extends 503 ? K : never }[ErrorCode];

/** What the caller is told for each (never the URL or the cause: those are the log line's `detail`). */
const UPSTREAM_MESSAGES: Readonly<Record<UpstreamCode, string>> = {
  oidc_provider_unavailable: 'the identity provider could not be reached to check the token; try again shortly',
  taskrouter_unavailable: 'TaskRouter could not be asked which Worker you are; try again shortly',
};

/** Seconds a client should wait (Retry-After) after a service the answer depends on could not be used. */
export const UPSTREAM_RETRY_AFTER_SECONDS = 5;

/**
 * The one mapping of "a service the answer depends on could not be used" to an answer: 503 with its code, a message
 * for the caller, Retry-After, and `detail` (the provider's URL and status, what TaskRouter answered) for the log line
 * only. Sync is not one of them: a Sync failure degrades to this instance's own state and never becomes a 5xx.
 * @example throw upstreamUnavailable('taskrouter_unavailable', 'TaskRouter answered 503 (error 20503)')
 */
export function upstreamUnavailable(code: UpstreamCode, detail: string): ServiceError {
  return new ServiceError(code, UPSTREAM_MESSAGES[code], { retryAfterSeconds: UPSTREAM_RETRY_AFTER_SECONDS, logDetail: detail });
}
