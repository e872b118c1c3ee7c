/** The request's log line, built from its trace: the keys in their fixed order, and only what the trace learnt. */
import { logEntryOf, startTrace } from '../../src/lib/endpoints/request-trace';
import { errorResult, jsonResult } from '../../src/lib/http/result';
import { ServiceError } from '../../src/lib/base/errors';

const refusal = (code: 'invalid_credentials' | 'oidc_provider_unavailable' | 'internal_error') =>
  errorResult(new ServiceError(code, 'x'), { origin: { allowed: true }, schemes: [], requestHeaders: {} });

describe('logEntryOf', () => {
  it('writes an issued token with its identity, grants and ttl, durationMs last', () => {
    const trace = startTrace(1_000);
    trace.signedIn = { scheme: 'basic', identity: 'alice' };
    trace.rule = 'rules[0]';
    trace.sharedStore = 'sync';
    trace.issued = { identity: 'alice', grants: ['video'], ttl: 600 };
    const entry = logEntryOf(trace, jsonResult(200, {}, { allowed: true }), 1_012);
    expect(Object.keys(entry)).toEqual([
      'event',
      'outcome',
      'status',
      'scheme',
      'rule',
      'throttle',
      'identity',
      'grants',
      'ttl',
      'durationMs',
    ]);
    expect(entry).toMatchObject({ outcome: 'issued', status: 200, throttle: 'sync', grants: ['video'], ttl: 600, durationMs: 12 });
  });

  it('names who was refused once signed in, with the detail of an unavailable service', () => {
    const trace = startTrace(0);
    trace.signedIn = { scheme: 'oidc', identity: 'idp:bob' };
    trace.sharedStore = 'degraded';
    trace.revocationsCurrent = false;
    const entry = logEntryOf(trace, refusal('oidc_provider_unavailable'), 5, { detail: 'https://idp.example/jwks: HTTP 502' });
    expect(entry).toEqual({
      event: 'token_request',
      outcome: 'failed',
      status: 503,
      code: 'oidc_provider_unavailable',
      scheme: 'oidc',
      throttle: 'sync_degraded',
      revocations: 'stale',
      identity: 'idp:bob',
      detail: 'https://idp.example/jwks: HTTP 502',
      durationMs: 5,
    });
  });

  it("logs an unexpected failure's kind in its code, and nothing else it learnt", () => {
    const trace = startTrace(0);
    trace.signedIn = { scheme: 'bearer', identity: 'carol' };
    const entry = logEntryOf(trace, refusal('internal_error'), 1, { unexpected: 'TypeError' });
    expect(entry).toEqual({
      event: 'token_request',
      outcome: 'failed',
      status: 500,
      code: 'internal_error:TypeError',
      scheme: 'bearer',
      durationMs: 1,
    });
  });

  it('leaves out everything a refusal before sign-in did not learn', () => {
    const entry = logEntryOf(startTrace(0), refusal('invalid_credentials'), 0);
    expect(entry).toEqual({ event: 'token_request', outcome: 'refused', status: 401, code: 'invalid_credentials', durationMs: 0 });
  });
});
