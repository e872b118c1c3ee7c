/** AUTH_SHARED_SECRETS: parsing, the entropy rule, and constant-time verification. */
import { randomBytes } from 'node:crypto';
import { matchesAnyDigest, secretDigest } from '../base/constant-time';
import { failed, type Checked } from '../base/problems';
import { splitList } from '../base/text';

export const MIN_SECRET_BITS = 128;
const MIN_DISTINCT_CHARACTERS = 12;

/** Digests of the configured secrets; the secrets themselves are not kept. */
export interface SharedSecretSet {
  readonly digests: readonly Buffer[];
}

/**
 * A rough upper bound on a secret's entropy: length × log2(size of the character classes it uses).
 * Generated secrets (`npm run new-secret`) pass easily; words and short strings do not.
 */
export function estimateSecretBits(secret: string): number {
  let alphabet: number;
  if (/^[0-9a-f]+$/.test(secret) || /^[0-9A-F]+$/.test(secret)) {
    alphabet = 16; // hex: four bits a character, however many letters it happens to use
  } else {
    alphabet = 0;
    if (/[a-z]/.test(secret)) alphabet += 26;
    if (/[A-Z]/.test(secret)) alphabet += 26;
    if (/[0-9]/.test(secret)) alphabet += 10;
    if (/[-_+/=]/.test(secret)) alphabet += 4; // base64 and base64url add only these few symbols
    if (/[^a-zA-Z0-9\-_+/=]/.test(secret)) alphabet += 28;
  }
  const bits = secret.length * Math.log2(alphabet);
  // Few distinct characters mean repetition ("abababab…"): count at most 4 bits for each distinct one.
  // The bar is lower for small alphabets: 32 random hex characters use only about 14 of their 16.
  const distinct = new Set(secret).size;
  return distinct < Math.min(MIN_DISTINCT_CHARACTERS, alphabet / 2) ? Math.min(bits, distinct * 4) : bits;
}

/** Splits AUTH_SHARED_SECRETS on commas and whitespace. */
export function splitSecretList(raw: string): string[] {
  return splitList(raw);
}

const SECRETS_FIX = 'generate each secret with npm run new-secret';

/**
 * Checks each secret (AUTH_SHARED_SECRETS) and returns their digests, or why the list was refused (never a value).
 * @example parseSharedSecrets('k3Qf…, Zx9p…') // { ok: true, secrets: { digests: [...] } }
 */
export function parseSharedSecrets(raw: string): Checked<{ secrets: SharedSecretSet }> {
  const refused = (what: string) => failed({ variable: 'AUTH_SHARED_SECRETS', message: `AUTH_SHARED_SECRETS ${what}`, fix: SECRETS_FIX });
  const secrets = splitSecretList(raw);
  if (secrets.length === 0) return refused('is set but holds no secret');
  for (const [index, secret] of secrets.entries()) {
    if (estimateSecretBits(secret) < MIN_SECRET_BITS) {
      return refused(`entry ${index + 1} of ${secrets.length} is too weak (needs at least ${MIN_SECRET_BITS} bits of entropy)`);
    }
  }
  return { ok: true, secrets: { digests: secrets.map((secret) => secretDigest(secret)) } };
}

/** True when the candidate equals one of the secrets; every entry is compared, in constant time. */
export function verifySharedSecret(candidate: string, set: SharedSecretSet): boolean {
  return matchesAnyDigest(candidate, set.digests);
}

/** A new secret with 256 bits of entropy, URL-safe and free of separators. */
export function generateSharedSecret(): string {
  return randomBytes(32).toString('base64url');
}
