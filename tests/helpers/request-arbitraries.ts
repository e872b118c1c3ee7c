/**
 * fast-check generators of token requests (hostile, malformed and valid), shared by the in-process
 * properties and the sample sent through twilio-run, plus near misses of real secrets.
 */
import { parse as parseForm } from 'node:querystring';
import fc from 'fast-check';
import type { TestCredentials } from './fixtures';

/** A request as it goes over HTTP; `valid` says whether it carries a credential that should pass. */
export interface GeneratedRequest {
  readonly headers: Record<string, string | string[]>;
  readonly body:
    { readonly kind: 'json'; readonly text: string } | { readonly kind: 'form'; readonly text: string } | { readonly kind: 'none' };
  readonly valid: boolean;
}

const TOKEN68 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';

/** Strings Node's HTTP client accepts as a header value. */
const headerText = fc.string({
  maxLength: 60,
  unit: fc.oneof(
    fc.constantFrom(...TOKEN68, ' ', ':', '=', '\t', '"', ','),
    fc.integer({ min: 0x20, max: 0xfe }).map((c) => String.fromCharCode(c === 0x7f ? 0xff : c)),
  ),
});

/**
 * Near misses of a secret: one character changed, truncated, extended, one letter's case flipped,
 * or a mix; never equal to the secret, not even after NFC normalisation.
 */
export function nearMiss(secret: string, alphabet: string = TOKEN68): fc.Arbitrary<string> {
  const char = fc.constantFrom(...alphabet);
  const index = fc.nat({ max: secret.length - 1 });
  const changed = fc.tuple(index, char).map(([i, c]) => secret.slice(0, i) + c + secret.slice(i + 1));
  const truncated = fc.oneof(
    fc.integer({ min: 1, max: secret.length }).map((n) => secret.slice(0, secret.length - n)),
    fc.integer({ min: 1, max: secret.length }).map((n) => secret.slice(n)),
  );
  const extended = fc.oneof(
    fc.string({ minLength: 1, maxLength: 4, unit: char }).map((s) => secret + s),
    fc.string({ minLength: 1, maxLength: 4, unit: char }).map((s) => s + secret),
    fc.tuple(index, char).map(([i, c]) => secret.slice(0, i) + c + secret.slice(i)),
  );
  const letters = [...secret].flatMap((c, i) => (c.toLowerCase() !== c.toUpperCase() ? [i] : []));
  const caseFlipped = fc.constantFrom(...(letters.length > 0 ? letters : [0])).map((i) => {
    const c = secret[i]!;
    const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
    return secret.slice(0, i) + flipped + secret.slice(i + 1);
  });
  const single = fc.oneof(changed, truncated, extended, caseFlipped);
  return fc
    .oneof(
      { weight: 4, arbitrary: single },
      { weight: 1, arbitrary: fc.tuple(single, single).map(([a, b]) => a.slice(0, a.length >> 1) + b.slice(b.length >> 1)) },
    )
    .filter((candidate) => candidate.normalize('NFC') !== secret.normalize('NFC'));
}

export const basicValue = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/**
 * Any request: a random or real or nearly-real Authorization header, content type, origin and body.
 * Valid Basic credentials are only ever those of `cachedUser`, whose password the caller has already
 * verified once (so the property never waits for scrypt); random Basic names go to the throttle.
 */
