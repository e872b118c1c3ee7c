/**
 * The attacks of issue 14, run in-process against the real authenticator and throttle with an injected clock and
 * an injected pause. verifyPassword is spied on: where a wrong password is guessed, its scrypt check is answered
 * `false` after advancing the clock by what the check costs (proportional to N·r·p), so durations are measured on
 * the injected clock, never on the wall clock.
 */
import { randomBytes } from 'node:crypto';
import { createBasicAuthenticator, type BasicAuthenticator } from '../../src/lib/auth/basic-authentication';
import { parseBasicUsers, type BasicUserTable } from '../../src/lib/auth/basic-users';
import { ServiceError } from '../../src/lib/base/errors';
import { DEFAULT_CHECK_QUEUE_LIMITS } from '../../src/lib/auth/password-check-queue';
import * as passwordHash from '../../src/lib/auth/password-hash';
import { VerifiedCredentialsCache } from '../../src/lib/auth/verified-credentials-cache';
import { basicUserTable } from '../helpers/fixtures';

const T0 = 1_700_000_000_000;
/** What one check with the default parameters (ln=15, r=8, p=3) costs on the injected clock. */
const DEFAULT_CHECK_MS = 150;
const DEFAULT_COST = 2 ** 15 * 8 * 3;

let clock: number;
const now = () => clock;
/**
 * Whether pauses and checks move the clock. A flood of thousands of requests a minute arrives in parallel: its
 * tests move the clock by hand instead, so that it fits in the minute it would take.
 */
let chargeTime = true;
const pause = async (ms: number) => {
  if (chargeTime) clock += ms;
};
let verifySpy: jest.SpiedFunction<typeof passwordHash.verifyPassword>;
/** When true, a scrypt check really runs (for the right password); else it answers false after its cost in ms. */
let realChecks = false;
const realVerify = passwordHash.verifyPassword;

function checkCostMs(hash: passwordHash.ScryptParams): number {
  return (DEFAULT_CHECK_MS * 2 ** hash.ln * hash.r * hash.p) / DEFAULT_COST;
}

const password = `pw-${randomBytes(9).toString('base64url')}`;
let defaultPhc: string;
let costlierPhc: string;

beforeAll(async () => {
  defaultPhc = await passwordHash.hashPassword(password);
  costlierPhc = await passwordHash.hashPassword(password, { ln: 16, r: 8, p: 2 });
});

beforeEach(() => {
  clock = T0;
  realChecks = false;
  chargeTime = true;
  verifySpy = jest.spyOn(passwordHash, 'verifyPassword').mockImplementation(async (attempt, hash) => {
    if (realChecks) return realVerify(attempt, hash);
    if (chargeTime) clock += checkCostMs(hash);
    return false;
  });
});

afterEach(() => verifySpy.mockRestore());

interface Answer {
  status: number;
  retryAfter?: number;
  message: string;
  durationMs: number;
}

async function attempt(auth: BasicAuthenticator, table: BasicUserTable, name: string, guess: string): Promise<Answer> {
  const startedAt = clock;
  try {
    await auth.verify(table, name, guess);
    return { status: 200, message: 'signed in', durationMs: clock - startedAt };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return {
      status: error.status,
      ...(error.retryAfterSeconds !== undefined && { retryAfter: error.retryAfterSeconds }),
      message: error.message,
      durationMs: clock - startedAt,
    };
  }
}

/** Status and Retry-After only: what the probe compares. */
const observable = ({ status, retryAfter, message }: Answer) => ({ status, retryAfter, message });

async function probe(auth: BasicAuthenticator, table: BasicUserTable, name: string, times: number) {
  const answers = [];
  for (let i = 0; i < times; i++)
    answers.push(observable(await attempt(auth, table, name, `guess-${i}-${randomBytes(3).toString('hex')}`)));
  return answers;
}

