import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SignJWT, UnsecuredJWT, base64url, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { JWK, JWTPayload, KeyLike } from 'jose';
import { JwksCache } from '../../src/lib/oidc/jwks-cache';
import type { OidcConfig } from '../../src/lib/oidc/config';
import { ERROR_STATUS } from '../../src/lib/base/errors';
import { looksLikeJwt } from '../../src/lib/oidc/jwt-shape';
import { OidcError } from '../../src/lib/oidc/errors';
import type { OidcErrorCode } from '../../src/lib/oidc/errors';
import { createOidcVerifier, readClaim, rolesFromClaim } from '../../src/lib/oidc/verifier';
import type { OidcVerifierDeps } from '../../src/lib/oidc/verifier';
import { closedLoopbackUrl, startFakeOidcProvider } from '../helpers/fake-oidc-provider';
import type { FakeOidcProvider } from '../helpers/fake-oidc-provider';

const AUDIENCE = 'browser-app';
const COOLDOWN_MS = 30_000;

interface TestKey {
  alg: 'RS256' | 'ES256' | 'EdDSA';
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}

async function makeKey(alg: TestKey['alg'], kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

let rsa: TestKey;
let ec: TestKey;
let ed: TestKey;
let rotated: TestKey; // published only after "rotation"
let rogue: TestKey; // never published

beforeAll(async () => {
  [rsa, ec, ed, rotated, rogue] = await Promise.all([
    makeKey('RS256', 'rsa-1'),
    makeKey('ES256', 'ec-1'),
    makeKey('EdDSA', 'ed-1'),
    makeKey('RS256', 'rsa-2'),
    makeKey('RS256', 'rogue'),
  ]);
});

/** A controllable clock, in milliseconds; starts at the real time so iat values look normal. */
let clockMs: number;
const nowSeconds = () => Math.floor(clockMs / 1000);

let provider: FakeOidcProvider;
let cache: JwksCache;

beforeEach(async () => {
  clockMs = Date.now();
  cache = new JwksCache();
  provider = await startFakeOidcProvider({ keys: [rsa.jwk, ec.jwk, ed.jwk] });
});

afterEach(async () => {
  await provider.close();
});

function configFor(overrides: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: provider.issuer,
    audiences: [AUDIENCE],
    identityClaim: 'sub',
    rolesClaim: 'roles',
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    clockSkewSeconds: 60,
    ...overrides,
  };
}

function verifierFor(overrides: Partial<OidcConfig> = {}, deps: OidcVerifierDeps = {}) {
  return createOidcVerifier(configFor(overrides), { cache, now: () => clockMs, refetchCooldownMs: COOLDOWN_MS, ...deps });
}

