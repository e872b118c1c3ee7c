/** Secret comparison whose duration depends on neither the contents nor the lengths of its inputs. */
import * as crypto from 'node:crypto';

/**
 * A fixed-length digest of a secret: comparing digests hides the secret's length. The one-shot `crypto.hash` costs
 * half of createHash().update().digest(), and every Bearer request pays it (issue 23); Node before 20.12 lacks it.
 */
export function secretDigest(value: string | Buffer): Buffer {
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', value, 'buffer') : crypto.createHash('sha256').update(value).digest();
}

/**
 * Compares a candidate against every expected digest without an early exit, so the time taken does
 * not reveal which entry (if any) matched.
 * @example matchesAnyDigest('s3cret', [secretDigest('s3cret')]) // true
 */
export function matchesAnyDigest(candidate: string | Buffer, expected: readonly Buffer[]): boolean {
  const digest = secretDigest(candidate);
  let matched = 0;
  for (const entry of expected) matched |= crypto.timingSafeEqual(digest, entry) ? 1 : 0;
  return matched === 1;
}

/**
 * The index of the entry whose digest equals the candidate's, or -1; visits every entry.
 * @example indexOfDigest('bob', [secretDigest('alice'), secretDigest('bob')]) // 1
 */
export function indexOfDigest(candidate: string | Buffer, expected: readonly Buffer[]): number {
  const digest = secretDigest(candidate);
  let found = -1;
  for (let i = 0; i < expected.length; i++) {
    const equal = crypto.timingSafeEqual(digest, expected[i]!);
    found = equal && found === -1 ? i : found;
  }
  return found;
}
