/** Identity rules, as Twilio documents them for each product a token can grant. */
import { ServiceError } from '../base/errors';
import type { GrantName } from './grant-names';
import { hasReplacementCharacter } from '../base/text';

/**
 * Twilio's limits: Video counts at most 128 characters with double-byte characters counted twice
 * (error 53200; we count UTF-8 bytes, which is at least as strict); a Voice client name has at most
 * 256 characters and no control, space, delimiter or "unwise" characters (error 31105);
 * Conversations and Sync identities are at most 256 characters. A TaskRouter identity names a Worker by its
 * FriendlyName, for which no shorter limit is documented, so it gets the same 256.
 */
const MAX_UTF8_BYTES: Record<GrantName, number> = { video: 128, voice: 256, chat: 256, sync: 256, taskrouter: 256 };
/** No grant accepts a longer identity, so no configured Basic user name is longer either. */
export const MAX_IDENTITY_BYTES = Math.max(...Object.values(MAX_UTF8_BYTES));
const VOICE_FORBIDDEN = /[\s<>#%"{}|\\^[\]`]/u;
// Control and format characters (including bidi overrides and zero-width joiners) and lone surrogates.
const NEVER_ALLOWED = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]|\p{Cs}/u;

/**
 * Which identity rule the text breaks, or undefined when it breaks none; the text is taken in NFC form.
 * Configuration (a Basic user name) and requests (400 invalid_identity) share these rules.
 * @example identityProblem(' alice', ['video']) // 'identity must not start or end with white space'
 */
export function identityProblem(raw: string, grants: readonly GrantName[]): string | undefined {
  return problemOfNormalised(raw.normalize('NFC'), grants);
}

/** identityProblem for text already in NFC form. */
function problemOfNormalised(identity: string, grants: readonly GrantName[]): string | undefined {
  if (identity.length === 0) return 'identity must not be empty';
  if (!identity.isWellFormed() || hasReplacementCharacter(identity)) {
    return 'identity must be valid Unicode text (U+FFFD marks bytes that were not UTF-8)';
  }
  if (NEVER_ALLOWED.test(identity)) return 'identity must not contain control or invisible formatting characters';
  if (identity.trim() !== identity) return 'identity must not start or end with white space';
  const bytes = Buffer.byteLength(identity, 'utf8');
  for (const grant of grants) {
    if (bytes > MAX_UTF8_BYTES[grant])
      return `identity is too long for the ${grant} grant (at most ${MAX_UTF8_BYTES[grant]} bytes of UTF-8)`;
  }
  if (grants.includes('voice') && VOICE_FORBIDDEN.test(identity)) {
    return 'identity for the voice grant must not contain spaces or any of < > # % " { } | \\ ^ [ ] `';
  }
  return undefined;
}

/**
 * Returns the identity in NFC form, or throws 400 invalid_identity explaining which rule it broke.
 * @example validateIdentity('alice', ['video', 'voice']) // 'alice'
 */
export function validateIdentity(raw: string, grants: readonly GrantName[]): string {
  const identity = raw.normalize('NFC');
  const problem = problemOfNormalised(identity, grants);
  if (problem !== undefined) throw new ServiceError('invalid_identity', problem);
  return identity;
}
