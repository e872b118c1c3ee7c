/** Verifies a user name and password against the Basic users, with the failure throttle and the verified cache. */
import { findBasicUser, normaliseUserName, type BasicUser, type BasicUserTable } from './basic-users';
import { ServiceError } from '../base/errors';
import { FailureThrottle, retryAfterSeconds, type NameWindow } from '../throttle/failure-throttle';
import { MAX_IDENTITY_BYTES } from '../token/identity';
import { verifyPassword } from './password-hash';
import { PasswordCheckQueue } from './password-check-queue';
import { RefusalTiming } from './refusal-timing';
import { ScryptGuard } from '../throttle/scrypt-guard';
import {
  SHARED_STORE_BUDGET_MS,
  withinBudget,
  type Budgeted,
  type LedgerEntry,
  type SharedFailureLedger,
} from '../throttle/shared-failure-ledger';
import { hasControlCharacter } from '../base/text';
import { VerifiedCredentialsCache } from './verified-credentials-cache';

/** What one verification did with the shared store, for the request's log line. */
export interface VerificationNotes {
  /** `sync`: the shared counts decided; `degraded`: Sync was slow or failing, this instance's counts decided. */
  sharedStore?: 'sync' | 'degraded';
}

export interface BasicAuthenticator {
  /**
   * Resolves to the user name (the identity) or rejects with 401 invalid_credentials or 429 too_many_attempts.
   * With a ledger, the per-name counts are the ones every instance shares.
   */
  verify(table: BasicUserTable, username: string, password: string, options?: VerifyOptions): Promise<string>;
}

interface VerifyOptions {
  /** The failure counts every instance shares (Sync). Default: none, this instance's own counts decide. */
  readonly ledger?: SharedFailureLedger;
  /** Filled in with what the verification did with the shared store, for the request's log line. */
  readonly notes?: VerificationNotes;
}

/** What one authenticator is made of; every part has a default, tests inject the clock and the pause. */
export interface BasicAuthenticatorOptions {
  /** This instance's per-name failure counts. Default: 5 failures per name per 15 minutes (DEFAULT_THROTTLE_LIMITS). */
  readonly throttle?: FailureThrottle;
  /** Recently verified credentials, answered without hashing. Default: 5 minutes, 1,000 credentials. */
  readonly cache?: VerifiedCredentialsCache;
  /** The clock, in ms since the epoch. Default: Date.now. */
  readonly now?: () => number;
  /** How an attempt waits for its turn and for its refusal time. Default: a real timer (setTimeout). */
  readonly pause?: (ms: number) => Promise<void>;
  /** Bounds this instance's scrypt runs. Default: 1,000 a minute (DEFAULT_SCRYPT_GUARD_LIMITS). */
  readonly guard?: ScryptGuard;
  /** Learns how long the costliest configured check takes when it runs alone. Default: nothing learnt yet. */
  readonly timing?: RefusalTiming;
  /** When each attempt's check runs and its refusal is answered; sheds load. Default: DEFAULT_CHECK_QUEUE_LIMITS. */
  readonly queue?: PasswordCheckQueue;
}