/** Signs a token that passes every check unless `claims` says otherwise (`undefined` removes a claim). */
async function tokenFrom(key: TestKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: provider.issuer,
    aud: AUDIENCE,
    sub: 'user-123',
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

/** Expects rejection with exactly `code`, and a message that does not leak the token. */
async function expectRejection(promise: Promise<unknown>, code: OidcErrorCode, token?: string): Promise<OidcError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected rejection with ${code}, but the token was accepted`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OidcError);
  const oidcError = error as OidcError;
  expect(oidcError.code).toBe(code);
  if (token) {
    for (const part of token.split('.').filter((p) => p.length > 8)) expect(oidcError.message).not.toContain(part);
  }
  return oidcError;
}

describe('createOidcVerifier: valid tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a %s token signed by a published key and returns the principal', async (alg) => {
    const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg];
    const token = await tokenFrom(key, { roles: ['agent', 'supervisor'], email: 'a@example.com' });
    const principal = await verifierFor().verify(token);
    expect(principal).toEqual({
      identity: 'user-123',
      roles: ['agent', 'supervisor'],
      claims: expect.objectContaining({ sub: 'user-123', email: 'a@example.com', iss: provider.issuer }),
    });
  });

  it('finds jwks_uri through discovery when OIDC_JWKS_URL is not set, and caches both documents', async () => {
    const verifier = verifierFor();
    await verifier.verify(await tokenFrom(rsa));
    await verifier.verify(await tokenFrom(ec));
    expect(provider.requests).toEqual(['/.well-known/openid-configuration', '/jwks']);
  });

  it('uses OIDC_JWKS_URL directly when set, without discovery', async () => {
    await verifierFor({ jwksUrl: provider.jwksUrl }).verify(await tokenFrom(rsa));
    expect(provider.requests).toEqual(['/jwks']);
  });

  it('accepts a token whose aud array contains one of several configured audiences', async () => {
    const token = await tokenFrom(rsa, { aud: ['someone-else', 'second-app'] });
    await expect(verifierFor({ audiences: [AUDIENCE, 'second-app'] }).verify(token)).resolves.toMatchObject({ identity: 'user-123' });
  });

  it('shares one in-flight JWKS fetch between concurrent verifications on a cold cache', async () => {
    provider.delayMs = 100;
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl });
    const tokens = await Promise.all([rsa, ec, ed, rsa, ec, ed, rsa, ec].map((key) => tokenFrom(key)));
    const principals = await Promise.all(tokens.map((token) => verifier.verify(token)));
    expect(principals).toHaveLength(8);
    expect(provider.jwksFetches()).toBe(1);
  });

  it('refetches keys once they are older than the max age', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl }, { maxAgeMs: 600_000 });
    await verifier.verify(await tokenFrom(rsa));
    clockMs += 599_000;
    await verifier.verify(await tokenFrom(rsa));
    expect(provider.jwksFetches()).toBe(1);
    clockMs += 2_000;
    await verifier.verify(await tokenFrom(rsa));
    expect(provider.jwksFetches()).toBe(2);
  });
});

describe('createOidcVerifier: time claims', () => {
  it('rejects an expired token with oidc_token_expired', async () => {
    const token = await tokenFrom(rsa, { iat: nowSeconds() - 3600, exp: nowSeconds() - 61 });
    await expectRejection(verifierFor().verify(token), 'oidc_token_expired', token);
  });

  it('rejects a token whose nbf is beyond the clock skew with oidc_token_not_yet_valid', async () => {
    const token = await tokenFrom(rsa, { nbf: nowSeconds() + 61 });
    await expectRejection(verifierFor().verify(token), 'oidc_token_not_yet_valid', token);
  });

  it('accepts exp and nbf that are off by less than the clock skew', async () => {
    const verifier = verifierFor({ clockSkewSeconds: 60 });
    await expect(verifier.verify(await tokenFrom(rsa, { exp: nowSeconds() - 50 }))).resolves.toMatchObject({ identity: 'user-123' });
    await expect(verifier.verify(await tokenFrom(rsa, { nbf: nowSeconds() + 50 }))).resolves.toMatchObject({ identity: 'user-123' });
  });

  it('applies the configured skew, not a fixed one', async () => {
    const token = await tokenFrom(rsa, { exp: nowSeconds() - 50 });
    await expectRejection(verifierFor({ clockSkewSeconds: 10 }).verify(token), 'oidc_token_expired', token);
  });

  it('rejects a token issued (iat) an hour in the future with oidc_token_not_yet_valid, and accepts one within the skew', async () => {
    const future = await tokenFrom(rsa, { iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 });
    await expectRejection(verifierFor().verify(future), 'oidc_token_not_yet_valid', future);
    const justOver = await tokenFrom(rsa, { iat: nowSeconds() + 61 });
    await expectRejection(verifierFor().verify(justOver), 'oidc_token_not_yet_valid', justOver);
    await expect(verifierFor().verify(await tokenFrom(rsa, { iat: nowSeconds() + 59 }))).resolves.toMatchObject({ identity: 'user-123' });
  });

  it('with OIDC_MAX_TOKEN_AGE_SECONDS, refuses a token issued longer ago than that (plus the skew) and one without iat', async () => {
    const verifier = verifierFor({ maxTokenAgeSeconds: 300 });
    const old = await tokenFrom(rsa, { iat: nowSeconds() - 361 });
    await expectRejection(verifier.verify(old), 'oidc_token_expired', old);
    const undated = await tokenFrom(rsa, { iat: undefined });
    await expectRejection(verifier.verify(undated), 'oidc_token_invalid', undated);
    await expect(verifier.verify(await tokenFrom(rsa, { iat: nowSeconds() - 359 }))).resolves.toMatchObject({ identity: 'user-123' });
    // Without the setting, age is not checked: only exp decides.
    await expect(verifierFor().verify(old)).resolves.toMatchObject({ identity: 'user-123' });
  });

  it('rejects a token without exp, which would otherwise never expire', async () => {
    const token = await tokenFrom(rsa, { exp: undefined });
    await expectRejection(verifierFor().verify(token), 'oidc_token_invalid', token);
  });
});

describe('createOidcVerifier: issuer, audience, identity, roles', () => {
  it('rejects a token from another issuer with oidc_wrong_issuer', async () => {
    const token = await tokenFrom(rsa, { iss: `${provider.issuer}/other` });
    await expectRejection(verifierFor().verify(token), 'oidc_wrong_issuer', token);
  });

  it('compares the issuer exactly: a trailing slash is a different issuer', async () => {
    const token = await tokenFrom(rsa, { iss: `${provider.issuer}/` });
    await expectRejection(verifierFor().verify(token), 'oidc_wrong_issuer', token);
  });

  it('rejects a token for another audience with oidc_wrong_audience', async () => {
    const token = await tokenFrom(rsa, { aud: ['other-app', 'another-app'] });
    await expectRejection(verifierFor().verify(token), 'oidc_wrong_audience', token);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['a number', 12345],
  ])('rejects a token whose identity claim is %s with oidc_identity_missing', async (_label, sub) => {
    const token = await tokenFrom(rsa, { sub });
    await expectRejection(verifierFor().verify(token), 'oidc_identity_missing', token);
  });

  it('reads the identity from OIDC_IDENTITY_CLAIM', async () => {
    const token = await tokenFrom(rsa, { email: 'ada@example.com' });
    await expect(verifierFor({ identityClaim: 'email' }).verify(token)).resolves.toMatchObject({ identity: 'ada@example.com' });
  });

  it('reads roles from a nested claim path such as Keycloak realm_access.roles', async () => {
    const token = await tokenFrom(rsa, { roles: ['ignored'], realm_access: { roles: ['admin', 'agent'] } });
    await expect(verifierFor({ rolesClaim: 'realm_access.roles' }).verify(token)).resolves.toMatchObject({ roles: ['admin', 'agent'] });
  });

  it('reads a namespaced claim whose name contains dots (Auth0 style) before trying it as a path', async () => {
    const token = await tokenFrom(rsa, { 'https://app.example.com/roles': ['agent'] });
    await expect(verifierFor({ rolesClaim: 'https://app.example.com/roles' }).verify(token)).resolves.toMatchObject({ roles: ['agent'] });
  });

  it('turns a space-separated roles string into a list and a missing claim into no roles', async () => {
    const verifier = verifierFor({ rolesClaim: 'scope' });
    await expect(verifier.verify(await tokenFrom(rsa, { scope: 'openid  video:join chat' }))).resolves.toMatchObject({
      roles: ['openid', 'video:join', 'chat'],
    });
    await expect(verifier.verify(await tokenFrom(rsa))).resolves.toMatchObject({ roles: [] });
  });
});

describe('createOidcVerifier: forged and malformed tokens', () => {
  it('rejects alg "none" without fetching any keys', async () => {
    const unsigned = new UnsecuredJWT({ iss: provider.issuer, aud: AUDIENCE, sub: 'admin', exp: nowSeconds() + 600 }).encode();
    await expectRejection(verifierFor().verify(unsigned), 'oidc_token_invalid');
    // Same, dressed up with a kid and a non-empty "signature" so it passes the shape check.
    const [, payload] = unsigned.split('.');
    const dressed = `${base64url.encode(JSON.stringify({ alg: 'none', kid: 'rsa-1' }))}.${payload}.c2lnbmF0dXJl`;
    expect(looksLikeJwt(dressed)).toBe(true);
    await expectRejection(verifierFor().verify(dressed), 'oidc_token_invalid', dressed);
    expect(provider.requests).toEqual([]);
  });

  it('rejects an HS256 token keyed with the RSA public key (algorithm confusion) without fetching keys', async () => {
    const publicPem = await exportSPKI(rsa.publicKey);
    const claims = { iss: provider.issuer, aud: AUDIENCE, sub: 'admin', exp: nowSeconds() + 600 };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(publicPem));
    await expectRejection(verifierFor().verify(forged), 'oidc_token_invalid', forged);
    expect(provider.requests).toEqual([]);
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, payload, signature] = (await tokenFrom(rsa, { roles: ['agent'] })).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: 'admin', roles: ['admin'] }))}.${signature}`;
    await expectRejection(verifierFor().verify(tampered), 'oidc_token_invalid', tampered);
  });

  it('rejects a token signed by a different key that claims a published kid', async () => {
    const token = await tokenFrom({ ...rogue, kid: 'rsa-1' });
    await expectRejection(verifierFor().verify(token), 'oidc_token_invalid', token);
  });

  it('rejects an algorithm the config does not allow even when the key is published', async () => {
    const token = await tokenFrom(ec);
    await expectRejection(verifierFor({ algorithms: ['RS256'] }).verify(token), 'oidc_token_invalid', token);
    expect(provider.requests).toEqual([]);
  });

  it.each(['', 'not-a-jwt', 'a.b.c', 'a.b', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln.extra'])(
    'rejects the malformed bearer value %p',
    async (value) => {
      await expectRejection(verifierFor().verify(value), 'oidc_token_invalid');
      expect(provider.requests).toEqual([]);
    },
  );
});

