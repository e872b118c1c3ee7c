/**
 * Properties of the token endpoint, PROPERTY_RUNS generated requests each (a few hundred locally, 10,000 in CI), run in-process against the real
 * core (handleTokenRequest with a real configuration, the adapter's event splitting, the real Basic
 * authenticator, throttle and cache). Only the clock is frozen, so throttle windows do not expire.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { compactVerify } from 'jose';
import { createBasicAuthenticator, type BasicAuthenticator } from '../../src/lib/auth/basic-authentication';
import { ERROR_STATUS, type ErrorCode } from '../../src/lib/base/errors';
import { FailureThrottle } from '../../src/lib/throttle/failure-throttle';
import { ScryptGuard } from '../../src/lib/throttle/scrypt-guard';
import type { HttpResult } from '../../src/lib/http/result';
import { handleTokenRequest, type RequestLogEntry } from '../../src/lib/endpoints/token-endpoint';
import { VerifiedCredentialsCache } from '../../src/lib/auth/verified-credentials-cache';
import { splitEvent } from '../../src/runtime/twilio-adapter';
import { environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { anyRequest, basicValue, nearMiss, parsedFields, runtimeHeaders, type GeneratedRequest } from '../helpers/request-arbitraries';
import { JWT_SHAPE } from '../helpers/token-verifier';
import { propertyRuns } from '../helpers/property-runs';

const RUNS = propertyRuns();
/**
 * The Basic near-miss property claims that most runs end in 429: only true past the scrypt guard's 20 runs and each
 * name's first failures, so it never samples fewer than 2,000 (1,197 of 2,000 were 429 here).
 */
const THROTTLED_RUNS = Math.max(RUNS, 2_000);
/** Each of these runs pays for scrypt twice (a fresh instance times a check first): 40 at CI's 10,000, 4 at 300. */
const SCRYPT_RUNS = Math.min(40, Math.ceil(RUNS / 75));
const ALLOWED_ORIGIN = 'https://app.example';
const MAX_TTL = 3600;
const DOCUMENTED_STATUSES = new Set<number>([200, ...Object.values(ERROR_STATUS)]);

let credentials: TestCredentials;
let env: Record<string, string>;
let secrets: string[];
const clock = Date.now();
const figures: string[] = [];

beforeAll(async () => {
  credentials = newCredentials(['alice', 'bob']);
  env = await environmentFor(credentials, {
    TOKEN_GRANTS: 'video,chat',
    CONVERSATIONS_SERVICE_SID: newSid('IS'),
    TOKEN_TTL: '1800',
    TOKEN_MAX_TTL: String(MAX_TTL),
    ALLOWED_ORIGINS: ALLOWED_ORIGIN,
  });
  const phcStrings = env.AUTH_BASIC_USERS!.split(' ').map((entry) => entry.slice(entry.indexOf(':') + 1));
  secrets = [credentials.apiKeySecret, credentials.sharedSecret, ...Object.values(credentials.passwords), ...phcStrings];
}, 30_000);

afterAll(() => {
  console.log(`property figures:\n  ${figures.join('\n  ')}`);
});

interface Answer {
  result: HttpResult;
  body: any;
  logs: RequestLogEntry[];
}

/** One request through the adapter's event splitting and the core, as the Function runs it. */
async function answer(
  request: GeneratedRequest,
  basic: BasicAuthenticator,
  extraEventFields: Record<string, unknown> = {},
): Promise<Answer> {
  const logs: RequestLogEntry[] = [];
  const event = { request: { headers: runtimeHeaders(request), cookies: {} }, ...extraEventFields, ...parsedFields(request) };
  const { headers, fields } = splitEvent(event);
  const result = await handleTokenRequest({ headers, fields, serviceHost: 'svc.example' }, env, {
    now: () => clock,
    log: (entry) => logs.push(entry),
    basic,
  });
  return { result, body: result.body, logs };
}

const jsonRequest = (headers: Record<string, string | string[]>, body: unknown): GeneratedRequest => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: { kind: 'json', text: JSON.stringify(body) },
  valid: true,
});

/** An authenticator whose cache already holds alice's password, as on a warm instance. */
async function warmAuthenticator(throttle = new FailureThrottle(), guard = new ScryptGuard()): Promise<BasicAuthenticator> {
  // No real pause where a refusal waits as long as a check: the clock is frozen anyway.
  const basic = createBasicAuthenticator({
    throttle,
    cache: new VerifiedCredentialsCache(),
    now: () => clock,
    pause: async () => undefined,
    guard,
  });
  const warm = await answer(jsonRequest({ authorization: basicValue('alice', credentials.passwords.alice!) }, {}), basic);
  expect(warm.result.status).toBe(200);
  return basic;
}

