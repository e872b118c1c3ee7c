/** errorResult and jsonResult: status from ERROR_STATUS, the headers each status needs, and no caching ever. */
import { ERROR_STATUS, ServiceError, type ErrorCode } from '../../src/lib/base/errors';
import { authenticateChallenge, errorResult, jsonResult, type ErrorContext } from '../../src/lib/http/result';

const expectedStatus: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_authorization: 400,
  invalid_identity: 400,
  invalid_ttl: 400,
  invalid_grants: 400,
  invalid_room: 400,
  missing_credentials: 401,
  invalid_credentials: 401,
  unsupported_authorization_scheme: 401,
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
  policy_user_not_allowed: 403,
  policy_grant_denied: 403,
  policy_room_denied: 403,
  taskrouter_worker_not_found: 403,
  taskrouter_worker_ambiguous: 403,
  identity_revoked: 403,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  server_misconfigured: 500,
  internal_error: 500,
  oidc_provider_unavailable: 503,
  taskrouter_unavailable: 503,
};
const codes = Object.keys(ERROR_STATUS) as ErrorCode[];

const context = (overrides: Partial<ErrorContext> = {}): ErrorContext => ({
  origin: { allowed: true },
  schemes: ['basic', 'bearer'],
  requestHeaders: {},
  ...overrides,
});

describe('errorResult', () => {
  it('knows exactly the codes this test expects', () => {
    expect(codes.sort()).toEqual((Object.keys(expectedStatus) as ErrorCode[]).sort());
  });

  it.each(codes)('answers %s with its status and an error body', (code) => {
    const result = errorResult(new ServiceError(code, `message for ${code}`), context());
    expect(result.status).toBe(expectedStatus[code]);
    expect(result.status).toBe(new ServiceError(code, '').status);
    const body = result.body as { error: { code: string; message: string; schemes?: string[] } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toBe(`message for ${code}`);
  });

  it.each(codes)('forbids caching and sniffing on %s', (code) => {
    const { headers } = errorResult(new ServiceError(code, 'x', { retryAfterSeconds: 5 }), context());
    expect(headers['Cache-Control']).toBe('no-store');
    expect(headers['Pragma']).toBe('no-cache');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(headers['Vary']).toBe('Origin');
  });

  it.each(codes)('adds WWW-Authenticate and Retry-After only where %s needs them', (code) => {
    const { headers } = errorResult(new ServiceError(code, 'x', { retryAfterSeconds: 7 }), context());
    expect('WWW-Authenticate' in headers).toBe(expectedStatus[code] === 401);
    expect('Allow' in headers).toBe(false);
    expect('Retry-After' in headers).toBe(expectedStatus[code] === 429 || expectedStatus[code] === 503);
  });

  describe('401', () => {
    it('challenges with both configured schemes for a non-browser client, Bearer first', () => {
      const result = errorResult(new ServiceError('missing_credentials', 'x'), context());
      expect(result.headers['WWW-Authenticate']).toBe(
        'Bearer realm="twilio-access-token", Basic realm="twilio-access-token", charset="UTF-8"',
      );
      expect((result.body as { error: { schemes: string[] } }).error.schemes).toEqual(['basic', 'bearer']);
    });

    it('marks the Bearer challenge invalid_token on invalid_credentials', () => {
      const result = errorResult(new ServiceError('invalid_credentials', 'x'), context({ schemes: ['bearer'] }));
      expect(result.headers['WWW-Authenticate']).toBe('Bearer realm="twilio-access-token", error="invalid_token"');
    });

    it('challenges only with the configured scheme', () => {
      expect(errorResult(new ServiceError('missing_credentials', 'x'), context({ schemes: ['basic'] })).headers['WWW-Authenticate']).toBe(
        'Basic realm="twilio-access-token", charset="UTF-8"',
      );
      expect(errorResult(new ServiceError('missing_credentials', 'x'), context({ schemes: ['bearer'] })).headers['WWW-Authenticate']).toBe(
        'Bearer realm="twilio-access-token"',
      );
    });

    it.each([
      ['sec-fetch-mode', { 'sec-fetch-mode': 'cors' }],
      ['origin', { origin: 'https://app.example.com' }],
    ])('sends no Basic challenge when the request carries %s (a browser script)', (_header, requestHeaders) => {
      const result = errorResult(new ServiceError('invalid_credentials', 'x'), context({ requestHeaders }));
      expect(result.headers['WWW-Authenticate']).toBe('Bearer realm="twilio-access-token", error="invalid_token"');
      expect(result.headers['WWW-Authenticate']).not.toMatch(/Basic/);
    });

    it('sends no WWW-Authenticate at all to a browser script when only Basic is configured', () => {
      const result = errorResult(
        new ServiceError('missing_credentials', 'x'),
        context({ schemes: ['basic'], requestHeaders: { 'sec-fetch-mode': 'cors' } }),
      );
      expect(result.headers['WWW-Authenticate']).toBeUndefined();
      expect((result.body as { error: { schemes: string[] } }).error.schemes).toEqual(['basic']);
    });

    it('lists no schemes in bodies that are not 401', () => {
      const result = errorResult(new ServiceError('invalid_ttl', 'x'), context());
      expect((result.body as { error: object }).error).toEqual({ code: 'invalid_ttl', message: 'x' });
    });
  });

  it('answers 429 with Retry-After in whole seconds', () => {
    expect(errorResult(new ServiceError('too_many_attempts', 'x', { retryAfterSeconds: 42 }), context()).headers['Retry-After']).toBe('42');
  });

  it('adds Allow-Origin and exposes Retry-After and WWW-Authenticate only for an allowed browser origin', () => {
    const allowed = errorResult(
      new ServiceError('too_many_attempts', 'x', { retryAfterSeconds: 1 }),
      context({ origin: { allowed: true, allowOrigin: 'https://app.example.com' } }),
    );
    expect(allowed.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    expect(allowed.headers['Access-Control-Expose-Headers']).toBe('Retry-After, WWW-Authenticate');
  });

  it('makes the 403 origin_not_allowed readable by any page (Allow-Origin *), never with credentials and never naming the origin', () => {
    const refused = errorResult(new ServiceError('origin_not_allowed', 'x'), context({ origin: { allowed: false } }));
    expect(refused.status).toBe(403);
    expect(refused.headers['Access-Control-Allow-Origin']).toBe('*');
    expect(refused.headers['Access-Control-Allow-Credentials']).toBeUndefined();
    expect(refused.headers['Access-Control-Expose-Headers']).toBeUndefined();
    expect(refused.body).toEqual({ error: { code: 'origin_not_allowed', message: 'x' } });
  });

  it('sends no CORS header at all when the origin is not known to be allowed or refused (same origin, no Origin)', () => {
    const plain = errorResult(new ServiceError('invalid_request', 'x'), context({ origin: { allowed: true } }));
    expect(Object.keys(plain.headers).filter((name) => name.startsWith('Access-Control-'))).toEqual([]);
  });
});

describe('jsonResult', () => {
  it('carries the no-store headers and the Allow-Origin of the decision', () => {
    const result = jsonResult(200, { token: 'x' }, { allowed: true, allowOrigin: 'https://app.example.com' });
    expect(result).toEqual({
      status: 200,
      body: { token: 'x' },
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        Vary: 'Origin',
        'Access-Control-Allow-Origin': 'https://app.example.com',
        'Access-Control-Expose-Headers': 'Retry-After, WWW-Authenticate',
      },
    });
  });
});

describe('authenticateChallenge', () => {
  it('is empty when no scheme is configured', () => {
    expect(authenticateChallenge([], 'missing_credentials', {})).toBe('');
  });
});