/** One attempt past the cache, as verify hands it on. */
interface Attempt {
  /** Normalised. */
  readonly name: string;
  readonly password: string;
  /** The configured user of that name, if any. */
  readonly user: BasicUser | undefined;
  readonly cacheKey: string | undefined;
  readonly arrivedAt: number;
  /** How long a check of the costliest hash is expected to take. */
  readonly expectedMs: number;
  readonly ledger: SharedFailureLedger | undefined;
  readonly notes: VerificationNotes | undefined;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Per instance: one throttle, one scrypt guard, one check queue and one cache, shared by every request it serves.
 *
 * Every attempt of a name that may exist takes the same path, whether or not the name is configured and whether or
 * not the password can be hashed: it is admitted to the check queue (or shed, by the queue's state alone), counted
 * against that name, and refused at its deadline: a fixed time after its arrival (2 s by default), however long other
 * requests took. Only the scrypt run itself differs, and the queue admits it only when it can end inside that time.
 * @example const auth = createBasicAuthenticator(); await auth.verify(table, 'alice', 'pw')
 */
export function createBasicAuthenticator({
  throttle = new FailureThrottle(),
  cache = new VerifiedCredentialsCache(),
  now = Date.now,
  pause = wait,
  guard = new ScryptGuard(),
  timing = new RefusalTiming(),
  queue = new PasswordCheckQueue(),
}: BasicAuthenticatorOptions = {}): BasicAuthenticator {
  const wrong = () => new ServiceError('invalid_credentials', 'the user name or password is wrong');
  const tooMany = (seconds: number) =>
    new ServiceError('too_many_attempts', 'too many failed sign-in attempts; try again later', {
      retryAfterSeconds: seconds,
    });
  const busy = (ms: number) =>
    new ServiceError('too_many_attempts', 'too many sign-in attempts at once; try again shortly', {
      retryAfterSeconds: retryAfterSeconds(ms),
    });
  let calibrating = false;
  const waitUntil = async (at: number) => {
    const remaining = at - now();
    if (remaining > 0) await pause(remaining);
  };

  /** One scrypt run: the guard counts it, the timing learns how long it ran. */
  async function timedCheck(password: string, hash: Parameters<typeof verifyPassword>[1]): Promise<boolean> {
    guard.spend(now());
    const startedAt = now();
    try {
      return await verifyPassword(password, hash);
    } finally {
      timing.record(hash, now() - startedAt, now());
    }
  }

  /**
   * The expected duration of one check of the costliest hash. A fresh instance's first attempt, whatever its name,
   * starts one timed check against the unmatchable hash on the side (not waited for: a cold sign-in costs no
   * second scrypt run in its path); until a check was timed, a seed stands in.
   */
  function expectedCheckMs(table: BasicUserTable): number {
    if (!timing.timed && !calibrating) {
      calibrating = true;
      timedCheck('calibration', table.unknownUserHash).catch(() => undefined);
    }
    return timing.estimateMs(table.unknownUserHash, now());
  }

  function noteShared(ledger: SharedFailureLedger, notes: VerificationNotes | undefined, result: Budgeted<unknown>): void {
    const at = now();
    ledger.status?.report(result.ok ? { state: 'ok', at } : { state: 'degraded', reason: result.reason, at });
    if (notes && notes.sharedStore !== 'degraded') notes.sharedStore = result.ok ? 'sync' : 'degraded';
  }

  return {
    async verify(table, rawName, password, { ledger, notes } = {}) {
      const name = normaliseUserName(rawName);
      // A name longer than any identity cannot be a user: refuse it before hashing, and before the
      // throttle would keep it (a 16 kB header name, 10,000 times, is 160 MB of throttle keys).
      if (name === '' || password === '' || Buffer.byteLength(name, 'utf8') > MAX_IDENTITY_BYTES) throw wrong();
      const user = findBasicUser(table, name);
      const cacheKey = user ? cache.keyFor(user.name, password.normalize('NFC'), user.phc) : undefined;
      // Verified on this instance lately: no hashing, and no waiting for the shared store.
      if (cacheKey !== undefined && cache.has(cacheKey, now())) return user!.name;

      const expectedMs = expectedCheckMs(table);
      // Every refusal from here on (wrong, locked, shed) is answered at the deadline counted from now.
      const arrivedAt = now();
      try {
        return await decide({ name, password, user, cacheKey, arrivedAt, expectedMs, ledger, notes });
      } catch (error) {
        await waitUntil(queue.refusalAt(arrivedAt));
        throw error;
      }
    },
  };

  /** An attempt that was not answered from the cache: the user name, or a refusal the caller answers at the deadline. */
  async function decide({ name, password, user, cacheKey, arrivedAt, expectedMs, ledger, notes }: Attempt): Promise<string> {
    const attemptedAt = now();
    const nameWait = throttle.nameRetryAfterSeconds(name, attemptedAt);
    if (nameWait > 0) throw tooMany(nameWait);
    // Spent only by scrypt runs; while it is, every name is refused alike, checked or not.
    const guardWait = guard.retryAfterSeconds(attemptedAt);
    if (guardWait > 0) throw tooMany(guardWait);
    // The attempt's timetable, from the queue's state at arrival and nothing about the name. Shed attempts are not
    // counted: they checked nothing.
    const slot = queue.admit(arrivedAt, attemptedAt, expectedMs);
    if (!slot) throw busy(queue.retryAfterMs(attemptedAt));
    // Counted before hashing: parallel guesses must not all pass the check above while earlier ones are
    // still hashing. A match takes the count back.
    throttle.recordFailure(name, attemptedAt);
    // The shared count is asked for every name alike, while the password is checked.
    const deadline = attemptedAt + SHARED_STORE_BUDGET_MS;
    const sharedRead = ledger ? withinBudget(ledger.read(name, attemptedAt), deadline, now) : undefined;
    // A password with a control character is never hashed (hash-password refuses them, and scrypt would let
    // `pw\0` match `pw`): a failure, counted and timed like any other, that costs no scrypt run.
    const checkable = user !== undefined && !hasControlCharacter(password);
    let matched = false;
    if (checkable) {
      await waitUntil(slot.startAt);
      matched = await timedCheck(password, user.hash);
    }
    const shared = sharedRead ? await sharedRead : undefined;
    if (ledger && shared) noteShared(ledger, notes, shared);
    const seen: LedgerEntry | undefined = shared?.ok ? shared.value : undefined;

    const sharedWait = seen ? throttle.retryAfterFor(seen, now()) : 0;
    if (matched) queue.releaseOnMatch(slot, now());
    if (matched && sharedWait === 0) {
      throttle.withdrawFailure(name, attemptedAt);
      throttle.recordSuccess(name);
      if (ledger && seen) noteShared(ledger, notes, await withinBudget(ledger.clear(name, seen), now() + SHARED_STORE_BUDGET_MS, now));
      cache.remember(cacheKey!, now());
      return user!.name;
    }

    if (sharedWait > 0) {
      // Locked by failures on other instances: not counted again, as a locked name is not here.
      throttle.withdrawFailure(name, attemptedAt);
      throttle.adopt(name, seen!, now());
      throw tooMany(sharedWait);
    }
    // Written even when the read missed its budget or failed (the entry unknown: addFailure creates the item, or
    // re-reads it when it exists): a slow read must not leave this failure out of the count every instance shares.
    if (ledger) {
      const written: Budgeted<NameWindow> = await withinBudget(ledger.addFailure(name, seen, now()), now() + SHARED_STORE_BUDGET_MS, now);
      noteShared(ledger, notes, written);
      if (written.ok) throttle.adopt(name, written.value, now());
    }
    throw wrong();
  }
}