/** A scrypt guard that also counts the runs it was told of: every scrypt run spends it first (basic-authentication.ts). */
class CountingGuard extends ScryptGuard {
  scryptRuns = 0;
  override spend(now: number): void {
    this.scryptRuns += 1;
    super.spend(now);
  }
}

/** The instance under sustained attack on hundreds of configured names: its scrypt guard for this minute is spent. */
function saturate(guard: ScryptGuard): void {
  while (guard.retryAfterSeconds(clock) === 0) guard.spend(clock);
}

function expectNoToken(a: Answer): void {
  expect(a.result.status).not.toBe(200);
  expect(a.body.token).toBeUndefined();
  expect(JSON.stringify(a.body)).not.toMatch(JWT_SHAPE);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

describe(`properties, ${RUNS.toLocaleString('en')} generated requests each`, () => {
  it('no token without valid credentials: near misses of the shared secret', async () => {
    const basic = createBasicAuthenticator();
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(nearMiss(credentials.sharedSecret), fc.boolean(), async (guess, asForm) => {
          const a = await answer(
            asForm
              ? {
                  headers: { authorization: `Bearer ${guess}`, 'content-type': 'application/x-www-form-urlencoded' },
                  body: { kind: 'form', text: 'identity=a' },
                  valid: false,
                }
              : jsonRequest({ authorization: `Bearer ${guess}` }, { identity: 'a' }),
            basic,
          );
          expectNoToken(a);
          // Truncated to nothing, "Bearer " is malformed (400); every other near miss is a wrong secret.
          expect(a.body.error.code).toBe(guess === '' ? 'invalid_authorization' : 'invalid_credentials');
        }),
        { numRuns: RUNS },
      ),
    );
    figures.push(`Bearer near misses: ${RUNS} runs, no token (401, or 400 for an empty secret), ${Math.round(ms)} ms`);
  });

  it('no token without valid credentials: near misses of a Basic user name and password (cache warm, throttle live)', async () => {
    // The real throttle defaults except a scrypt guard of 20 runs, so that at most ~20 runs pay for scrypt (~0.3 s
    // each here); every other run must be refused by the per-name lock or the guard (429), by a refusal without
    // hashing (an unknown name), or by the cache lookup, which runs first for every request and must never match a
    // near miss.
    const guard = new CountingGuard({ runsPerWindow: 20, windowMs: 60_000 });
    const basic = await warmAuthenticator(new FailureThrottle(), guard);
    // Counted by the guard, not by wall time: a busy machine makes runs slow that hashed nothing.
    const warmRuns = guard.scryptRuns;
    const password = credentials.passwords.alice!;
    const statuses = new Map<number, number>();
    const guesses = fc.oneof(
      nearMiss(password, 'abcXYZ019-_:é').map((p) => ['alice', p] as const),
      nearMiss('alice', 'abcdefxyzAE é').map((name) => [name, password] as const),
      fc.tuple(nearMiss('alice', 'abcdefxyzAE é'), nearMiss(password, 'abcXYZ019-_:é')),
    );
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(guesses, fc.boolean(), async ([name, guess], inBody) => {
          const request = inBody
            ? jsonRequest({}, { username: name, password: guess })
            : jsonRequest({ authorization: basicValue(name, guess) }, {});
          const a = await answer(request, basic);
          expectNoToken(a);
          expect([400, 401, 429]).toContain(a.result.status);
          statuses.set(a.result.status, (statuses.get(a.result.status) ?? 0) + 1);
        }),
        { numRuns: THROTTLED_RUNS },
      ),
    );
    // The guard's budget is 20 runs a window, the warm-up's included.
    const hashed = guard.scryptRuns - warmRuns;
    expect(guard.scryptRuns).toBeLessThanOrEqual(20);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(THROTTLED_RUNS / 2);
    figures.push(
      `Basic near misses (name and/or password): ${THROTTLED_RUNS} runs, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${hashed} paid for scrypt, ${Math.round(ms)} ms`,
    );
    // The cached right password still works while its name is attacked.
    const right = await answer(jsonRequest({ authorization: basicValue('alice', password) }, {}), basic);
    expect(right.result.status).toBe(200);
  });

  it('the status is always documented, matches its code, and is never 5xx', async () => {
    const guard = new ScryptGuard();
    const basic = await warmAuthenticator(new FailureThrottle(), guard);
    saturate(guard);
    const statuses = new Map<number, number>();
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(anyRequest(credentials, 'alice', ALLOWED_ORIGIN), async (request) => {
          const a = await answer(request, basic);
          const status = a.result.status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(DOCUMENTED_STATUSES.has(status)).toBe(true);
          expect(status).toBeLessThan(500);
          expect(a.logs).toHaveLength(1);
          expect(a.logs[0]!.status).toBe(status);
          if (status === 200) {
            expect(request.valid).toBe(true);
            expect(JSON.stringify(a.body).match(new RegExp(JWT_SHAPE.source, 'g'))).toHaveLength(1);
          } else {
            const code = a.body.error.code as ErrorCode;
            expect(ERROR_STATUS[code]).toBe(status);
            expect(a.logs[0]!.code).toBe(code);
            expectNoToken(a);
          }
        }),
        { numRuns: RUNS },
      ),
    );
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 500); // 20 of 10,000
    figures.push(
      `any request: ${RUNS} runs, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])))}, ${Math.round(ms)} ms`,
    );
  });

  it('no response or log line contains a secret, password, hash or token', async () => {
    const guard = new ScryptGuard();
    const basic = await warmAuthenticator(new FailureThrottle(), guard);
    saturate(guard);
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(anyRequest(credentials, 'alice', ALLOWED_ORIGIN), async (request) => {
          const a = await answer(request, basic);
          const response = JSON.stringify(a.result);
          const logs = JSON.stringify(a.logs);
          for (const secret of secrets) {
            expect(response.includes(secret)).toBe(false);
            expect(logs.includes(secret)).toBe(false);
          }
          expect(logs).not.toMatch(JWT_SHAPE);
          expect(logs).not.toMatch(/\$scrypt\$|Basic [A-Za-z0-9+/]{4}|Bearer [A-Za-z0-9_-]{8}/);
        }),
        { numRuns: RUNS },
      ),
    );
    figures.push(`no secret in responses or logs: ${RUNS} runs, ${Math.round(ms)} ms`);
  });

  it('the TTL is always within [60, TOKEN_MAX_TTL], in the body and in the signed claims', async () => {
    const basic = createBasicAuthenticator();
    const ttl = fc.oneof(
      fc.integer({ min: -1000, max: 100_000 }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(0, 59, 60, 61, MAX_TTL - 1, MAX_TTL, MAX_TTL + 1, 2 ** 31 - 1, 2 ** 31, 1e300, Number.MAX_SAFE_INTEGER),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^\d{1,12}$/),
      fc.jsonValue({ maxDepth: 2 }),
    );
    let issued = 0;
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(ttl, fc.boolean(), async (requested, asForm) => {
          const request: GeneratedRequest = asForm
            ? {
                headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/x-www-form-urlencoded' },
                body: {
                  kind: 'form',
                  text: new URLSearchParams({
                    identity: 'a',
                    ttl: typeof requested === 'string' ? requested : (JSON.stringify(requested) ?? ''),
                  }).toString(),
                },
                valid: true,
              }
            : jsonRequest({ authorization: `Bearer ${credentials.sharedSecret}` }, { identity: 'a', ttl: requested });
          const a = await answer(request, basic);
          if (a.result.status !== 200) {
            expect(a.body.error.code).toBe('invalid_ttl');
            return;
          }
          issued++;
          expect(a.body.ttl).toBeGreaterThanOrEqual(60);
          expect(a.body.ttl).toBeLessThanOrEqual(MAX_TTL);
          const claims = JSON.parse(Buffer.from(a.body.token.split('.')[1], 'base64url').toString('utf8'));
          expect(claims.exp - claims.iat).toBe(a.body.ttl);
        }),
        { numRuns: RUNS },
      ),
    );
    expect(issued).toBeGreaterThan(RUNS / 10); // 1,000 of 10,000
    figures.push(`TTL bounds: ${RUNS} runs, ${issued} tokens all within [60, ${MAX_TTL}], ${Math.round(ms)} ms`);
  });

  it('valid credentials always get exactly one token, signed, for the right identity', async () => {
    const basic = await warmAuthenticator();
    const key = new TextEncoder().encode(credentials.apiKeySecret);
    // Identities any grant accepts: letters (also decomposed), digits and a few marks; at most 120 bytes.
    const identity = fc.string({
      minLength: 1,
      maxLength: 30,
      unit: fc.constantFrom(...'abcXYZ0189_-.@', 'é', 'e\u0301', 'ß', '中', '😀', 'ñ'),
    });
    const valid = fc.oneof(
      identity.map((name) => ({
        request: jsonRequest({ authorization: `Bearer ${credentials.sharedSecret}` }, { identity: name }),
        expected: name.normalize('NFC'),
      })),
      identity.map((name) => ({
        request: {
          headers: { authorization: `bearer  ${credentials.sharedSecret}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: { kind: 'form', text: new URLSearchParams({ identity: name }).toString() },
          valid: true,
        } as GeneratedRequest,
        expected: name.normalize('NFC'),
      })),
      fc.constant({ request: jsonRequest({ authorization: basicValue('alice', credentials.passwords.alice!) }, {}), expected: 'alice' }),
      fc.constant({ request: jsonRequest({}, { username: 'alice', password: credentials.passwords.alice }), expected: 'alice' }),
      fc.constant({
        request: jsonRequest(
          { authorization: basicValue('alice', credentials.passwords.alice!), origin: ALLOWED_ORIGIN },
          { identity: 'alice' },
        ),
        expected: 'alice',
      }),
    );
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(valid, async ({ request, expected }) => {
          const a = await answer(request, basic);
          expect(a.result.status).toBe(200);
          const text = JSON.stringify(a.body);
          expect(text.match(new RegExp(JWT_SHAPE.source, 'g'))).toHaveLength(1);
          expect(a.body.identity).toBe(expected);
          const { payload } = await compactVerify(a.body.token, key, { algorithms: ['HS256'] });
          const claims = JSON.parse(new TextDecoder().decode(payload));
          expect(claims.grants.identity).toBe(expected);
          expect(claims.iss).toBe(credentials.apiKeySid);
          expect(claims.sub).toBe(credentials.accountSid);
          expect(a.logs).toEqual([expect.objectContaining({ outcome: 'issued', identity: expected })]);
        }),
        { numRuns: RUNS },
      ),
    );
    figures.push(`valid credentials: ${RUNS} runs, each exactly one token verified with jose, ${Math.round(ms)} ms`);
  });

  it(`no token without valid credentials: Basic password near misses each checked by scrypt (fresh throttle and cache per run; ${SCRYPT_RUNS} runs, not ${RUNS})`, async () => {
    const password = credentials.passwords.bob!;
    const [, ms] = await timed(() =>
      fc.assert(
        fc.asyncProperty(nearMiss(password, 'abcXYZ019-_:é'), async (guess) => {
          const basic = createBasicAuthenticator({
            throttle: new FailureThrottle(),
            cache: new VerifiedCredentialsCache(),
            now: () => clock,
            pause: async () => undefined,
          });
          const a = await answer(jsonRequest({ authorization: basicValue('bob', guess) }, {}), basic);
          expectNoToken(a);
          expect(a.body.error.code).toBe('invalid_credentials');
        }),
        { numRuns: SCRYPT_RUNS },
      ),
    );
    figures.push(`Basic password near misses with scrypt: ${SCRYPT_RUNS} runs, all 401, ${Math.round(ms)} ms`);
  }, 120_000);
});

describe('the verified-credentials cache follows the configuration', () => {
  it('a changed or removed user is checked again, so a cached old password stops working', async () => {
    const basic = await warmAuthenticator();
    const old = jsonRequest({ authorization: basicValue('alice', credentials.passwords.alice!) }, {});
    expect((await answer(old, basic)).result.status).toBe(200);

    const changed = await environmentFor({ ...credentials, passwords: { ...credentials.passwords, alice: 'a-new-password' } });
    const withEnv = async (next: Record<string, string>) => {
      const saved = env;
      env = next;
      try {
        return await answer(old, basic);
      } finally {
        env = saved;
      }
    };
    expect((await withEnv(changed)).result.status).toBe(401);
    const removed = {
      ...env,
      AUTH_BASIC_USERS: env
        .AUTH_BASIC_USERS!.split(' ')
        .filter((entry) => !entry.startsWith('alice:'))
        .join(' '),
    };
    expect((await withEnv(removed)).result.status).toBe(401);
  }, 30_000);
});
