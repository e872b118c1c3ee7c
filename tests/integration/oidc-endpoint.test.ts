/** POST /token with identity-provider JWTs, through the real twilio-run server and a real JWKS server on loopback. */
import { SignJWT, base64url } from 'jose';
import { createSecretKey } from 'node:crypto';
import { closedLoopbackUrl, startFakeOidcProvider, type FakeOidcProvider } from '../helpers/fake-oidc-provider';
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpAnswer } from '../helpers/http';
import { makeKey, signIdToken, type TestKey } from '../helpers/oidc-keys';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const AUDIENCE = 'browser-app';
let credentials: TestCredentials;
let provider: FakeOidcProvider;
let server: RunningServer;
let rsa: TestKey;
let ec: TestKey;
let ed: TestKey;
let rogue: TestKey;
const presentedJwts: string[] = [];
/** How many of them each server was shown (each answer has its log line). */
const presentedTo = new Map<string, number>();

beforeAll(async () => {
  [rsa, ec, ed, rogue] = await Promise.all([
    makeKey('RS256', 'rsa-1'),
    makeKey('ES256', 'ec-1'),
    makeKey('EdDSA', 'ed-1'),
    makeKey('RS256', 'rogue'),
  ]);
  provider = await startFakeOidcProvider({ keys: [rsa.jwk, ec.jwk, ed.jwk] });
  credentials = newCredentials(['alice']);
  server = await startServer(
    await environmentFor(credentials, {
      OIDC_ISSUER: provider.issuer,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_IDENTITY_PREFIX: 'idp:',
      TOKEN_GRANTS: 'video',
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await provider?.close();
});

async function withBearer(url: string, jwt: string, body: unknown = {}): Promise<HttpAnswer> {
  presentedJwts.push(jwt);
  presentedTo.set(url, (presentedTo.get(url) ?? 0) + 1);
  return send(`${url}/token`, { json: body, headers: { authorization: `Bearer ${jwt}` } });
}

function expectRefusal(answer: HttpAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
  expect(answer.json.token).toBeUndefined();
  expect(answer.text).not.toMatch(JWT_SHAPE);
  expect(answer.headers['cache-control']).toBe('no-store');
}

describe('a valid identity-provider token gets a Twilio token whose identity is OIDC_IDENTITY_PREFIX and the sub claim', () => {
  it.each([['RS256'], ['ES256'], ['EdDSA']])('%s', async (alg) => {
    const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg]!;
    const answer = await withBearer(server.url, await signIdToken(key, provider.issuer, AUDIENCE, { sub: `user-${alg}` }));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ identity: `idp:user-${alg}`, grants: ['video'] });
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.grants).toEqual({ identity: `idp:user-${alg}`, video: {} });
  });

  it('an identity in the body equal to the prefixed claim is accepted; the bare claim or another one is refused', async () => {
    const jwt = await signIdToken(rsa, provider.issuer, AUDIENCE, { sub: 'same' });
    expect((await withBearer(server.url, jwt, { identity: 'idp:same' })).status).toBe(200);
    expectRefusal(await withBearer(server.url, jwt, { identity: 'same' }), 400, 'invalid_request');
    expectRefusal(await withBearer(server.url, jwt, { identity: 'someone-else' }), 400, 'invalid_request');
  });

  it('the shared secret still works alongside', async () => {
    const answer = await send(`${server.url}/token`, {
      json: { identity: 'backend-user' },
      headers: { authorization: `Bearer ${credentials.sharedSecret}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.identity).toBe('backend-user');
  });

  it('the 401 body lists oidc among the schemes', async () => {
    const answer = await send(`${server.url}/token`, { json: {} });
    expectRefusal(answer, 401, 'missing_credentials');
    expect(answer.json.error.schemes).toEqual(['basic', 'bearer', 'oidc']);
  });
});

describe('refused identity-provider tokens: 401 with the reason, a Bearer invalid_token challenge, and no token', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<string>, string][] = [
    [
      'expired (beyond the 60 s skew)',
      () => signIdToken(rsa, provider.issuer, AUDIENCE, { iat: now() - 900, exp: now() - 120 }),
      'oidc_token_expired',
    ],
    ['not yet valid', () => signIdToken(rsa, provider.issuer, AUDIENCE, { nbf: now() + 600 }), 'oidc_token_not_yet_valid'],
    ['wrong audience', () => signIdToken(rsa, provider.issuer, AUDIENCE, { aud: 'another-app' }), 'oidc_wrong_audience'],
    ['wrong issuer', () => signIdToken(rsa, provider.issuer, AUDIENCE, { iss: 'https://evil.example' }), 'oidc_wrong_issuer'],
    ['signed by a key the provider does not publish', () => signIdToken(rogue, provider.issuer, AUDIENCE), 'oidc_unknown_key'],
    ['without the identity claim', () => signIdToken(rsa, provider.issuer, AUDIENCE, { sub: undefined }), 'oidc_identity_missing'],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await signIdToken(rsa, provider.issuer, AUDIENCE, { sub: 'mallory' })).split('.');
        const forged = base64url.encode(JSON.stringify({ iss: provider.issuer, aud: AUDIENCE, sub: 'admin', exp: now() + 300 }));
        return `${header}.${forged}.${signature}`;
      },
      'oidc_token_invalid',
    ],
    [
      'HS256 signed with the public key (algorithm confusion)',
      async () =>
        new SignJWT({ iss: provider.issuer, aud: AUDIENCE, sub: 'admin', exp: now() + 300 })
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
          .sign(createSecretKey(Buffer.from(JSON.stringify(rsa.jwk)))),
      'oidc_token_invalid',
    ],
  ];
  it.each(cases)('%s', async (_name, make, code) => {
    const answer = await withBearer(server.url, await make());
    expectRefusal(answer, 401, code);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
  });

  it('alg none (unsigned) is refused and mints nothing', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(JSON.stringify({ iss: provider.issuer, aud: AUDIENCE, sub: 'admin', exp: now() + 300 }));
    for (const unsigned of [`${header}.${payload}.`, `${header}.${payload}.AAAA`]) {
      const answer = await withBearer(server.url, unsigned);
      expect(answer.status).toBe(401);
      expect(answer.text).not.toMatch(JWT_SHAPE);
    }
  });
});

describe('the identity provider down, and OIDC off', () => {
  let down: RunningServer;
  let off: RunningServer;
  beforeAll(async () => {
    const closed = await closedLoopbackUrl();
    [down, off] = await Promise.all([
      startServer(await environmentFor(credentials, { OIDC_ISSUER: closed, OIDC_AUDIENCE: AUDIENCE, OIDC_IDENTITY_PREFIX: 'idp:' })),
      startServer(await environmentFor(credentials)),
    ]);
  }, 60_000);
  afterAll(async () => {
    await down?.stop();
    await off?.stop();
  });

  it('a provider that cannot be reached gives 503 oidc_provider_unavailable and no token; the shared secret still works', async () => {
    const answer = await withBearer(down.url, await signIdToken(rsa, provider.issuer, AUDIENCE));
    expectRefusal(answer, 503, 'oidc_provider_unavailable');
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.json.error.message).not.toMatch(/127\.0\.0\.1/);
    const secret = await send(`${down.url}/token`, {
      json: { identity: 'a' },
      headers: { authorization: `Bearer ${credentials.sharedSecret}` },
    });
    expect(secret.status).toBe(200);
    await down.waitForOutput(/"code":"oidc_provider_unavailable"/);
    expect(down.output()).toMatch(/"code":"oidc_provider_unavailable".*"detail":"The discovery document/);
  });

  it('with OIDC off, a JWT-shaped bearer is refused as invalid_credentials, never compared as a secret', async () => {
    const answer = await withBearer(off.url, await signIdToken(rsa, provider.issuer, AUDIENCE));
    expectRefusal(answer, 401, 'invalid_credentials');
    expect(answer.json.error.schemes).toEqual(['basic', 'bearer']);
  });
});

describe('identities from different sign-ins never collide (issue 22)', () => {
  const PREFIX = 'idp:';
  const POLICY = {
    default: 'deny',
    rules: [
      { match: { user: 'admin', signIn: 'basic' }, grants: ['video', 'chat'] },
      { match: { user: 'admin', signIn: 'oidc' }, grants: ['video'], maxTtl: 600 },
    ],
  };
  let adminCredentials: TestCredentials;
  let unprefixed: RunningServer;
  let prefixed: RunningServer;
  beforeAll(async () => {
    adminCredentials = newCredentials(['admin']);
    const base = {
      OIDC_ISSUER: provider.issuer,
      OIDC_AUDIENCE: AUDIENCE,
      TOKEN_GRANTS: 'video,chat',
      CONVERSATIONS_SERVICE_SID: 'IS' + '0'.repeat(32),
    };
    [unprefixed, prefixed] = await Promise.all([
      startServer(await environmentFor(adminCredentials, base)),
      startServer(await environmentFor(adminCredentials, { ...base, OIDC_IDENTITY_PREFIX: PREFIX, TOKEN_POLICY: JSON.stringify(POLICY) })),
    ]);
  }, 60_000);
  afterAll(async () => {
    await unprefixed?.stop();
    await prefixed?.stop();
  });

  it('OIDC beside Basic users and shared secrets without OIDC_IDENTITY_PREFIX is refused at start: sub "admin" never becomes the Basic user admin', async () => {
    const answer = await withBearer(unprefixed.url, await signIdToken(rsa, provider.issuer, AUDIENCE, { sub: 'admin' }));
    expectRefusal(answer, 500, 'server_misconfigured');
    const health = await send(`${unprefixed.url}/health`, { method: 'GET' });
    expect(health.status).toBe(503);
    expect(JSON.stringify(health.json)).toMatch(/OIDC_IDENTITY_PREFIX/);
  });

  it('with the prefix, sub "admin" is idp:admin and gets the oidc rule; the Basic user admin is admin and gets the basic rule', async () => {
    const fromProvider = await withBearer(prefixed.url, await signIdToken(rsa, provider.issuer, AUDIENCE, { sub: 'admin' }));
    expect({ status: fromProvider.status, identity: fromProvider.json.identity }).toEqual({ status: 200, identity: 'idp:admin' });
    const providerClaims = (await verifyTwilioToken(fromProvider.json.token, adminCredentials.apiKeySecret)).claims;
    expect(providerClaims.grants).toEqual({ identity: 'idp:admin', video: {} });
    expect(providerClaims.exp! - providerClaims.iat!).toBeLessThanOrEqual(600);

    const fromBasic = await send(`${prefixed.url}/token`, {
      json: {},
      headers: { authorization: basicHeader('admin', adminCredentials.passwords.admin!) },
    });
    expect({ status: fromBasic.status, identity: fromBasic.json.identity }).toEqual({ status: 200, identity: 'admin' });
    const basicClaims = (await verifyTwilioToken(fromBasic.json.token, adminCredentials.apiKeySecret)).claims;
    expect(Object.keys(basicClaims.grants ?? {}).sort()).toEqual(['chat', 'identity', 'video']);
  });

  it("a shared-secret caller cannot name an identity-provider user's identity", async () => {
    const answer = await send(`${prefixed.url}/token`, {
      json: { identity: 'idp:admin' },
      headers: { authorization: `Bearer ${adminCredentials.sharedSecret}` },
    });
    expectRefusal(answer, 400, 'invalid_identity');
  });
});

describe('logs', () => {
  it('never contain a presented identity-provider token', async () => {
    await server.waitForOutput(/"event":"token_request"/, { count: presentedTo.get(server.url) ?? 0 });
    expect(presentedJwts.length).toBeGreaterThan(10);
    const output = server.output();
    for (const jwt of presentedJwts) expect(output.includes(jwt)).toBe(false);
    expect(output).not.toMatch(JWT_SHAPE);
  });
});