describe('createOidcVerifier: unknown keys, rotation and refetch limits', () => {
  it('rejects a token whose kid is not published, after one refetch, with oidc_unknown_key', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl });
    const token = await tokenFrom(rogue);
    await expectRejection(verifier.verify(token), 'oidc_unknown_key', token);
    expect(provider.jwksFetches()).toBe(1); // first fetch was within the cooldown, so no second one
    clockMs += COOLDOWN_MS + 1;
    await expectRejection(verifier.verify(token), 'oidc_unknown_key', token);
    expect(provider.jwksFetches()).toBe(2); // the refetch happened and still did not find it
  });

  it('picks up a rotated key: a token with the new kid verifies after the refetch', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl });
    await verifier.verify(await tokenFrom(rsa));
    expect(provider.jwksFetches()).toBe(1);

    provider.jwks = { keys: [rotated.jwk, ec.jwk, ed.jwk] };
    clockMs += COOLDOWN_MS + 1;
    await expect(verifier.verify(await tokenFrom(rotated))).resolves.toMatchObject({ identity: 'user-123' });
    expect(provider.jwksFetches()).toBe(2);

    // The retired key is gone from the fresh set, and the cooldown stops another fetch for it.
    const old = await tokenFrom(rsa);
    await expectRejection(verifier.verify(old), 'oidc_unknown_key', old);
    expect(provider.jwksFetches()).toBe(2);
  });

  it('refetches at most once per cooldown however many unknown-kid tokens arrive', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl });
    await verifier.verify(await tokenFrom(rsa));
    clockMs += COOLDOWN_MS + 1;

    const first = await tokenFrom({ ...rogue, kid: 'made-up-1' });
    const second = await tokenFrom({ ...rogue, kid: 'made-up-2' });
    await expectRejection(verifier.verify(first), 'oidc_unknown_key', first);
    await expectRejection(verifier.verify(second), 'oidc_unknown_key', second);
    expect(provider.jwksFetches()).toBe(2);

    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => tokenFrom({ ...rogue, kid: `burst-${i}` })));
    await Promise.all(burst.map((token) => expectRejection(verifier.verify(token), 'oidc_unknown_key', token)));
    expect(provider.jwksFetches()).toBe(2);

    clockMs += COOLDOWN_MS + 1;
    await expectRejection(verifier.verify(first), 'oidc_unknown_key', first);
    expect(provider.jwksFetches()).toBe(3);
  });

  it('applies the cooldown across verifiers that share a cache', async () => {
    const a = verifierFor({ jwksUrl: provider.jwksUrl });
    const b = verifierFor({ jwksUrl: provider.jwksUrl });
    await a.verify(await tokenFrom(rsa));
    clockMs += COOLDOWN_MS + 1;
    const token = await tokenFrom(rogue);
    await expectRejection(a.verify(token), 'oidc_unknown_key', token);
    await expectRejection(b.verify(token), 'oidc_unknown_key', token);
    expect(provider.jwksFetches()).toBe(2);
  });
});

