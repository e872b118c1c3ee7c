/** scrypt PHC hashes: round trip, near misses, NFC, and the parser's refusals. Each hash costs ~0.3 s, so few are made. */
import { randomBytes, scryptSync } from 'node:crypto';
import {
  DEFAULT_SCRYPT_PARAMS,
  PasswordHashFormatError,
  assertAcceptableParams,
  hashPassword,
  parsePasswordHash,
  unmatchableHash,
  verifyPassword,
} from '../../src/lib/auth/password-hash';

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
const phcWith = (params: string, saltBytes = 16, hashBytes = 32) =>
  `$scrypt$${params}$${b64(randomBytes(saltBytes))}$${b64(randomBytes(hashBytes))}`;

const password = `pw-${randomBytes(6).toString('hex')}:with colon`;
let phc: string;

beforeAll(async () => {
  phc = await hashPassword(password);
});

describe('hashPassword and verifyPassword', () => {
  it('writes the PHC format $scrypt$ln=15,r=8,p=3$<salt>$<hash> with a 16-byte salt and 32-byte hash', () => {
    expect(phc).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parsePasswordHash(phc);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ ln: 15, r: 8, p: 3 });
  });

  it('stores the scrypt output an independent computation gives for the same salt', () => {
    const parsed = parsePasswordHash(phc);
    const expected = scryptSync(Buffer.from(password, 'utf8'), parsed.salt, 32, { N: 2 ** 15, r: 8, p: 3, maxmem: 64 * 1024 * 1024 });
    expect(parsed.hash.equals(expected)).toBe(true);
  });

  it('uses a fresh salt each time, so equal passwords give different hashes', async () => {
    const again = await hashPassword(password);
    expect(again).not.toBe(phc);
    expect(parsePasswordHash(again).salt.equals(parsePasswordHash(phc).salt)).toBe(false);
  });

  it('verifies the right password', async () => {
    await expect(verifyPassword(password, parsePasswordHash(phc))).resolves.toBe(true);
  });

  it.each([
    ['a different password', () => 'something else entirely'],
    ['the last character changed', () => `${password.slice(0, -1)}${password.endsWith('n') ? 'm' : 'n'}`],
    ['one character missing', () => password.slice(0, -1)],
    ['one character added', () => `${password}x`],
    ['the case of one letter flipped', () => password.replace('p', 'P')],
    ['the empty password', () => ''],
  ])('refuses %s', async (_what, make) => {
    const candidate = make();
    expect(candidate).not.toBe(password);
    await expect(verifyPassword(candidate, parsePasswordHash(phc))).resolves.toBe(false);
  });

  it('verifies NFC-equivalent passwords both ways (composed hash, decomposed attempt and back)', async () => {
    const composed = await hashPassword('caf\u00e9-cr\u00e8me');
    await expect(verifyPassword('cafe\u0301-cre\u0300me', parsePasswordHash(composed))).resolves.toBe(true);
    const decomposed = await hashPassword('cafe\u0301-cre\u0300me');
    await expect(verifyPassword('caf\u00e9-cr\u00e8me', parsePasswordHash(decomposed))).resolves.toBe(true);
  });

  it('refuses to hash with parameters below the minimum', async () => {
    await expect(hashPassword('x', { ln: 14, r: 8, p: 1 })).rejects.toBeInstanceOf(PasswordHashFormatError);
  });

  it('never verifies anything against the unmatchable hash, which keeps the given cost', async () => {
    const hash = unmatchableHash({ ln: 15, r: 8, p: 3 });
    expect(hash).toMatchObject({ ln: 15, r: 8, p: 3 });
    expect(hash.salt).toHaveLength(16);
    expect(hash.hash).toHaveLength(32);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
    expect(unmatchableHash(DEFAULT_SCRYPT_PARAMS).hash.equals(hash.hash)).toBe(false);
  });
});

