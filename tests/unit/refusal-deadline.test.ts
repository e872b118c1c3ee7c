/**
 * Issue 22: refusals under concurrency, on a virtual clock. Requests arrive together; scrypt checks run on a pool of
 * two workers (a 2-core machine) that each take CHECK_MS of virtual time, so a check that has to wait for a worker
 * takes longer, as it does for real. Nothing here reads the wall clock: every duration is virtual and exact.
 */
import { randomBytes } from 'node:crypto';
import { createBasicAuthenticator, type BasicAuthenticator } from '../../src/lib/auth/basic-authentication';
import type { BasicUserTable } from '../../src/lib/auth/basic-users';
import { ServiceError } from '../../src/lib/base/errors';
import * as passwordHash from '../../src/lib/auth/password-hash';
import { VerifiedCredentialsCache } from '../../src/lib/auth/verified-credentials-cache';
import { basicUserTable } from '../helpers/fixtures';

const T0 = 1_700_000_000_000;
const CHECK_MS = 150;
const SCRYPT_WORKERS = 2;

let clock = T0;
let order = 0;
let timers: { at: number; order: number; resolve: () => void }[] = [];
/** Resolves when the virtual clock reaches now + ms. */
const sleep = (ms: number) => new Promise<void>((resolve) => timers.push({ at: clock + ms, order: order++, resolve }));
const now = () => clock;

/** Lets every settled promise run its continuations (real event-loop turns; no time is measured). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs the virtual clock until nothing is waiting any more. */
async function runUntilIdle(): Promise<void> {
  for (;;) {
    await flush();
    if (timers.length === 0) return;
    timers.sort((a, b) => a.at - b.at || a.order - b.order);
    const next = timers.shift()!;
    clock = Math.max(clock, next.at);
    next.resolve();
  }
}

let verifySpy: jest.SpiedFunction<typeof passwordHash.verifyPassword>;
let busyWorkers = 0;
let queuedChecks: (() => void)[] = [];
/** Hashes each scrypt run was asked to check (the calibration runs on the table's unmatchable hash). */
let checkedHashes: passwordHash.PasswordHash[] = [];

beforeEach(() => {
  clock = T0;
  timers = [];
  busyWorkers = 0;
  queuedChecks = [];
  checkedHashes = [];
  verifySpy = jest.spyOn(passwordHash, 'verifyPassword').mockImplementation(async (_password, hash) => {
    checkedHashes.push(hash);
    if (busyWorkers >= SCRYPT_WORKERS) await new Promise<void>((resolve) => queuedChecks.push(resolve));
    busyWorkers++;
    await sleep(CHECK_MS);
    busyWorkers--;
    queuedChecks.shift()?.();
    return false;
  });
});

afterEach(() => verifySpy.mockRestore());

let phc: string;
beforeAll(async () => {
  phc = await passwordHash.hashPassword(`pw-${randomBytes(9).toString('base64url')}`);
});

/** 800 configured users sharing one hash (each is checked by its own scrypt run all the same). */
const configuredNames = Array.from({ length: 800 }, (_, i) => `user-${i}`);
const tableOfUsers = (): BasicUserTable => basicUserTable(Object.fromEntries(configuredNames.map((name) => [name, phc])));

interface Answer {
  status: number;
  retryAfter?: number;
  message: string;
  ms: number;
}

async function attempt(auth: BasicAuthenticator, table: BasicUserTable, name: string): Promise<Answer> {
  const arrivedAt = clock;
  try {
    await auth.verify(table, name, `wrong-${randomBytes(4).toString('hex')}`);
    return { status: 200, message: 'signed in', ms: clock - arrivedAt };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { status: error.status, retryAfter: error.retryAfterSeconds, message: error.message, ms: clock - arrivedAt };
  }
}

/** Every name attempted at the same moment; resolves once all are answered. */
async function burst(auth: BasicAuthenticator, table: BasicUserTable, names: readonly string[]): Promise<Answer[]> {
  const answers = Promise.all(names.map((name) => attempt(auth, table, name)));
  await runUntilIdle();
  return answers;
}

const authenticator = () => createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause: sleep });
const statuses = (answers: Answer[]) => answers.map(({ status, retryAfter, message }) => ({ status, retryAfter, message }));
const configuredChecks = (table: BasicUserTable) => checkedHashes.filter((hash) => hash !== table.unknownUserHash).length;

describe('a refusal’s time is bounded and does not ratchet up', () => {
  it('100 concurrent wrong passwords over 20 names are each answered within 3 s, and the next refusal takes what one took before', async () => {
    const table = tableOfUsers();
    const auth = authenticator();
    await burst(auth, table, ['warm-up']);
    const [before] = await burst(auth, table, ['random-before']);
    const names = Array.from({ length: 100 }, (_, i) => configuredNames[i % 20]!);
    const during = await burst(auth, table, names);
    expect(Math.max(...during.map((answer) => answer.ms))).toBeLessThanOrEqual(3_000);
    // Some were checked and refused; the rest were shed with a short Retry-After, not left to time out.
    expect(during.filter((answer) => answer.status === 401).length).toBeGreaterThan(0);
    for (const shed of during.filter((answer) => answer.status === 429)) expect(shed.retryAfter).toBeLessThanOrEqual(2);
    clock += 5_000;
    const [after] = await burst(auth, table, ['random-after']);
    expect(after!.status).toBe(401);
    expect(after!.ms).toBe(before!.ms);
  });
});

describe('no name oracle under concurrency', () => {
  it.each([5, 20, 100])(
    'bursts of %i concurrent wrong guesses on configured and on unknown names get the same statuses at the same times, 8 bursts each',
    async (size) => {
      const table = tableOfUsers();
      const auth = authenticator();
      // A fresh authenticator has timed its one calibration check before the bursts start.
      await burst(auth, table, ['warm-up']);
      const configured = [...configuredNames];
      for (let round = 0; round < 8; round++) {
        const known = configured.splice(0, size);
        const unknown = known.map((name) => `nobody-${round}-${name}`);
        const checksBefore = configuredChecks(table);
        const knownAnswers = await burst(auth, table, known);
        const checksOfKnown = configuredChecks(table) - checksBefore;
        clock += 10_000;
        const unknownAnswers = await burst(auth, table, unknown);
        clock += 10_000;
        expect(statuses(unknownAnswers)).toEqual(statuses(knownAnswers));
        expect(unknownAnswers.map((answer) => answer.ms)).toEqual(knownAnswers.map((answer) => answer.ms));
        // Unknown names cost no hashing; every admitted configured name was checked.
        expect(configuredChecks(table) - checksBefore - checksOfKnown).toBe(0);
        expect(checksOfKnown).toBe(knownAnswers.filter((answer) => answer.status === 401).length);
      }
    },
  );

  it('within one burst, a configured and an unknown name attempted side by side are answered at the time of their place in the queue', async () => {
    const table = tableOfUsers();
    const auth = authenticator();
    await burst(auth, table, ['warm-up']);
    const names = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? configuredNames[i]! : `nobody-${i}`));
    const answers = await burst(auth, table, names);
    // A configured name never answers later than its unknown neighbour: every refusal comes at its deadline.
    for (let i = 0; i < names.length; i += 2) expect(answers[i]!.ms).toBe(answers[i + 1]!.ms);
  });
});
