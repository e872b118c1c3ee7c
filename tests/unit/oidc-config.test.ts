import { describe, expect, it } from '@jest/globals';
import { parseOidcConfig, urlProblem } from '../../src/lib/oidc/config';

const base = { OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'my-app' };

function problemsFor(env: Record<string, string | undefined>) {
  const result = parseOidcConfig(env);
  if (result.ok) throw new Error(`expected problems, got ${result.config ? 'a config' : 'OIDC off'}`);
  return result.problems;
}

function configFor(env: Record<string, string | undefined>) {
  const result = parseOidcConfig(env);
  if (!result.ok || !result.config) throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result.config;
}

describe('parseOidcConfig', () => {
  it('is disabled, not an error, when neither OIDC_ISSUER nor OIDC_AUDIENCE is set (blank counts as unset)', () => {
    expect(parseOidcConfig({})).toEqual({ ok: true });
    expect(parseOidcConfig({ OIDC_ISSUER: '  ', OIDC_AUDIENCE: '' })).toEqual({ ok: true });
  });

  it('reports the missing half when only one of OIDC_ISSUER and OIDC_AUDIENCE is set', () => {
    expect(problemsFor({ OIDC_ISSUER: 'https://id.example.com' }).map((p) => p.variable)).toEqual(['OIDC_AUDIENCE']);
    expect(problemsFor({ OIDC_AUDIENCE: 'my-app' }).map((p) => p.variable)).toEqual(['OIDC_ISSUER']);
  });

  it('fills in documented defaults', () => {
    expect(configFor(base)).toEqual({
      issuer: 'https://id.example.com',
      audiences: ['my-app'],
      identityClaim: 'sub',
      rolesClaim: 'roles',
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      clockSkewSeconds: 60,
    });
  });

  it('reads every variable, splitting audiences on commas and spaces', () => {
    const config = configFor({
      OIDC_ISSUER: 'https://tenant.eu.auth0.com/',
      OIDC_AUDIENCE: ' app-one, app-two  https://api.example.com ',
      OIDC_JWKS_URL: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      OIDC_IDENTITY_CLAIM: 'email',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_ALGORITHMS: 'rs256, PS256,ES384',
      OIDC_CLOCK_SKEW_SECONDS: '0',
    });
    expect(config).toEqual({
      issuer: 'https://tenant.eu.auth0.com/',
      audiences: ['app-one', 'app-two', 'https://api.example.com'],
      jwksUrl: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      identityClaim: 'email',
      rolesClaim: 'realm_access.roles',
      algorithms: ['RS256', 'PS256', 'ES384'],
      clockSkewSeconds: 0,
    });
  });

  it('reads OIDC_MAX_TOKEN_AGE_SECONDS (unset: no limit) and refuses 0, fractions, words and more than a day, naming the setting', () => {
    expect(configFor(base).maxTokenAgeSeconds).toBeUndefined();
    expect(configFor({ ...base, OIDC_MAX_TOKEN_AGE_SECONDS: '3600' }).maxTokenAgeSeconds).toBe(3600);
    for (const bad of ['0', '1.5', 'an hour', '86401', '-5']) {
      const problems = problemsFor({ ...base, OIDC_MAX_TOKEN_AGE_SECONDS: bad });
      expect(problems.map((p) => p.variable)).toEqual(['OIDC_MAX_TOKEN_AGE_SECONDS']);
      expect(problems[0]!.fix).toContain('OIDC_MAX_TOKEN_AGE_SECONDS=');
    }
  });

  it('reads OIDC_IDENTITY_PREFIX (a name then ":") and refuses one without the colon, with spaces or too long', () => {
    expect(configFor(base).identityPrefix).toBeUndefined();
    expect(configFor({ ...base, OIDC_IDENTITY_PREFIX: 'idp:' }).identityPrefix).toBe('idp:');
    expect(configFor({ ...base, OIDC_IDENTITY_PREFIX: 'auth0.prod-1:' }).identityPrefix).toBe('auth0.prod-1:');
    for (const bad of ['idp', 'idp-', ':', 'i d:', 'idp::', 'a:b:', `${'x'.repeat(32)}:`, 'idp/:']) {
      expect(problemsFor({ ...base, OIDC_IDENTITY_PREFIX: bad }).map((p) => p.variable)).toEqual(['OIDC_IDENTITY_PREFIX']);
    }
  });

  it('allows http only for loopback issuers and JWKS URLs', () => {
    for (const issuer of ['http://127.0.0.1:8080', 'http://localhost:9000/realms/dev', 'http://[::1]:4000']) {
      expect(configFor({ ...base, OIDC_ISSUER: issuer }).issuer).toBe(issuer);
    }
    expect(problemsFor({ ...base, OIDC_ISSUER: 'http://id.example.com' })).toEqual([
      expect.objectContaining({ variable: 'OIDC_ISSUER', message: expect.stringContaining('only https') }),
    ]);
    expect(problemsFor({ ...base, OIDC_JWKS_URL: 'http://keys.example.com/jwks' }).map((p) => p.variable)).toEqual(['OIDC_JWKS_URL']);
    expect(problemsFor({ ...base, OIDC_ISSUER: 'ftp://id.example.com' }).map((p) => p.variable)).toEqual(['OIDC_ISSUER']);
    expect(problemsFor({ ...base, OIDC_ISSUER: 'id.example.com' }).map((p) => p.variable)).toEqual(['OIDC_ISSUER']);
    expect(problemsFor({ ...base, OIDC_ISSUER: 'https://id.example.com/?tenant=1' }).map((p) => p.variable)).toEqual(['OIDC_ISSUER']);
  });

  it('never echoes a value, even credentials someone pasted into a URL', () => {
    const secret = 'hunter2-very-secret';
    const problems = problemsFor({
      OIDC_ISSUER: `https://user:${secret}@id.example.com`,
      OIDC_AUDIENCE: 'a',
      OIDC_JWKS_URL: `http://${secret}.example.com`,
      OIDC_ALGORITHMS: secret,
      OIDC_CLOCK_SKEW_SECONDS: secret,
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(['OIDC_ALGORITHMS', 'OIDC_CLOCK_SKEW_SECONDS', 'OIDC_ISSUER', 'OIDC_JWKS_URL']);
    expect(JSON.stringify(problems)).not.toContain(secret);
    for (const problem of problems) {
      expect(problem.message).toContain(problem.variable);
      expect(problem.fix.length).toBeGreaterThan(0);
    }
  });

  it.each(['none', 'HS256', 'hs512', 'RS256,HS384', 'None'])(
    'refuses OIDC_ALGORITHMS=%s: unsigned and symmetric algorithms are never allowed',
    (value) => {
      expect(problemsFor({ ...base, OIDC_ALGORITHMS: value })).toEqual([
        expect.objectContaining({ variable: 'OIDC_ALGORITHMS', message: expect.stringContaining('never accepted') }),
      ]);
    },
  );

  it('refuses unsupported algorithms and an empty list', () => {
    expect(problemsFor({ ...base, OIDC_ALGORITHMS: 'RS1' }).map((p) => p.variable)).toEqual(['OIDC_ALGORITHMS']);
    expect(problemsFor({ ...base, OIDC_ALGORITHMS: ' , ' }).map((p) => p.variable)).toEqual(['OIDC_ALGORITHMS']);
  });

  it.each(['301', '-1', '1.5', 'sixty', '1e2'])('refuses OIDC_CLOCK_SKEW_SECONDS=%s', (value) => {
    expect(problemsFor({ ...base, OIDC_CLOCK_SKEW_SECONDS: value }).map((p) => p.variable)).toEqual(['OIDC_CLOCK_SKEW_SECONDS']);
  });

  it('accepts the maximum clock skew of 300 seconds', () => {
    expect(configFor({ ...base, OIDC_CLOCK_SKEW_SECONDS: '300' }).clockSkewSeconds).toBe(300);
  });

  it('refuses claim paths with spaces or empty segments', () => {
    expect(problemsFor({ ...base, OIDC_ROLES_CLAIM: 'realm_access..roles' }).map((p) => p.variable)).toEqual(['OIDC_ROLES_CLAIM']);
    expect(problemsFor({ ...base, OIDC_IDENTITY_CLAIM: 'user id' }).map((p) => p.variable)).toEqual(['OIDC_IDENTITY_CLAIM']);
  });
});

describe('urlProblem', () => {
  it('accepts https and loopback http, refuses the rest', () => {
    expect(urlProblem('https://login.example.com/x')).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:1/jwks')).toBeUndefined();
    expect(urlProblem('http://127.0.0.2/jwks')).toMatch(/only https/);
    expect(urlProblem('http://localhost.example.com/jwks')).toMatch(/only https/);
    expect(urlProblem('not a url')).toMatch(/absolute URL/);
  });
});