describe('createOidcVerifier: provider outages never let a token through', () => {
  it('answers oidc_provider_unavailable when the JWKS port is closed', async () => {
    const closed = await closedLoopbackUrl();
    const token = await tokenFrom(rsa);
    const error = await expectRejection(verifierFor({ jwksUrl: `${closed}/jwks` }).verify(token), 'oidc_provider_unavailable', token);
    expect(ERROR_STATUS[error.code]).toBe(503);
  });

  it('answers oidc_provider_unavailable when discovery is unreachable', async () => {
    const closed = await closedLoopbackUrl();
    const token = await tokenFrom(rsa, { iss: closed });
    await expectRejection(verifierFor({ issuer: closed }).verify(token), 'oidc_provider_unavailable', token);
  });

  it('gives up on a JWKS server slower than the timeout, with oidc_provider_unavailable', async () => {
    provider.delayMs = 2_000;
    const token = await tokenFrom(rsa);
    const started = Date.now();
    await expectRejection(verifierFor({ jwksUrl: provider.jwksUrl }, { timeoutMs: 200 }).verify(token), 'oidc_provider_unavailable', token);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1_500);
    expect(provider.jwksFetches()).toBe(1);
  });

  it.each([
    ['answers HTTP 500', { jwksStatus: 500 }],
    ['answers HTTP 404', { jwksStatus: 404 }],
    ['serves broken JSON', { jwksBody: '{"keys": [' }],
    ['serves JSON that is not a key set', { jwksBody: '{"keys": "none"}' }],
  ])('answers oidc_provider_unavailable when the JWKS endpoint %s', async (_label, change) => {
    Object.assign(provider, change);
    const token = await tokenFrom(rsa);
    await expectRejection(verifierFor({ jwksUrl: provider.jwksUrl }).verify(token), 'oidc_provider_unavailable', token);
  });

  it('keeps using fresh cached keys during an outage, and refuses once they are too old', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl }, { maxAgeMs: 600_000 });
    await verifier.verify(await tokenFrom(rsa));
    provider.jwksStatus = 503;
    clockMs += 60_000;
    await expect(verifier.verify(await tokenFrom(rsa))).resolves.toMatchObject({ identity: 'user-123' });
    clockMs += 600_000;
    const token = await tokenFrom(rsa);
    await expectRejection(verifier.verify(token), 'oidc_provider_unavailable', token);
  });

  it('does not cache a failure: the next request after an outage fetches again', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl });
    provider.jwksStatus = 500;
    const token = await tokenFrom(rsa);
    await expectRejection(verifier.verify(token), 'oidc_provider_unavailable', token);
    provider.jwksStatus = 200;
    await expect(verifier.verify(token)).resolves.toMatchObject({ identity: 'user-123' });
    expect(provider.jwksFetches()).toBe(2);
  });

  it('answers oidc_provider_unavailable when an unknown-kid refetch hits an outage', async () => {
    const verifier = verifierFor({ jwksUrl: provider.jwksUrl });
    await verifier.verify(await tokenFrom(rsa));
    provider.jwksStatus = 500;
    clockMs += COOLDOWN_MS + 1;
    const token = await tokenFrom(rotated);
    await expectRejection(verifier.verify(token), 'oidc_provider_unavailable', token);
  });
});

