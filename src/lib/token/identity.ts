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
 * Returns the identity in NFC form, or throws 400 invalid_identity explaining which rule it broke.
 * @example validateIdentity('alice', ['video', 'voice']) // 'alice'
 */
export function validateIdentity(raw: string, grants: readonly GrantName[]): string {
  const identity = raw.normalize('NFC');
  if (identity.length === 0) throw new ServiceError('invalid_identity', 'identity must not be empty');
  if (!identity.isWellFormed() || hasReplacementCharacter(identity)) {
    throw new ServiceError('invalid_identity', 'identity must be valid Unicode text (U+FFFD marks bytes that were not UTF-8)');
  }
  if (NEVER_ALLOWED.test(identity)) {
    throw new ServiceError('invalid_identity', 'identity must not contain control or invisible formatting characters');
  }
  if (identity.trim() !== identity) {
    throw new ServiceError('invalid_identity', 'identity must not start or end with white space');
  }
  const bytes = Buffer.byteLength(identity, 'utf8');
  for (const grant of grants) {
    if (bytes > MAX_UTF8_BYTES[grant]) {
      throw new ServiceError(
        'invalid_identity',
        `identity is too long for the ${grant} grant (at most ${MAX_UTF8_BYTES[grant]} bytes of UTF-8)`,
      );
    }
  }
  if (grants.includes('voice') && VOICE_FORBIDDEN.test(identity)) {
    throw new ServiceError('invalid_identity', 'identity for the voice grant must not contain spaces or any of < > # % " { } | \\ ^ [ ] `');
  }
  return identity;
}
