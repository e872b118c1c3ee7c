/**
 * The OpenAPI description against the real service: twilio-run answers every status and every error code that
 * HTTP can produce, and each answer is checked against src/assets/openapi.json (operation, status, JSON body,
 * headers). The table at the end of this file says which request produces which code; a code that no row
 * produces fails the run, so a new code needs a row here as well as its line in the document.
 */
import { base64url } from 'jose';
import { readFileSync } from 'node:fs';
import { ERROR_STATUS, type ErrorCode } from '../../src/lib/base/errors';
import { GRANT_NAMES, type GrantName } from '../../src/lib/token/grant-names';
import { closedLoopbackUrl, startFakeOidcProvider, type FakeOidcProvider } from '../helpers/fake-oidc-provider';
import { startFakeTaskRouter, type FakeTaskRouter } from '../helpers/fake-twilio/taskrouter';
import { startFakeSync, type FakeSync } from '../helpers/fake-twilio/sync-stand-in';
import { revocationKey, revocationMapNames } from '../../src/lib/revocation/revocations';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpCall } from '../helpers/http';
import { makeKey, signIdToken, type TestKey } from '../helpers/oidc-keys';
import { documentedOperation, expectResponseMatchesContract, OPENAPI_FILE, openApiDocument } from '../helpers/openapi-contract';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const AUDIENCE = 'contract-app';
const ALLOWED_ORIGIN = 'https://app.example';
/** Everyone gets the global settings, except three identity-provider users with a rule each. */
const POLICY = {
  default: 'allow',
  rules: [
    { match: { user: 'policy-denied', signIn: 'oidc' }, deny: true },
    { match: { user: 'policy-video-only', signIn: 'oidc' }, grants: ['video'] },
    { match: { user: 'policy-class-rooms', signIn: 'oidc' }, rooms: ['class-*'] },
  ],
};

/** The grants main issues; taskrouter needs a Worker per identity, so it has a server of its own. */
const MAIN_GRANTS = GRANT_NAMES.filter((grant) => grant !== 'taskrouter');

/**
 * main: every sign-in method, all grants but taskrouter, an allowed origin and a policy. basicOnly: Basic users only,
 * video pinned to one room. broken: a malformed API key SID. providerDown: OIDC whose JWKS URL is a closed loopback
 * port. taskrouter: every grant, its Workers on the loopback TaskRouter stand-in. revoking: a revocation list on the
 * loopback Sync stand-in that revokes REVOKED_IDENTITY.
 */
type ServerName = 'main' | 'basicOnly' | 'broken' | 'providerDown' | 'taskrouter' | 'revoking';

interface ContractCase {
  readonly status: number;
  /** The error code the answer must carry; none for tokens and /health. */
  readonly code?: ErrorCode;
  readonly server: ServerName;
  readonly method: 'GET' | 'POST';
  /** Path and query string. */
  readonly path: string;
  /** The request, in words: the name of the test. */
  readonly request: string;
  readonly call?: () => HttpCall | Promise<HttpCall>;
}

let credentials: TestCredentials;
let provider: FakeOidcProvider;
let key: TestKey;
let rogue: TestKey;
const servers = {} as Record<ServerName, RunningServer>;
let taskrouter: FakeTaskRouter;
let sync: FakeSync;
const REVOKED_IDENTITY = 'revoked-user';

