/** matchesAnyDigest and indexOfDigest: their answers (timing is not measured here). */
import { createHash } from 'node:crypto';
import { indexOfDigest, matchesAnyDigest, secretDigest } from '../../src/lib/base/constant-time';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

describe('secretDigest', () => {
  it('is the SHA-256 of the UTF-8 bytes, whatever the input length', () => {
    expect(secretDigest('alice').equals(sha256('alice'))).toBe(true);
    expect(secretDigest('')).toHaveLength(32);
    expect(secretDigest('x'.repeat(10_000))).toHaveLength(32);
    expect(secretDigest(Buffer.from('Jos\u00e9', 'utf8')).equals(sha256('Jos\u00e9'))).toBe(true);
  });
});

describe('matchesAnyDigest', () => {
  const digests = ['first', 'second', 'third'].map((value) => sha256(value));

  it.each(['first', 'second', 'third'])('is true for %s, wherever it sits in the list', (value) => {
    expect(matchesAnyDigest(value, digests)).toBe(true);
  });

  it.each(['fourth', 'firs', 'first ', 'First', ''])('is false for %j', (value) => {
    expect(matchesAnyDigest(value, digests)).toBe(false);
  });

  it('is false against an empty list', () => {
    expect(matchesAnyDigest('first', [])).toBe(false);
  });

  it('is true once even when the list holds the same digest twice', () => {
    expect(matchesAnyDigest('first', [sha256('first'), sha256('first')])).toBe(true);
  });

  it('accepts a Buffer candidate', () => {
    expect(matchesAnyDigest(Buffer.from('second'), digests)).toBe(true);
  });
});

describe('indexOfDigest', () => {
  const names = ['alice', 'bob', 'carol'];
  const digests = names.map((name) => sha256(name));

  it.each(names.map((name, index) => [name, index] as const))('finds %s at index %d', (name, index) => {
    expect(indexOfDigest(name, digests)).toBe(index);
  });

  it('returns -1 for a name that is absent or differs by one character', () => {
    expect(indexOfDigest('dave', digests)).toBe(-1);
    expect(indexOfDigest('alicE', digests)).toBe(-1);
    expect(indexOfDigest('', digests)).toBe(-1);
    expect(indexOfDigest('alice', [])).toBe(-1);
  });

  it('returns the first index when a digest appears twice', () => {
    expect(indexOfDigest('bob', [sha256('alice'), sha256('bob'), sha256('bob')])).toBe(1);
  });
});
