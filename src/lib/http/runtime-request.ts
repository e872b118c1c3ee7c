/**
 * Whether the event's `request` is exactly what the Functions runtime builds, and only then its headers.
 *
 * The runtime builds the event as `Object.assign({ request: { headers, cookies } }, query, body)`
 * (@twilio/runtime-handler's constructEvent): a query or body field `request` replaces the runtime's object, and
 * from then on the function sees only what the caller wrote. So nothing is taken on trust: the value must be one
 * the runtime could have built from some HTTP request, checked rule by rule against how it builds one:
 * - exactly the keys `headers` and `cookies`, plain data all the way down, and no key that no parser makes
 *   (`__proto__`, `constructor`, `prototype`), at any depth;
 * - headers as runtime-handler's constructHeaders makes them: lower-case HTTP token names, none it withholds, each
 *   value a string as Node's HTTP parser leaves it (no control characters, no leading or trailing blanks), or a list
 *   of two or more such strings whose first is not empty (a list only ever comes from a repeated header);
 * - cookies exactly what cookie-parser makes of that Cookie header: the same names, the same values.
 * What is left that passes is a copy of a request the runtime could have built (SECURITY.md says why no check inside
 * a Function can tell that copy from the real one).
 */
import { isJsonObject } from '../base/json-object';
import type { RequestHeaders } from './result';

/** Header names runtime-handler never passes to a function (its restricted list; deployed, Twilio strips them too). */
export const WITHHELD_HEADER_NAMES: ReadonlySet<string> = new Set([
  'via',
  'referer',
  'transfer-encoding',
  'proxy-authorization',
  'proxy-authenticate',
  'x-real-ip',
  'connection',
  'proxy-connection',
  'expect',
  'trailer',
  'upgrade',
]);
export const WITHHELD_HEADER_PREFIXES: readonly string[] = ['i-twilio-', 'i-t-', 'ot-', 'x-amz', 'x-forwarded-', 'x-accel-'];

/** RFC 9110 token characters, lower case: the runtime lower-cases every header name. */
const LOWER_CASE_HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Keys JSON.parse can make but no header or cookie parser does, and that change what property lookups find. */
const KEYS_NO_PARSER_MAKES = new Set(['__proto__', 'constructor', 'prototype']);

// Every request runs the checks below (issue 23's hot path): plain loops and precompiled patterns, no per-call arrays.

function isHeaderNameTheRuntimePasses(name: string): boolean {
  if (!LOWER_CASE_HEADER_NAME.test(name) || WITHHELD_HEADER_NAMES.has(name)) return false;
  for (const prefix of WITHHELD_HEADER_PREFIXES) if (name.startsWith(prefix)) return false;
  return true;
}

/** A control character other than tab: Node's HTTP parser refuses them in a field value. */
// eslint-disable-next-line no-control-regex -- finding control characters is its purpose
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;
const isBlank = (code: number) => code === 0x20 || code === 0x09;

/** What Node's HTTP parser leaves of a field value: no control character but tab, no blank at either end. */
function isParsedHeaderValue(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (value.length > 0 && (isBlank(value.charCodeAt(0)) || isBlank(value.charCodeAt(value.length - 1)))) return false;
  return !CONTROL_CHARACTER.test(value);
}

/**
 * Plain data only: objects of Object.prototype or none, arrays, strings and JSON scalars; no hidden or odd key.
 * (Accessors are looked for on the request object itself, in runtimeRequestHeaders: below it, a value is read and
 * checked like any other, and no parser of a query or a body makes one anyway.)
 */
function isPlainData(value: unknown, depth = 0): boolean {
  const type = typeof value;
  if (value === null || type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object' || depth > 32) return false;
  const object = value as Record<string, unknown>;
  const isArray = Array.isArray(object);
  const prototype = Object.getPrototypeOf(object) as unknown;
  if (isArray ? prototype !== Array.prototype : prototype !== Object.prototype && prototype !== null) return false;
  const keys = Object.keys(object);
  // A hidden (non-enumerable) key shows as a difference from all own names (an array's own `length` is the one
  // expected). Symbol keys are left alone: nothing here reads one, and listing them costs five times as much.
  if (keys.length + (isArray ? 1 : 0) !== Object.getOwnPropertyNames(object).length) return false;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    if (KEYS_NO_PARSER_MAKES.has(key) || !isPlainData(object[key], depth + 1)) return false;
  }
  return true;
}