beforeAll(async () => {
  [key, rogue] = await Promise.all([makeKey('ES256', 'contract-1'), makeKey('ES256', 'rogue-1')]);
  provider = await startFakeOidcProvider({ keys: [key.jwk] });
  credentials = newCredentials(['alice', 'tess']);
  taskrouter = await startFakeTaskRouter({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
  });
  sync = await startFakeSync({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
  });
  for (const map of revocationMapNames()) sync.api.seedItem(map, revocationKey(REVOKED_IDENTITY), { i: REVOKED_IDENTITY, t: Date.now() });
  const workspaceSid = taskrouter.api.addWorkspace();
  for (const identity of ['agent', 'twin', 'twin', ...taskrouterCombinations().map(combinationIdentity)])
    taskrouter.api.addWorker(workspaceSid, identity);
  const oidc = { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_IDENTITY_PREFIX: 'idp:' };
  const started = await Promise.all([
    environmentFor(credentials, {
      ...oidc,
      TOKEN_GRANTS: MAIN_GRANTS.join(','),
      VOICE_OUTGOING_APPLICATION_SID: newSid('AP'),
      VOICE_INCOMING_ALLOW: 'true',
      CONVERSATIONS_SERVICE_SID: newSid('IS'),
      SYNC_SERVICE_SID: newSid('IS'),
      ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      TOKEN_POLICY: JSON.stringify(POLICY),
    }).then(startServer),
    environmentFor(credentials, { AUTH_SHARED_SECRETS: undefined, TOKEN_GRANTS: 'video', VIDEO_ROOM: 'lobby' }).then(startServer),
    environmentFor(credentials, { TWILIO_API_KEY_SID: 'SKnot-a-sid' }).then(startServer),
    closedLoopbackUrl().then(async (closed) =>
      startServer(await environmentFor(credentials, { ...oidc, OIDC_JWKS_URL: `${closed}/jwks` })),
    ),
    environmentFor(credentials, {
      TOKEN_GRANTS: GRANT_NAMES.join(','),
      VOICE_INCOMING_ALLOW: 'true',
      CONVERSATIONS_SERVICE_SID: newSid('IS'),
      TASKROUTER_WORKSPACE_SID: workspaceSid,
      HTTP_PROXY: taskrouter.env.HTTP_PROXY,
    }).then((env) => startServer(env, { processEnv: { NODE_EXTRA_CA_CERTS: taskrouter.env.NODE_EXTRA_CA_CERTS } })),
    environmentFor(credentials, { THROTTLE_SYNC_SERVICE_SID: sync.credentials.serviceSid, HTTP_PROXY: sync.env.HTTP_PROXY }).then((env) =>
      startServer(env, { processEnv: { NODE_EXTRA_CA_CERTS: sync.env.NODE_EXTRA_CA_CERTS } }),
    ),
  ]);
  [servers.main, servers.basicOnly, servers.broken, servers.providerDown, servers.taskrouter, servers.revoking] = started;
}, 90_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
  await Promise.all([provider?.close(), taskrouter?.stop(), sync?.stop()]);
});

/** What the rows produced: "POST /token 401" and the codes, to compare with the document at the end. */
const producedAnswers = new Set<string>();
const producedCodes = new Set<string>();

describe('every status and code HTTP can produce, checked against the document', () => {
  it.each(
    contractTable().map(
      (row) => [`${row.status}${row.code ? ` ${row.code}` : ''} ${row.method} ${row.path.split('?')[0]}: ${row.request}`, row] as const,
    ),
  )('%s', async (_name, row) => {
    const call = { ...(row.call ? await row.call() : {}), method: row.method };
    const answer = await send(`${servers[row.server].url}${row.path}`, call);
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: row.status, code: row.code });
    expectResponseMatchesContract(row.method, row.path, answer);
    producedAnswers.add(`${row.method} ${row.path.split('?')[0]} ${answer.status}`);
    if (row.code) producedCodes.add(row.code);
    if (row.path.startsWith('/token') && answer.status === 200) {
      const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
      expect(claims.grants?.identity).toBe(answer.json.identity);
    } else {
      expect(answer.text).not.toMatch(JWT_SHAPE);
    }
  });
});

describe('what the rows produced, compared with the document', () => {
  const documentedCodes = Object.keys(ERROR_STATUS).sort();

  it('every error code except internal_error, which HTTP cannot produce', () => {
    expect([...producedCodes].sort()).toEqual(documentedCodes.filter((code) => code !== 'internal_error'));
  });

  it('internal_error is documented under 500 although no request produces it', () => {
    // handleTokenRequest turns only unexpected exceptions into internal_error. No input is meant to reach one
    // (the hostile and property suites exist to keep it so), so a request producing it here would be a bug.
    const text = JSON.stringify(openApiDocument.components.schemas!.ServerError);
    expect(ERROR_STATUS.internal_error).toBe(500);
    expect(text).toContain('"internal_error"');
  });

  it('every documented status of every operation', () => {
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((method) => [method.toUpperCase(), documentedOperation(method, path)] as const)
        .filter(([, operation]) => operation !== undefined)
        .flatMap(([method, operation]) => Object.keys(operation!.responses).map((status) => `${method} ${path} ${status}`)),
    );
    expect([...producedAnswers].sort()).toEqual(documented.sort());
  });
});

