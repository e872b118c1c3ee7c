/** Shared secrets: generated ones pass the entropy rule, weak ones fail, lists split, and verification is exact. */
import { randomBytes } from 'node:crypto';
import {
  MIN_SECRET_BITS,
  estimateSecretBits,
  generateSharedSecret,
  parseSharedSecrets,
  splitSecretList,
  verifySharedSecret,
  type SharedSecretSet,
} from '../../src/lib/auth/shared-secrets';

/** The one problem parseSharedSecrets reports: AUTH_SHARED_SECRETS, what is wrong, and the fix. */
const secretsProblem = (what: string) => ({
  ok: false,
  problems: [
    { variable: 'AUTH_SHARED_SECRETS', message: `AUTH_SHARED_SECRETS ${what}`, fix: 'generate each secret with npm run new-secret' },
  ],
});

function parsed(raw: string): SharedSecretSet {
  const result = parseSharedSecrets(raw);
  if (!result.ok) throw new Error(result.problems[0]!.message);
  return result.secrets;
}

describe('generateSharedSecret', () => {
  it('makes 43 URL-safe characters (256 bits) that pass the entropy rule', () => {
    for (let i = 0; i < 50; i++) {
      const secret = generateSharedSecret();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(estimateSecretBits(secret)).toBeGreaterThanOrEqual(MIN_SECRET_BITS);
      expect(parseSharedSecrets(secret).ok).toBe(true);
    }
  });

  it('makes a different secret each time', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateSharedSecret()));
    expect(secrets.size).toBe(100);
  });
});

describe('the entropy rule', () => {
  it.each([
    ['password123', 'password123'],
    ['40 × "a"', 'a'.repeat(40)],
    ['a 16-character hex string', randomBytes(8).toString('hex')],
    ['a 16-character base64url string (96 bits)', randomBytes(12).toString('base64url')],
    ['a repeated short word', 'abc123'.repeat(10)],
    ['a long run of few distinct characters', 'abcdefghijk'.repeat(6)],
  ])('refuses %s', (_what, secret) => {
    expect(estimateSecretBits(secret)).toBeLessThan(MIN_SECRET_BITS);
    const result = parseSharedSecrets(secret);
    expect(result).toEqual(secretsProblem('entry 1 of 1 is too weak (needs at least 128 bits of entropy)'));
  });

  it('accepts a 32-character random hex string (128 bits)', () => {
    expect(parseSharedSecrets(randomBytes(16).toString('hex')).ok).toBe(true);
  });

  it('refuses a list whose only weak entry is last, naming its position', () => {
    expect(parseSharedSecrets(`${generateSharedSecret()},${generateSharedSecret()},password123`)).toEqual(
      secretsProblem('entry 3 of 3 is too weak (needs at least 128 bits of entropy)'),
    );
  });

  it('refuses a list of separators only', () => {
    expect(parseSharedSecrets(' ,\n, ')).toEqual(secretsProblem('is set but holds no secret'));
  });

  it('keeps digests, never the secrets themselves', () => {
    const secret = generateSharedSecret();
    const set = parsed(secret);
    expect(set.digests).toHaveLength(1);
    expect(set.digests[0]).toHaveLength(32);
    expect(JSON.stringify(set)).not.toContain(secret);
    expect(Object.keys(set)).toEqual(['digests']);
  });
});

describe('splitSecretList', () => {
  it('splits on commas, spaces, tabs and newlines and drops empty parts', () => {
    expect(splitSecretList(' a,b  c\td\n\ne,,f ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});

describe('verifySharedSecret', () => {
  const secrets = [generateSharedSecret(), generateSharedSecret(), generateSharedSecret()];
  const set = parsed(`${secrets[0]}, ${secrets[1]}\n${secrets[2]}`);

  it('accepts each of several configured secrets (rotation)', () => {
    for (const secret of secrets) expect(verifySharedSecret(secret, set)).toBe(true);
  });

  /** The secret with its first letter's case flipped (generated secrets always contain a letter). */
  const caseFlipped = (secret: string) => {
    const index = secret.search(/[A-Za-z]/);
    const letter = secret[index]!;
    const flipped = letter === letter.toUpperCase() ? letter.toLowerCase() : letter.toUpperCase();
    return `${secret.slice(0, index)}${flipped}${secret.slice(index + 1)}`;
  };

  const near = (secret: string): Array<[string, string]> => [
    ['one character changed', `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`],
    ['truncated by one', secret.slice(0, -1)],
    ['extended by one', `${secret}A`],
    ['one letter case-flipped', caseFlipped(secret)],
    ['with a leading space', ` ${secret}`],
    ['two secrets joined', `${secret},${secrets[1]}`],
    ['empty', ''],
  ];

  it.each(near(secrets[0]!).concat(near(secrets[2]!)))('refuses a near miss: %s', (_what, candidate) => {
    expect(secrets).not.toContain(candidate);
    expect(verifySharedSecret(candidate, set)).toBe(false);
  });

  it('refuses a secret that was removed from the list', () => {
    const rotated = parsed(`${secrets[1]},${secrets[2]}`);
    expect(verifySharedSecret(secrets[0]!, rotated)).toBe(false);
    expect(verifySharedSecret(secrets[1]!, rotated)).toBe(true);
  });
});