/** Whether a property of the request object is plain data held as such, not computed by a getter. */
const isDataProperty = (object: object, key: string) => {
  const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && 'value' in descriptor;
};

function isRuntimeHeaderMap(headers: unknown): headers is Record<string, string | string[]> {
  if (!isJsonObject(headers)) return false;
  for (const name of Object.keys(headers)) {
    if (!isHeaderNameTheRuntimePasses(name)) return false;
    const value = (headers as Record<string, unknown>)[name];
    if (isParsedHeaderValue(value)) continue;
    // A list grows only onto a non-empty first value: runtime-handler overwrites an empty one (`if (!currentHeader)`).
    if (!Array.isArray(value) || value.length < 2 || value[0] === '' || !value.every(isParsedHeaderValue)) return false;
  }
  return true;
}

/** cookie 0.7's decode: percent-decoding only when there is a `%`, the raw text when it is malformed. */
function decodeCookieValue(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** cookie-parser's JSON cookies: `j:` and JSON text becomes the parsed value, unless that value is falsy. */
function jsonCookieValue(value: string): unknown {
  if (!value.startsWith('j:')) return value;
  try {
    const parsed = JSON.parse(value.slice(2)) as unknown;
    return parsed ? parsed : value;
  } catch {
    return value;
  }
}

const trimBlanks = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');

/**
 * What cookie-parser 1.4 (cookie 0.7's parse, then JSON cookies) makes of a Cookie header, key by key in its order:
 * pairs split at `;`, the first `=` ends the name, blanks trimmed, the first of a repeated name kept, one pair of
 * quotes removed. A `__proto__` name never becomes a key (assigning it to a plain object sets nothing).
 */
function cookiesFromHeader(header: string | readonly string[] | undefined): Record<string, unknown> {
  // Node joins repeated Cookie headers with "; " before cookie-parser reads them.
  const text = typeof header === 'string' ? header : (header ?? []).join('; ');
  const cookies: Record<string, unknown> = {};
  if (text.length < 2) return cookies;
  for (const pair of text.split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1) continue;
    const name = trimBlanks(pair.slice(0, equals));
    if (name === '__proto__' || Object.prototype.hasOwnProperty.call(cookies, name)) continue;
    let value = trimBlanks(pair.slice(equals + 1));
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    else if (value === '"') value = '';
    cookies[name] = jsonCookieValue(decodeCookieValue(value));
  }
  return cookies;
}

/** Same data, same key order: JSON text compares them, and both sides are plain data by now. */
const sameData = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The headers of the runtime's own `request`, or undefined when the value is not one the runtime could have built.
 * @example runtimeRequestHeaders({ headers: { cookie: 'a=1' }, cookies: { a: '1' } }) // { cookie: 'a=1' }
 * @example runtimeRequestHeaders({ headers: { cookie: 'a=1' }, cookies: { a: '2' } }) // undefined
 */
export function runtimeRequestHeaders(value: unknown): RequestHeaders | undefined {
  if (!isJsonObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !keys.includes('headers') || !keys.includes('cookies')) return undefined;
  if (!isDataProperty(value, 'headers') || !isDataProperty(value, 'cookies') || !isPlainData(value)) return undefined;
  const { headers, cookies } = value as { headers: unknown; cookies: unknown };
  if (!isRuntimeHeaderMap(headers) || !isJsonObject(cookies)) return undefined;
  // Most requests carry no cookie: none sent and none claimed needs no parsing.
  if (headers['cookie'] === undefined && Object.keys(cookies).length === 0) return headers;
  return sameData(cookies, cookiesFromHeader(headers['cookie'])) ? headers : undefined;
}
