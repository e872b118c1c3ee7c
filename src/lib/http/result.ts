/** The runtime-neutral HTTP answer the core returns; a thin adapter turns it into a Twilio.Response. */
import type { AuthScheme } from '../auth/settings';
import type { OriginDecision } from './cors';
import { ERROR_STATUS, type ErrorCode, type ServiceError } from '../base/errors';

export interface HttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: object;
}

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The CORS headers of an answer. A listed origin is named. A refused origin gets `*`: only the 403
 * origin_not_allowed is ever answered to it (the origin is checked before credentials, so that body holds
 * no token and says nothing about them), and `*` lets the page read that refusal, so its client stops
 * instead of retrying a "network error". `*` never allows credentials (no Allow-Credentials is sent, and
 * browsers refuse `*` with credentialed requests anyway). Same origin and no Origin need none.
 */
function corsHeaders(origin: OriginDecision): Record<string, string> {
  if (!origin.allowed) return { 'Access-Control-Allow-Origin': '*' };
  if (origin.allowOrigin === undefined) return {};
  return { 'Access-Control-Allow-Origin': origin.allowOrigin, 'Access-Control-Expose-Headers': 'Retry-After, WWW-Authenticate' };
}

/** Headers every answer carries: tokens and errors alike must never be cached or sniffed. */
function baseHeaders(origin: OriginDecision): Record<string, string> {
  return {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Origin',
    ...corsHeaders(origin),
  };
}

export function jsonResult(status: number, body: object, origin: OriginDecision): HttpResult {
  return { status, headers: baseHeaders(origin), body };
}

const REALM = 'realm="twilio-access-token"';

/**
 * The WWW-Authenticate challenges for a 401. A Basic challenge makes browsers open their own login
 * dialog, so it is left out for requests a browser script made (they carry Sec-Fetch-Mode or Origin).
 */
export function authenticateChallenge(schemes: readonly AuthScheme[], code: ErrorCode, headers: RequestHeaders): string {
  const fromBrowserScript = headers['sec-fetch-mode'] !== undefined || headers['origin'] !== undefined;
  const challenges: string[] = [];
  // A shared secret and an identity-provider JWT are both Bearer credentials: one challenge covers both.
  if (schemes.includes('bearer') || schemes.includes('oidc')) {
    const rejectedToken = code === 'invalid_credentials' || code.startsWith('oidc_');
    challenges.push(rejectedToken ? `Bearer ${REALM}, error="invalid_token"` : `Bearer ${REALM}`);
  }
  if (schemes.includes('basic') && !fromBrowserScript) challenges.push(`Basic ${REALM}, charset="UTF-8"`);
  return challenges.join(', ');
}

export interface ErrorContext {
  readonly origin: OriginDecision;
  readonly schemes: readonly AuthScheme[];
  readonly requestHeaders: RequestHeaders;
}

/**
 * `{"error": {"code", "message"}}` with the status from ERROR_STATUS and the headers the status needs.
 * 401 bodies also list the configured schemes, so a page can offer only the sign-in modes that work.
 */
export function errorResult(error: ServiceError, context: ErrorContext): HttpResult {
  const status = ERROR_STATUS[error.code];
  const headers = baseHeaders(context.origin);
  const body: { code: ErrorCode; message: string; schemes?: readonly AuthScheme[] } = { code: error.code, message: error.message };
  if (status === 401) {
    body.schemes = context.schemes;
    const challenge = authenticateChallenge(context.schemes, error.code, context.requestHeaders);
    if (challenge !== '') headers['WWW-Authenticate'] = challenge;
  }
  if ((status === 429 || status === 503) && error.retryAfterSeconds !== undefined) {
    headers['Retry-After'] = String(error.retryAfterSeconds);
  }
  return { status, headers, body: { error: body } };
}
