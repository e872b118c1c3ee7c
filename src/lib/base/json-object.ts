/** The one test for "a JSON object" (not null, not an array) shared by the parsers of JSON documents. */

/**
 * True for a parsed JSON object, false for null, arrays and every other value.
 * @example isJsonObject(JSON.parse('{"rules":[]}')) // true; isJsonObject(JSON.parse('[]')) // false
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