describe('createOidcVerifier: construction', () => {
  it('refuses a config without issuer, audience or algorithms at construction', () => {
    expect(() => createOidcVerifier({ ...configFor(), issuer: '' })).toThrow(TypeError);
    expect(() => createOidcVerifier({ ...configFor(), audiences: [] })).toThrow(TypeError);
    expect(() => createOidcVerifier({ ...configFor(), algorithms: [] })).toThrow(TypeError);
  });
});

describe('looksLikeJwt', () => {
  it('sends JWS compact values to OIDC and everything else to the shared-secret path', async () => {
    expect(looksLikeJwt(await tokenFrom(rsa))).toBe(true);
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.c2ln')).toBe(true);
    expect(looksLikeJwt('s3cr3t-shared-value')).toBe(false);
    expect(looksLikeJwt('a.b.c')).toBe(false); // header is not JSON
    expect(looksLikeJwt(`${base64url.encode('{"typ":"JWT"}')}.e30.c2ln`)).toBe(false); // no alg
    expect(looksLikeJwt(`${base64url.encode('"RS256"')}.e30.c2ln`)).toBe(false); // not an object
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.')).toBe(false); // empty signature
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.c2ln=')).toBe(false); // padding is not base64url
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.c2ln.x')).toBe(false);
  });
});

describe('claim helpers', () => {
  it('readClaim prefers an exact name, then walks a dotted path, and never reads inherited properties', () => {
    expect(readClaim({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(readClaim({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(readClaim({ a: 'x' }, 'a.b')).toBeUndefined();
    expect(readClaim({}, 'constructor')).toBeUndefined();
    expect(readClaim({ a: {} }, 'a.toString')).toBeUndefined();
  });

  it('rolesFromClaim accepts arrays and strings, drops non-strings, and treats anything else as none', () => {
    expect(rolesFromClaim(['a', 1, '', 'b'])).toEqual(['a', 'b']);
    expect(rolesFromClaim('admin')).toEqual(['admin']);
    expect(rolesFromClaim(' a  b ')).toEqual(['a', 'b']);
    expect(rolesFromClaim({ admin: true })).toEqual([]);
    expect(rolesFromClaim(undefined)).toEqual([]);
  });
});

describe('OIDC error statuses (in ERROR_STATUS)', () => {
  it('maps provider trouble to 503 and every token problem to 401', () => {
    expect(Object.fromEntries(Object.entries(ERROR_STATUS).filter(([code]) => code.startsWith('oidc_')))).toEqual({
      oidc_token_invalid: 401,
      oidc_token_expired: 401,
      oidc_token_not_yet_valid: 401,
      oidc_wrong_issuer: 401,
      oidc_wrong_audience: 401,
      oidc_identity_missing: 401,
      oidc_unknown_key: 401,
      oidc_provider_unavailable: 503,
    });
  });
});
