/** scrypt password hashes in PHC string form: `$scrypt$ln=15,r=8,p=3$<salt>$<hash>`. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/**
 * OWASP's equivalent scrypt settings (Password Storage Cheat Sheet): for each log2(N), the least p
 * that reaches the recommended cost with r = 8. We use N = 2^15 (32 MiB) and p = 3 by default:
 * the memory fits comfortably in a Function, where 2^17 (128 MiB) would crowd it.
 */
const OWASP_MIN_P_BY_LN: ReadonlyMap<number, number> = new Map([
  [13, 10],
  [14, 5],
  [15, 3],
  [16, 2],
  [17, 1],
]);
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 3 };
const MIN_R = 8;
/**
 * Upper bounds keep checks affordable on a public endpoint: several run at once (libuv's four threads), and every
 * refusal waits as long as the costliest configured check, so one costly hash slows every refusal. 64 MiB a check
 * (ln=16,r=8,p=2 at most): an ln=17 hash (128 MiB) took peak RSS from 239 MB to 629 MB under attack. Work
 * (N·r·p) at most 8× the default's: about 1.2 s of a core where the default takes 0.15 s.
 */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
const MAX_WORK = 8 * scryptWork(DEFAULT_SCRYPT_PARAMS);
const MAX_P = 16;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MIN_SALT_BYTES = 16;
const MIN_HASH_BYTES = 32;

const PHC_PATTERN = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Why a hash string was refused, phrased for the person configuring it. */
export class PasswordHashFormatError extends Error {
  override readonly name = 'PasswordHashFormatError';
}

/**
 * The work of one scrypt run (N · r · p): what the cost ceiling, the strongest configured hash and refusal timing compare.
 * @example scryptWork(DEFAULT_SCRYPT_PARAMS) // 786432 (2^15 · 8 · 3)
 */
export function scryptWork(hash: ScryptParams): number {
  return 2 ** hash.ln * hash.r * hash.p;
}

function memoryBytes(params: ScryptParams): number {
  return 128 * params.r * 2 ** params.ln;
}

/** Throws a PasswordHashFormatError if the parameters are weaker than OWASP's or too costly to run. */
export function assertAcceptableParams(params: ScryptParams): void {
  const minP = params.ln >= 17 ? 1 : OWASP_MIN_P_BY_LN.get(params.ln);
  if (minP === undefined || params.r < MIN_R || params.p < minP) {
    throw new PasswordHashFormatError('scrypt parameters are below the OWASP minimum (for example ln=15,r=8,p=3 or ln=16,r=8,p=2)');
  }
  if (memoryBytes(params) > MAX_MEMORY_BYTES || params.p > MAX_P || scryptWork(params) > MAX_WORK) {
    throw new PasswordHashFormatError(
      'scrypt parameters are too costly to verify on a public endpoint (at most 64 MiB and 8 times the default work; make the hash again with npm run hash-password)',
    );
  }
}

/**
 * Parses and checks a PHC scrypt string.
 * @example parsePasswordHash('$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA$…')
 */
export function parsePasswordHash(phc: string): PasswordHash {
  const match = PHC_PATTERN.exec(phc);
  if (!match) {
    throw new PasswordHashFormatError('expected a scrypt PHC string: $scrypt$ln=<n>,r=<n>,p=<n>$<salt>$<hash>');
  }
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  assertAcceptableParams(params);
  const salt = Buffer.from(match[4]!, 'base64');
  const hash = Buffer.from(match[5]!, 'base64');
  if (salt.length < MIN_SALT_BYTES) throw new PasswordHashFormatError(`the salt must be at least ${MIN_SALT_BYTES} bytes`);
  if (hash.length < MIN_HASH_BYTES || hash.length > 64) {
    throw new PasswordHashFormatError(`the hash must be ${MIN_HASH_BYTES} to 64 bytes`);
  }
  return { ...params, salt, hash };
}

function scryptAsync(password: Buffer, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: 2 * memoryBytes(params) }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    );
  });
}

/** Passwords are compared as NFC-normalised UTF-8, so composed and decomposed accents match. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

/**
 * Hashes a password into a PHC string.
 * @example await hashPassword('correct horse battery staple') // '$scrypt$ln=15,r=8,p=3$…$…'
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  assertAcceptableParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(passwordBytes(password), salt, HASH_BYTES, params);
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * True when the password matches; always does the full scrypt work and compares in constant time.
 * @example await verifyPassword('secret', parsePasswordHash(phc))
 */
export async function verifyPassword(password: string, expected: PasswordHash): Promise<boolean> {
  const derived = await scryptAsync(passwordBytes(password), expected.salt, expected.hash.length, expected);
  return timingSafeEqual(derived, expected.hash);
}

/**
 * A hash no password matches, with the given cost: verifying against it costs the same as a real one,
 * so an unknown user name is not revealed by a faster answer.
 */
export function unmatchableHash(params: ScryptParams): PasswordHash {
  return { ...params, salt: randomBytes(SALT_BYTES), hash: randomBytes(HASH_BYTES) };
}
