/** Text helpers shared by settings, request fields, identities and passwords. */

/**
 * U+FFFD is what the runtime's decoder puts where a body had invalid UTF-8: such text was not what the
 * client meant, so it is refused rather than minted into a token or compared with a password.
 * @example hasReplacementCharacter('caf\uFFFD') // true
 */
export function hasReplacementCharacter(text: string): boolean {
  return text.includes('\uFFFD');
}

/**
 * C0 and C1 control characters, NUL included. scrypt hashes a password as an HMAC key, and HMAC pads
 * short keys with zero bytes, so `pw` and `pw\0` would derive the same hash: passwords with control
 * characters are refused when hashed and never match at sign-in.
 * @example hasControlCharacter('pw\u0000') // true
 */
export function hasControlCharacter(text: string): boolean {
  return /\p{Cc}/u.test(text);
}

/**
 * Splits a setting that lists items with commas and/or whitespace, dropping empty items.
 * @example splitList(' a,b  c\n,,d ') // ['a', 'b', 'c', 'd']
 */
export function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((item) => item.length > 0);
}