export function anyRequest(credentials: TestCredentials, cachedUser: string, allowedOrigin: string): fc.Arbitrary<GeneratedRequest> {
  const password = credentials.passwords[cachedUser]!;
  type AuthorizationChoice = { value?: string | string[]; valid: boolean };
  const authorization: fc.Arbitrary<AuthorizationChoice> = fc.oneof(
    fc.constant<AuthorizationChoice>({ valid: false }),
    fc.constant({ value: `Bearer ${credentials.sharedSecret}`, valid: true }),
    fc.constant({ value: basicValue(cachedUser, password), valid: true }),
    nearMiss(credentials.sharedSecret).map((secret) => ({ value: `Bearer ${secret}`, valid: false })),
    nearMiss(password, `${TOKEN68}:é`).map((guess) => ({ value: basicValue(cachedUser, guess), valid: false })),
    fc
      .tuple(fc.constantFrom('Basic', 'Bearer', 'basic', 'BEARER', 'Digest', ''), headerText)
      .map(([scheme, rest]) => ({ value: `${scheme} ${rest}`, valid: false })),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ value: `Basic ${Buffer.from(bytes).toString('base64')}`, valid: false })),
    fc.constant({ value: credentials.sharedSecret, valid: false }),
    fc.constant({ value: credentials.apiKeySecret, valid: false }),
    fc.constant<AuthorizationChoice>({ value: [`Bearer ${credentials.sharedSecret}`, `Bearer ${credentials.sharedSecret}`], valid: false }),
  );
  const contentType = fc.oneof(
    fc.constant<string | undefined>('application/json'),
    fc.constant('application/x-www-form-urlencoded'),
    fc.constant('application/json; charset=utf-8'),
    fc.constant('text/plain'),
    fc.constant(undefined),
    headerText.filter((text) => !/^\s*application\/(json|x-www-form-urlencoded)/i.test(text)),
  );
  const origin = fc.oneof(
    { weight: 4, arbitrary: fc.constant<string | string[] | undefined>(undefined) },
    fc.constant(allowedOrigin),
    fc.constant('null'),
    fc.constant('https://evil.example'),
    headerText,
    fc.constant<string[]>([allowedOrigin, allowedOrigin]),
  );
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ maxLength: 20, unit: 'binary' }),
    fc.constantFrom('video', 'chat', 'voice', 'video,chat', '600', '-1', 'alice', 'Ada Lovelace'),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, true, [], {}),
    fc.array(fc.constantFrom('video', 'chat', 'sync', 'fax', 1), { maxLength: 5 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const fieldName = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('identity', 'grants', 'ttl', 'room', 'username', 'password', 'access_token') },
    fc.constantFrom('request', '__proto__', 'constructor'),
    fc.string({ maxLength: 8 }),
  );
  const fields = fc.dictionary(fieldName, fieldValue, { maxKeys: 5 });
  return fc
    .record({ authorization, contentType, origin, fields, asForm: fc.boolean(), fetchMode: fc.boolean() })
    .map(({ authorization, contentType, origin, fields, asForm, fetchMode }) => {
      const headers: Record<string, string | string[]> = {};
      if (authorization.value !== undefined) headers['authorization'] = authorization.value;
      if (origin !== undefined) headers['origin'] = origin;
      if (fetchMode) headers['sec-fetch-mode'] = 'cors';
      let body: GeneratedRequest['body'] = { kind: 'none' };
      if (contentType !== undefined) {
        headers['content-type'] = contentType;
        const declared = contentType.split(';')[0]!.trim().toLowerCase();
        // The declared type decides how the runtime parses; other types carry either body, unparsed.
        const form = declared === 'application/x-www-form-urlencoded' || (declared !== 'application/json' && asForm);
        body = form
          ? {
              kind: 'form',
              text: new URLSearchParams(
                Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : String(JSON.stringify(v))]),
              ).toString(),
            }
          : { kind: 'json', text: JSON.stringify(fields) };
      }
      // Valid credentials only count when nothing else can legitimately refuse them (checked by the property).
      return { headers, body, valid: authorization.valid };
    });
}

/**
 * What twilio-run's body parsers (json, and urlencoded with extended: false) turn a body into, for
 * in-process calls. Only bodies those parsers accept are generated (objects, flat forms).
 */
export function parsedFields(request: GeneratedRequest): Record<string, unknown> {
  const contentType = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (request.body.kind === 'none') return {};
  if (contentType === 'application/json') return { ...(JSON.parse(request.body.text) as Record<string, unknown>) };
  if (contentType === 'application/x-www-form-urlencoded') return { ...parseForm(request.body.text) };
  return {};
}

/** Node's HTTP parser drops the blanks around a field value (RFC 9110 §5.5), so the function never sees them. */
const trimmedLikeNode = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/** Headers as the runtime gives them to the function: lower-case names, values trimmed, plus content-length for a body. */
export function runtimeHeaders(request: GeneratedRequest): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(trimmedLikeNode) : trimmedLikeNode(value),
    ]),
  );
  if (request.body.kind !== 'none') headers['content-length'] = String(Buffer.byteLength(request.body.text));
  return headers;
}