describe('GET /openapi.json', () => {
  it('serves this document as JSON, unchanged', async () => {
    const answer = await send(`${servers.main.url}/openapi.json`, { method: 'GET' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
  });
});

// The requests: which one produces which answer.

const bearer = (body: object, headers: Record<string, string> = {}): HttpCall => ({
  json: body,
  headers: { authorization: `Bearer ${credentials.sharedSecret}`, ...headers },
});
const basic = (user: string, body: object = {}, headers: Record<string, string> = {}): HttpCall => ({
  json: body,
  headers: { authorization: basicHeader(user, credentials.passwords[user]!), ...headers },
});
const basicHeaderOnly = (user: string, headers: Record<string, string> = {}): HttpCall => ({
  headers: { authorization: basicHeader(user, credentials.passwords[user]!), ...headers },
});
/** An identity-provider token that passes every check unless `claims` says otherwise. */
const idToken = (claims: Record<string, unknown> = {}, signer: TestKey = key) => signIdToken(signer, provider.issuer, AUDIENCE, claims);
const withIdToken = async (claims: Record<string, unknown> = {}, body: object = {}, signer: TestKey = key): Promise<HttpCall> => ({
  json: body,
  headers: { authorization: `Bearer ${await idToken(claims, signer)}` },
});
const now = () => Math.floor(Date.now() / 1000);

/** Five wrong passwords for tess (each a 401), then her right one: 429 for as long as the throttle holds. */
async function throttledTess(method: 'GET' | 'POST'): Promise<HttpCall> {
  if (method === 'POST') {
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await send(`${servers.main.url}/token`, {
        json: {},
        headers: { authorization: basicHeader('tess', `wrong-${attempt}`) },
      });
      expect(answer.status).toBe(401);
    }
  }
  return method === 'POST' ? basic('tess') : basicHeaderOnly('tess');
}

/** Every non-empty combination of the grants. */
function grantCombinations(): GrantName[][] {
  return Array.from({ length: 2 ** GRANT_NAMES.length - 1 }, (_, i) => GRANT_NAMES.filter((_grant, bit) => ((i + 1) >> bit) & 1));
}
const taskrouterCombinations = () => grantCombinations().filter((grants) => grants.includes('taskrouter'));
const combinationIdentity = (grants: readonly GrantName[]) => `grants-${grants.join('-')}`;

function contractTable(): ContractCase[] {
  const token = (
    method: 'GET' | 'POST',
    server: ServerName,
    status: number,
    code: ErrorCode | undefined,
    request: string,
    call?: ContractCase['call'],
    query = '',
  ) => ({ status, ...(code && { code }), server, method, path: `/token${query}`, request, ...(call && { call }) }) as ContractCase;
  const health = (method: 'GET' | 'POST', server: ServerName, status: number, request: string): ContractCase => ({
    status,
    server,
    method,
    path: '/health',
    request,
    ...(method === 'POST' && { call: () => ({ json: {} }) }),
  });

  return [
    // 200: a token, for each grant combination and each way of asking
    ...grantCombinations().map((grants) =>
      token(
        'POST',
        grants.includes('taskrouter') ? 'taskrouter' : 'main',
        200,
        undefined,
        `a shared secret asking for ${grants.join(' + ')}`,
        () => bearer({ identity: combinationIdentity(grants), grants }),
      ),
    ),
    token('POST', 'main', 200, undefined, 'a shared secret naming no grants (gets all four)', () => bearer({ identity: 'all-grants' })),
    token('POST', 'main', 200, undefined, 'a shared secret with video, a room and a ttl', () =>
      bearer({ identity: 'roomy', grants: ['video'], room: 'standup', ttl: 600 }),
    ),
    token('POST', 'main', 200, undefined, 'a Basic header and an empty JSON body', () => basic('alice')),
    token('POST', 'main', 200, undefined, 'username and password in a JSON body', () => ({
      json: { username: 'alice', password: credentials.passwords.alice },
    })),
    token('POST', 'main', 200, undefined, 'a shared secret as access_token in a JSON body', () => ({
      json: { access_token: credentials.sharedSecret, identity: 'body-json' },
    })),
    token('POST', 'main', 200, undefined, 'a shared secret as access_token in a form body, grants repeated', () => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['access_token', credentials.sharedSecret],
        ['identity', 'body-form'],
        ['grants', 'chat'],
        ['grants', 'video'],
        ['ttl', '900'],
      ]).toString(),
    })),
    token('POST', 'main', 200, undefined, 'an identity-provider token', () => withIdToken({ sub: 'oidc-user' })),
    token('POST', 'main', 200, undefined, 'an identity-provider user whose policy rule allows video only', () =>
      withIdToken({ sub: 'policy-video-only' }),
    ),
    token('POST', 'main', 200, undefined, 'an allowed cross-origin browser caller (CORS headers)', () =>
      basic('alice', {}, { origin: ALLOWED_ORIGIN }),
    ),
    token('POST', 'basicOnly', 200, undefined, 'a Basic user on a service with VIDEO_ROOM (the token names the room)', () =>
      basic('alice'),
    ),
    token(
      'GET',
      'main',
      200,
      undefined,
      'a Basic header, grants and ttl in the query string',
      () => basicHeaderOnly('alice'),
      '?grants=video,chat&ttl=600',
    ),
    token(
      'GET',
      'main',
      200,
      undefined,
      'a shared secret, identity in the query string',
      () => ({ headers: { authorization: `Bearer ${credentials.sharedSecret}` } }),
      '?identity=kiosk-7',
    ),
    // 400
    token('POST', 'main', 400, 'invalid_request', 'identity as an array', () => bearer({ identity: ['a'] })),
    token('GET', 'main', 400, 'invalid_request', 'a password in the query string', undefined, '?username=alice&password=not-in-a-url'),
    token('POST', 'main', 400, 'invalid_authorization', 'Basic credentials that are not base64', () => ({
      json: {},
      headers: { authorization: 'Basic !!!' },
    })),
    token('POST', 'main', 400, 'invalid_identity', 'a shared secret without an identity', () => bearer({})),
    token('GET', 'main', 400, 'invalid_identity', 'a shared secret without an identity in the query string', () => ({
      headers: { authorization: `Bearer ${credentials.sharedSecret}` },
    })),
    token('POST', 'main', 400, 'invalid_ttl', 'ttl as a JSON string', () => bearer({ identity: 'a', ttl: '600' })),
    token('POST', 'main', 400, 'invalid_grants', 'an unknown grant', () => bearer({ identity: 'a', grants: ['fax'] })),
    token('POST', 'main', 400, 'invalid_room', 'a room without the video grant', () =>
      bearer({ identity: 'a', grants: ['chat'], room: 'r' }),
    ),
    // 401
    token('POST', 'main', 401, 'missing_credentials', 'an empty JSON body (both challenges)', () => ({ json: {} })),
    token(
      'POST',
      'main',
      401,
      'missing_credentials',
      'no credentials from an allowed cross-origin page (CORS headers, no Basic challenge)',
      () => ({ json: {}, headers: { origin: ALLOWED_ORIGIN } }),
    ),
    token(
      'POST',
      'basicOnly',
      401,
      'missing_credentials',
      'a browser script on a Basic-only service (no challenge left: no WWW-Authenticate)',
      () => ({ json: {}, headers: { 'sec-fetch-mode': 'cors' } }),
    ),
    token('GET', 'main', 401, 'missing_credentials', 'nothing at all'),
    token('POST', 'main', 401, 'invalid_credentials', 'a wrong shared secret', () => ({
      json: { identity: 'a' },
      headers: { authorization: `Bearer ${credentials.sharedSecret}x` },
    })),
    token('POST', 'main', 401, 'unsupported_authorization_scheme', 'a Digest header', () => ({
      json: {},
      headers: { authorization: 'Digest username="alice"' },
    })),
    token('POST', 'main', 401, 'oidc_token_invalid', 'an identity-provider token with a tampered payload', async () => {
      const [header, , signature] = (await idToken({ sub: 'mallory' })).split('.');
      const forged = base64url.encode(JSON.stringify({ iss: provider.issuer, aud: AUDIENCE, sub: 'admin', exp: now() + 300 }));
      return { json: {}, headers: { authorization: `Bearer ${header}.${forged}.${signature}` } };
    }),
    token('POST', 'main', 401, 'oidc_token_expired', 'an expired identity-provider token', () =>
      withIdToken({ iat: now() - 900, exp: now() - 120 }),
    ),
    token('POST', 'main', 401, 'oidc_token_not_yet_valid', 'an identity-provider token valid only in ten minutes', () =>
      withIdToken({ nbf: now() + 600 }),
    ),
    token('POST', 'main', 401, 'oidc_wrong_issuer', 'an identity-provider token from another issuer', () =>
      withIdToken({ iss: 'https://evil.example' }),
    ),
    token('POST', 'main', 401, 'oidc_wrong_audience', 'an identity-provider token for another app', () =>
      withIdToken({ aud: 'another-app' }),
    ),
    token('POST', 'main', 401, 'oidc_identity_missing', 'an identity-provider token without sub', () => withIdToken({ sub: undefined })),
    token('POST', 'main', 401, 'oidc_unknown_key', 'an identity-provider token signed with a key the provider does not publish', () =>
      withIdToken({}, {}, rogue),
    ),
    // 403
    token('POST', 'main', 403, 'origin_not_allowed', 'valid credentials from an origin not in ALLOWED_ORIGINS', () =>
      basic('alice', {}, { origin: 'https://evil.example' }),
    ),
    token('GET', 'main', 403, 'origin_not_allowed', 'a Basic header from the null origin', () =>
      basicHeaderOnly('alice', { origin: 'null' }),
    ),
    token('POST', 'basicOnly', 403, 'grant_not_allowed', 'a grant the service does not issue', () => basic('alice', { grants: ['chat'] })),
    token('POST', 'basicOnly', 403, 'room_not_allowed', 'a room other than VIDEO_ROOM', () => basic('alice', { room: 'boardroom' })),
    token('POST', 'main', 403, 'policy_user_not_allowed', 'an identity-provider user the policy denies', () =>
      withIdToken({ sub: 'policy-denied' }),
    ),
    token('POST', 'main', 403, 'policy_grant_denied', 'chat for a user whose policy rule allows video only', () =>
      withIdToken({ sub: 'policy-video-only' }, { grants: ['chat'] }),
    ),
    token('POST', 'taskrouter', 403, 'taskrouter_worker_not_found', 'the taskrouter grant for an identity no Worker is named after', () =>
      bearer({ identity: 'no-worker', grants: ['taskrouter'] }),
    ),
    token(
      'POST',
      'taskrouter',
      403,
      'taskrouter_worker_ambiguous',
      'the taskrouter grant for an identity two Workers are named after',
      () => bearer({ identity: 'twin', grants: ['taskrouter'] }),
    ),
    token('POST', 'revoking', 403, 'identity_revoked', 'a shared-secret caller asking for an identity an operator revoked', () =>
      bearer({ identity: REVOKED_IDENTITY }),
    ),
    token('POST', 'main', 403, 'policy_room_denied', 'a room outside the policy rule’s class-*', () =>
      withIdToken({ sub: 'policy-class-rooms' }, { grants: ['video'], room: 'staff' }),
    ),
    // 415
    token('POST', 'main', 415, 'unsupported_media_type', 'a text/plain body', () => ({
      headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'text/plain' },
      body: 'identity=a',
    })),
    // 429
    token('POST', 'main', 429, 'too_many_attempts', 'the right password after five wrong ones', () => throttledTess('POST')),
    token('GET', 'main', 429, 'too_many_attempts', 'the same user again, without a body', () => throttledTess('GET')),
    // 500
    token('POST', 'broken', 500, 'server_misconfigured', 'valid credentials, malformed TWILIO_API_KEY_SID', () => basic('alice')),
    token('GET', 'broken', 500, 'server_misconfigured', 'valid credentials without a body, malformed TWILIO_API_KEY_SID', () =>
      basicHeaderOnly('alice'),
    ),
    // 503
    token('POST', 'providerDown', 503, 'oidc_provider_unavailable', 'an identity-provider token while the JWKS URL does not answer', () =>
      withIdToken(),
    ),
    token('POST', 'taskrouter', 503, 'taskrouter_unavailable', 'the taskrouter grant while TaskRouter answers 503', () => {
      taskrouter.api.fail({ status: 503, code: 20503, count: 1 });
      return bearer({ identity: 'agent', grants: ['taskrouter'] });
    }),
    token('GET', 'providerDown', 503, 'oidc_provider_unavailable', 'the same without a body', async () => ({
      headers: { authorization: `Bearer ${await idToken()}` },
    })),
    // /health
    health('GET', 'main', 200, 'a valid configuration'),
    health('POST', 'main', 200, 'a valid configuration, asked with POST'),
    health('GET', 'broken', 503, 'a malformed TWILIO_API_KEY_SID'),
    health('POST', 'broken', 503, 'a malformed TWILIO_API_KEY_SID, asked with POST'),
  ];
}
