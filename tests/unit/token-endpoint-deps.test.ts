/**
 * The token pipeline gets the services it depends on from src/runtime: one that was not given what a request needs
 * fails closed with the 503 of upstreamUnavailable, and issues nothing.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createBasicAuthenticator } from '../../src/lib/auth/basic-authentication';
import { handleTokenRequest, type RequestLogEntry } from '../../src/lib/endpoints/token-endpoint';
import { environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';

let credentials: TestCredentials;
let env: Record<string, string>;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  env = await environmentFor(credentials, {
    TOKEN_GRANTS: 'video,taskrouter',
    TASKROUTER_WORKSPACE_SID: newSid('WS'),
    OIDC_ISSUER: 'https://idp.example',
    OIDC_AUDIENCE: 'token-service',
    OIDC_IDENTITY_PREFIX: 'idp:',
  });
});

async function ask(authorization: string, fields: Record<string, unknown>) {
  const logs: RequestLogEntry[] = [];
  const result = await handleTokenRequest({ headers: { authorization, 'content-type': 'application/json' }, fields }, env, {
    now: Date.now,
    log: (entry) => logs.push(entry),
    basic: createBasicAuthenticator(),
  });
  return { result, log: logs[0]! };
}

describe('handleTokenRequest without the parts src/runtime builds', () => {
  it('answers a taskrouter grant with 503 taskrouter_unavailable, and the reason in the log line only', async () => {
    const { result, log } = await ask(`Bearer ${credentials.sharedSecret}`, { identity: 'alice', grants: ['taskrouter'] });
    expect([result.status, (result.body as { error?: { code?: string } }).error?.code]).toEqual([503, 'taskrouter_unavailable']);
    expect(result.body).not.toHaveProperty('token');
    expect(log.detail).toMatch(/no TaskRouter Worker directory/);
  });

  it('still issues what needs no outside service (a video grant)', async () => {
    const { result } = await ask(`Bearer ${credentials.sharedSecret}`, { identity: 'alice', grants: ['video'] });
    expect(result.status).toBe(200);
  });

  it('answers an identity-provider token with 503 oidc_provider_unavailable, never as valid', async () => {
    const jwtShaped = ['eyJhbGciOiJSUzI1NiJ9', 'eyJzdWIiOiJhbGljZSJ9', 'c2lnbmF0dXJl'].join('.');
    const { result, log } = await ask(`Bearer ${jwtShaped}`, { grants: ['video'] });
    expect([result.status, (result.body as { error?: { code?: string } }).error?.code]).toEqual([503, 'oidc_provider_unavailable']);
    expect(log.detail).toMatch(/no identity-provider token verifier/);
  });
});