describe('parsePasswordHash', () => {
  it('reads parameters, salt and hash', () => {
    const salt = randomBytes(16);
    const hash = randomBytes(32);
    expect(parsePasswordHash(`$scrypt$ln=16,r=8,p=2$${b64(salt)}$${b64(hash)}`)).toEqual({ ln: 16, r: 8, p: 2, salt, hash });
  });

  it.each([
    ['an empty string', ''],
    ['a plaintext password', 'hunter2'],
    ['a missing hash part', `$scrypt$ln=15,r=8,p=3$${b64(randomBytes(16))}`],
    ['another algorithm', `$argon2id$v=19$m=65536,t=3,p=4$${b64(randomBytes(16))}$${b64(randomBytes(32))}`],
    ['parameters in another order', phcWith('r=8,ln=15,p=3')],
    ['a missing parameter', phcWith('ln=15,r=8')],
    ['base64 padding', `$scrypt$ln=15,r=8,p=3$${randomBytes(16).toString('base64')}$${b64(randomBytes(32))}`],
    ['base64url characters', `$scrypt$ln=15,r=8,p=3$${'_-'.repeat(11)}$${b64(randomBytes(32))}`],
    ['trailing white space', `${phcWith('ln=15,r=8,p=3')} `],
    ['a salt shorter than 16 bytes', phcWith('ln=15,r=8,p=3', 15)],
    ['a hash shorter than 32 bytes', phcWith('ln=15,r=8,p=3', 16, 31)],
    ['a hash longer than 64 bytes', phcWith('ln=15,r=8,p=3', 16, 65)],
    ['weak parameters ln=14,r=8,p=1', phcWith('ln=14,r=8,p=1')],
    ['weak parameters ln=15,r=8,p=2', phcWith('ln=15,r=8,p=2')],
    ['a cost table gap ln=12', phcWith('ln=12,r=8,p=16')],
    ['a block size below 8', phcWith('ln=17,r=4,p=1')],
    ['too costly parameters ln=18,r=8', phcWith('ln=18,r=8,p=1')],
    ['too costly parameters ln=17,r=16', phcWith('ln=17,r=16,p=1')],
    ['128 MiB a check (ln=17,r=8,p=1): more memory than a public endpoint can afford', phcWith('ln=17,r=8,p=1')],
    ['more than 8 times the default work (ln=16,r=8,p=13)', phcWith('ln=16,r=8,p=13')],
    ['more than 16-way parallelism', phcWith('ln=15,r=8,p=17')],
  ])('refuses %s with a PasswordHashFormatError', (_what, value) => {
    expect(() => parsePasswordHash(value)).toThrow(PasswordHashFormatError);
  });

  it('explains weak and costly parameters differently', () => {
    expect(() => parsePasswordHash(phcWith('ln=14,r=8,p=1'))).toThrow(/below the OWASP minimum/);
    expect(() => parsePasswordHash(phcWith('ln=18,r=8,p=1'))).toThrow(/too costly/);
  });

  it('accepts each OWASP-equivalent setting up to the 64 MiB and 8-times-the-work ceilings', () => {
    for (const params of ['ln=13,r=8,p=10', 'ln=14,r=8,p=5', 'ln=15,r=8,p=3', 'ln=16,r=8,p=2', 'ln=16,r=8,p=12', 'ln=15,r=8,p=16']) {
      expect(() => parsePasswordHash(phcWith(params))).not.toThrow();
    }
    expect(() => parsePasswordHash(phcWith('ln=15,r=8,p=3', 16, 64))).not.toThrow();
  });

  it('assertAcceptableParams agrees with the parser', () => {
    expect(() => assertAcceptableParams({ ln: 15, r: 8, p: 3 })).not.toThrow();
    expect(() => assertAcceptableParams({ ln: 14, r: 8, p: 4 })).toThrow(PasswordHashFormatError);
    expect(() => assertAcceptableParams({ ln: 18, r: 8, p: 1 })).toThrow(PasswordHashFormatError);
  });
});
