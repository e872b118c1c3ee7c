/** Verifies a user name and password against the Basic users, with the failure throttle and the verified cache. */
import { findBasicUser, normaliseUserName, type BasicUserTable } from './basic-users';
import { ServiceError } from './errors';
import { FailureThrottle } from './failure-throttle';
import { MAX_IDENTITY_BYTES } from './identity';
import { verifyPassword } from './password-hash';
import { hasControlCharacter } from './text';
import { VerifiedCredentialsCache } from './verified-credentials-cache';

export interface BasicAuthenticator {
  /** Resolves to the user name (the identity) or rejects with 401 invalid_credentials or 429 too_many_attempts. */
  verify(table: BasicUserTable, username: string, password: string): Promise<string>;
}

/** Recent durations of a password check, to answer a check that is skipped after about as long. */
const DURATION_SAMPLES = 16;
/** Until a check has been timed on this instance: about what one takes with the default scrypt cost. */
const FIRST_CHECK_ESTIMATE_MS = 150;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Per instance: one throttle and one cache, shared by every request the instance serves.
 * @example const auth = createBasicAuthenticator(); await auth.verify(table, 'alice', 'pw')
 */
export function createBasicAuthenticator(
  throttle = new FailureThrottle(),
  cache = new VerifiedCredentialsCache(),
  now: () => number = Date.now,
  pause: (ms: number) => Promise<void> = wait,
): BasicAuthenticator {
  const durations: number[] = [];
  const typicalCheckMs = () => (durations.length === 0 ? FIRST_CHECK_ESTIMATE_MS : durations[Math.floor(Math.random() * durations.length)]!);
  const wrong = () => new ServiceError('invalid_credentials', 'the user name or password is wrong');
  const tooMany = (seconds: number) => new ServiceError('too_many_attempts', 'too many failed sign-in attempts; try again later', seconds);

  return {
    async verify(table, rawName, password) {
      const name = normaliseUserName(rawName);
      // A name longer than any identity cannot be a user: refuse it before hashing, and before the
      // throttle would keep it (a 16 kB header name, 10,000 times, is 160 MB of throttle keys).
      if (name === '' || password === '' || Buffer.byteLength(name, 'utf8') > MAX_IDENTITY_BYTES) throw wrong();
      const user = findBasicUser(table, name);
      const cacheKey = user ? cache.keyFor(user.name, password.normalize('NFC'), user.phc) : undefined;
      if (cacheKey !== undefined && cache.has(cacheKey, now())) return user!.name;

      const attemptedAt = now();
      const nameWait = throttle.nameRetryAfterSeconds(name, attemptedAt);
      if (nameWait > 0) throw tooMany(nameWait);
      const kind = user ? 'known' : 'unknown';
      if (throttle.isSpent(kind, attemptedAt)) {
        // This kind's budget is spent (a flood of random names spends the unknown one): no hashing. The
        // answer comes after about as long as a check, so it does not tell whether the name exists.
        await pause(typicalCheckMs());
        throw tooMany(throttle.floodRetryAfterSeconds(now()));
      }
      // Counted as a failure before hashing: parallel guesses must not all pass the check above while
      // earlier ones are still hashing. A match takes the count back.
      throttle.recordFailure(name, kind, attemptedAt);
      // During a flood every failure answers 429, known names and unknown alike: a 401 would tell them apart.
      const refused = () => {
        const flood = throttle.floodRetryAfterSeconds(now());
        return flood > 0 ? tooMany(flood) : wrong();
      };
      // No hash is ever made of such a password (hash-password refuses it), and scrypt would let `pw\0`
      // match `pw`: a failure, counted like any other, without the hashing.
      if (hasControlCharacter(password)) throw refused();
      // Unknown names are checked against an unmatchable hash of the same cost: same work, same answer.
      const startedAt = now();
      const matched = await verifyPassword(password, user?.hash ?? table.unknownUserHash);
      durations.push(now() - startedAt);
      if (durations.length > DURATION_SAMPLES) durations.shift();
      if (!matched || !user) throw refused();
      throttle.withdrawFailure(name, kind, attemptedAt);
      throttle.recordSuccess(name);
      cache.remember(cacheKey!, now());
      return user.name;
    },
  };
}
