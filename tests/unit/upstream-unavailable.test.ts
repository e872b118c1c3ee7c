/** upstreamUnavailable: every "a service the answer depends on could not be used" is one 503 shape, its cause for the log only. */
import { describe, expect, it } from '@jest/globals';
import { ERROR_STATUS, UPSTREAM_RETRY_AFTER_SECONDS, upstreamUnavailable, type ErrorCode } from '../../src/lib/base/errors';
import { errorResult } from '../../src/lib/http/result';

const UPSTREAM_CODES = ['oidc_provider_unavailable', 'taskrouter_unavailable'] as const;
const DETAIL = 'The JWKS (https://idp.example/keys) answered HTTP 502.';

describe('upstreamUnavailable', () => {
  it('covers every 503 of the error table, so no 503 is made another way', () => {
    const codes503 = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === 503);
    expect(codes503.sort()).toEqual([...UPSTREAM_CODES].sort());
  });

  it.each(UPSTREAM_CODES)('%s: 503 with Retry-After, a message that names no cause, the cause as the log detail', (code) => {
    const error = upstreamUnavailable(code, DETAIL);
    expect([error.code, error.status, error.retryAfterSeconds, error.logDetail]).toEqual([code, 503, UPSTREAM_RETRY_AFTER_SECONDS, DETAIL]);
    expect(error.message).toMatch(/try again shortly$/);
    const result = errorResult(error, { origin: { allowed: true }, schemes: [], requestHeaders: {} });
    expect(result.status).toBe(503);
    expect(result.headers['Retry-After']).toBe(String(UPSTREAM_RETRY_AFTER_SECONDS));
    expect(JSON.stringify(result.body)).not.toContain('idp.example');
  });
});