/** A flood of random names whose passwords contain NUL: refused without hashing, so free for the attacker. */
async function floodOfRandomNames(auth: BasicAuthenticator, table: BasicUserTable, count: number) {
  for (let i = 0; i < count; i++) await attempt(auth, table, `random-${i}-${randomBytes(4).toString('hex')}`, 'pw\u0000');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('no user-name oracle', () => {
  const users = () => basicUserTable({ alice: defaultPhc, bob: defaultPhc });

  it.each([
    ['during a flood of 101 random names', true],
    ['without a flood', false],
  ])('%s, probing a configured and an unknown name 6 times gives the same statuses and Retry-After', async (_when, flood) => {
    const sequences = [];
    for (const name of ['alice', 'mallory']) {
      clock = T0;
      const table = users();
      const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause });
      if (flood) await floodOfRandomNames(auth, table, 101);
      const during = await probe(auth, table, name, 6);
      // One minute on, the flood's instance window is over: one more try.
      clock += 61_000;
      const after = await probe(auth, table, name, 1);
      sequences.push({ during, after });
    }
    const [configured, unknown] = sequences;
    expect(unknown).toEqual(configured);
    expect(configured!.during.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429]);
    // The lock runs 15 minutes from the first failure, less the time the five refusals took (2 s each).
    const lockedFor = configured!.during[5]!.retryAfter!;
    expect(lockedFor).toBeGreaterThanOrEqual(885);
    expect(lockedFor).toBeLessThanOrEqual(900);
    // A minute on (plus the locked answer's own deadline), the lock has that much less to run.
    const later = 61 + DEFAULT_CHECK_QUEUE_LIMITS.refusalDeadlineMs / 1000;
    expect(configured!.after).toEqual([{ status: 429, retryAfter: lockedFor - later, message: configured!.during[5]!.message }]);
  });

  it('a refused attempt takes as long for a configured name (either hash cost), an unknown name and a NUL password: medians within 10%', async () => {
    const table = basicUserTable({ alice: defaultPhc, carol: costlierPhc });
    const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause });
    const durations: Record<string, number[]> = { alice: [], carol: [], unknown: [], nul: [] };
    for (let round = 0; round < 30; round++) {
      // A fresh name each round keeps every attempt below the per-name lock: what a careful prober does.
      const fresh = `-${round}`;
      durations['unknown']!.push((await attempt(auth, table, `nobody${fresh}`, 'a-guess')).durationMs);
      if (round % 5 === 0) clock += 16 * 60_000; // alice's and carol's own windows end
      durations['alice']!.push((await attempt(auth, table, 'alice', `a-guess${fresh}`)).durationMs);
      durations['carol']!.push((await attempt(auth, table, 'carol', `a-guess${fresh}`)).durationMs);
      durations['nul']!.push((await attempt(auth, table, 'alice', `a-guess${fresh}\u0000`)).durationMs);
      clock += 16 * 60_000;
    }
    const medians = Object.fromEntries(Object.entries(durations).map(([name, values]) => [name, median(values)]));
    const slowest = Math.max(...Object.values(medians));
    for (const value of Object.values(medians)) expect(value).toBeGreaterThanOrEqual(0.9 * slowest);
    // and as long as the costliest configured hash takes to check
    expect(slowest).toBeGreaterThanOrEqual(checkCostMs({ ln: 16, r: 8, p: 2 }));
  });
});

describe('no collective lockout', () => {
  it('with 30 users, 100 wrong attempts over 20 names and 10,000 random names in one minute, each of the other 10 users signs in', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    const table = basicUserTable(Object.fromEntries(names.map((name) => [name, defaultPhc])));
    const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause });
    const attacked = names.slice(0, 20);
    chargeTime = false;
    for (let i = 0; i < 100; i++) {
      await attempt(auth, table, attacked[i % 20]!, `wrong-${i}`);
      clock += 100;
    }
    for (let i = 0; i < 10_000; i++) {
      await attempt(auth, table, `random-${i}`, `wrong-${i}`);
      clock += 4;
    }
    expect(clock - T0).toBeLessThan(60_000);
    realChecks = true;
    const others = [];
    for (const name of names.slice(20)) others.push((await attempt(auth, table, name, password)).status);
    expect(others).toEqual(Array(10).fill(200));
    // The attacked names stay locked (per-name lockout is kept): the right password gets 429.
    expect((await attempt(auth, table, attacked[0]!, password)).status).toBe(429);
  });
});

describe('refusals without hashing', () => {
  const users = () => basicUserTable({ alice: defaultPhc, bob: defaultPhc });

  it('a NUL or control-character password counts as a failure of that name and answers like a wrong password, without scrypt', async () => {
    const table = users();
    const sequences = [];
    for (const guess of ['pass\u0000word', 'pass\u001bword', 'an-ordinary-wrong-password']) {
      clock = T0;
      const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause });
      verifySpy.mockClear();
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await attempt(auth, table, 'alice', guess));
      // A check against the unmatchable hash is the instance timing its refusals once (calibration), not this name's.
      const checksOfAlice = verifySpy.mock.calls.filter(([, hash]) => hash !== table.unknownUserHash).length;
      sequences.push({ observed: answers.map(observable), durations: answers.map((answer) => answer.durationMs), scrypt: checksOfAlice });
    }
    const [nul, escape, ordinary] = sequences;
    expect(nul!.observed).toEqual(ordinary!.observed);
    expect(escape!.observed).toEqual(ordinary!.observed);
    expect(nul!.durations.slice(0, 5)).toEqual(ordinary!.durations.slice(0, 5));
    // Only the wrong password was really checked (5 times, then locked); the control characters never were.
    expect(ordinary!.scrypt).toBe(5);
    expect(nul!.scrypt).toBe(0);
    expect(escape!.scrypt).toBe(0);
  });

  it('10,000 such refusals over random names spend no budget: a configured user’s wrong password still answers 401, the right one signs in', async () => {
    const table = users();
    const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause });
    chargeTime = false;
    await floodOfRandomNames(auth, table, 10_000);
    expect((await attempt(auth, table, 'bob', 'not-his-password')).status).toBe(401);
    realChecks = true;
    expect((await attempt(auth, table, 'alice', password)).status).toBe(200);
  });
});

describe('hash costs the service cannot afford', () => {
  it('refuses an ln=17 hash (128 MiB a check) as a configuration problem instead of accepting it', async () => {
    const phc = `$scrypt$ln=17,r=8,p=1$${randomBytes(16).toString('base64').replace(/=+$/, '')}$${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const parsed = parseBasicUsers(`alice:${defaultPhc} bob:${phc}`, () => undefined);
    expect(parsed).toEqual({
      ok: false,
      problems: [expect.objectContaining({ message: expect.stringMatching(/^AUTH_BASIC_USERS entry 2: .*too costly/) })],
    });
  });
});
