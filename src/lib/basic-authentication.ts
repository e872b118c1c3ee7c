/** Verifies a user name and password against AUTH_BASIC_USERS, with the failure throttle and the verified cache. */
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

/**
 * Per instance: one throttle and one cache, shared by every request the instance serves.
 * @example const auth = createBasicAuthenticator(); await auth.verify(table, 'alice', 'pw')
 */
export function createBasicAuthenticator(
  throttle = new FailureThrottle(),
  cache = new VerifiedCredentialsCache(),
  now: () => number = Date.now,
): BasicAuthenticator {
  return {
    async verify(table, rawName, password) {
      const name = normaliseUserName(rawName);
      // A name longer than any identity cannot be a user: refuse it before hashing, and before the
      // throttle would keep it (a 16 kB header name, 10,000 times, is 160 MB of throttle keys).
      if (name === '' || password === '' || Buffer.byteLength(name, 'utf8') > MAX_IDENTITY_BYTES) {
        throw new ServiceError('invalid_credentials', 'the user name or password is wrong');
      }
      const user = findBasicUser(table, name);
      const cacheKey = user ? cache.keyFor(user.name, password.normalize('NFC'), user.phc) : undefined;
      if (cacheKey !== undefined && cache.has(cacheKey, now())) return user!.name;

      const retryAfter = throttle.retryAfterSeconds(name, now());
      if (retryAfter > 0) {
        throw new ServiceError('too_many_attempts', 'too many failed sign-in attempts; try again later', retryAfter);
      }
      // Counted as a failure before hashing: parallel guesses must not all pass the check above while
      // earlier ones are still hashing. A match takes the count back.
      const attemptedAt = now();
      throttle.recordFailure(name, attemptedAt);
      // No hash is ever made of such a password (hash-password refuses it), and scrypt would let `pw\0`
      // match `pw`: a failure, counted like any other, without the hashing.
      if (hasControlCharacter(password)) throw new ServiceError('invalid_credentials', 'the user name or password is wrong');
      // Unknown names are checked against an unmatchable hash of the same cost: same work, same answer.
      const matched = await verifyPassword(password, user?.hash ?? table.unknownUserHash);
      if (!matched || !user) {
        throw new ServiceError('invalid_credentials', 'the user name or password is wrong');
      }
      throttle.withdrawFailure(name, attemptedAt);
      throttle.recordSuccess(name);
      cache.remember(cacheKey!, now());
      return user.name;
    },
  };
}
