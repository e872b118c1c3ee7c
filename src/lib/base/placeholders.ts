/**
 * Values that are obviously not real: the shapes sample configurations, tutorials and `npm start`'s development
 * .env use in place of Twilio credentials. Tokens signed with them decode, but Twilio refuses them.
 */

/** Each shape, with why it is one; a real SID (hex) or API key secret (32 random characters) matches none. */
const PLACEHOLDER_SHAPES: readonly RegExp[] = [
  // A SID prefix (or nothing) followed by one character repeated: AC000…0, ACxxxxxxxx…, SKXXXXXXXX…
  /^(?:[A-Z]{2})?(.)\1{7,}$/i,
  // A run of x's anywhere: your_api_key_secret_goes_here_xxxxxxxx. Six in a row occur in a random 32-character secret
  // about once in 30 million.
  /x{6,}/i,
  // Instructions left in place: your_account_sid, YOUR-API-KEY, …_goes_here, <your secret>, {{API_KEY}}, changeme.
  /^your[_\- ]/i,
  /goes[_\- ]?here/i,
  /[_\- ]here$/i,
  /^<.*>$/,
  /^\{\{.*\}\}$/,
  /change[_\- ]?me|replace[_\- ]?me|placeholder/i,
  // Elided: AC…, SK...
  /\.\.\.|…/,
];

/**
 * @example looksLikePlaceholder(`AC${'x'.repeat(32)}`) // true
 * @example looksLikePlaceholder('your_api_key_secret_goes_here') // true
 */
export function looksLikePlaceholder(value: string): boolean {
  const trimmed = value.trim();
  return trimmed !== '' && PLACEHOLDER_SHAPES.some((shape) => shape.test(trimmed));
}
