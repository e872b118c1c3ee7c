/** Reads the fields of a token request (JSON body, form body, or the query string of a body-less request) into checked values. */
import { MAX_ROOM_NAME_LENGTH, isValidRoomName } from './limits';
import { ServiceError, type ErrorCode } from '../base/errors';
import { GRANT_NAMES, isGrantName, type GrantName } from './grant-names';
import { hasReplacementCharacter } from '../base/text';

/** `none`: no body, so every field came from the query string (Functions merge both into the event). */
export type BodyKind = 'json' | 'form' | 'none';

export interface TokenRequestFields {
  readonly identity?: string;
  readonly grants?: readonly GrantName[];
  readonly room?: string;
  /** As asked for; the policy clamps it. */
  readonly ttl?: number;
  /** The tutorial's body shape, checked exactly like Basic credentials. */
  readonly username?: string;
  readonly password?: string;
  /** A bearer credential in the body (RFC 6750 §2.2): a shared secret or an identity-provider JWT. */
  readonly accessToken?: string;
}

const MAX_FIELD_LENGTH = 1024;
/** Identity-provider JWTs can be long (many claims); a shared secret is 43 characters. */
const MAX_ACCESS_TOKEN_LENGTH = 8192;
const MAX_REQUESTED_TTL = 2_147_483_647;

/**
 * Field names that would carry a credential. They are never read from a URL: query strings end up in
 * proxy, server and browser logs. Compared case-insensitively.
 */
export const CREDENTIAL_FIELD_NAMES: readonly string[] = [
  'username',
  'user',
  'password',
  'pass',
  'passwd',
  'pwd',
  'passcode',
  'secret',
  'shared_secret',
  'client_secret',
  'token',
  'access_token',
  'id_token',
  'jwt',
  'bearer',
  'authorization',
  'auth',
  'api_key',
  'apikey',
  'credentials',
];

/** `notUtf8Code`: the code for text that held invalid UTF-8, when the field has a code of its own. */
function optionalString(
  body: Readonly<Record<string, unknown>>,
  name: string,
  { maxLength = MAX_FIELD_LENGTH, notUtf8Code = 'invalid_request' }: { maxLength?: number; notUtf8Code?: ErrorCode } = {},
): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ServiceError('invalid_request', `${name} must be a string`);
  if (value.length > maxLength) throw new ServiceError('invalid_request', `${name} is too long`);
  // The runtime decodes invalid UTF-8 as U+FFFD: refuse it rather than mint or compare a mangled value.
  if (hasReplacementCharacter(value)) throw new ServiceError(notUtf8Code, `${name} is not valid UTF-8 text`);
  return value;
}

function readGrants(value: unknown): GrantName[] | undefined {
  if (value === undefined) return undefined;
  // JSON sends an array; forms send "video,chat" or repeat the field (which arrives as an array).
  const items = typeof value === 'string' ? value.split(',').map((part) => part.trim()) : value;
  if (!Array.isArray(items) || items.length === 0 || items.length > 16 || !items.every((item) => typeof item === 'string')) {
    throw new ServiceError('invalid_grants', 'grants must be a non-empty list of grant names');
  }
  const grants: GrantName[] = [];
  for (const item of items as string[]) {
    if (!isGrantName(item)) throw new ServiceError('invalid_grants', `grants may only contain ${GRANT_NAMES.join(', ')}`);
    if (grants.includes(item)) throw new ServiceError('invalid_grants', `grants lists ${item} more than once`);
    grants.push(item);
  }
  return grants;
}

function readTtl(value: unknown, kind: BodyKind): number | undefined {
  if (value === undefined) return undefined;
  // JSON keeps types, so a number is required there; form and query values always arrive as strings.
  const seconds = kind !== 'json' && typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_REQUESTED_TTL) {
    throw new ServiceError('invalid_ttl', 'ttl must be a positive whole number of seconds');
  }
  return seconds;
}

function readRoom(body: Readonly<Record<string, unknown>>): string | undefined {
  const room = optionalString(body, 'room', { notUtf8Code: 'invalid_room' });
  if (room !== undefined && !isValidRoomName(room)) {
    throw new ServiceError('invalid_room', `room must be 1 to ${MAX_ROOM_NAME_LENGTH} characters without control characters`);
  }
  return room;
}

const credentialFieldsIn = (fields: Readonly<Record<string, unknown>>): string[] =>
  Object.keys(fields).filter((name) => CREDENTIAL_FIELD_NAMES.includes(name.toLowerCase()));

function refuseCredentialsInUrl(named: readonly string[]): never {
  throw new ServiceError(
    'invalid_request',
    `credentials are never accepted in the URL (found ${named.map((name) => JSON.stringify(name)).join(', ')}): ` +
      'send them in the Authorization header or a JSON body, and treat any secret that was in a URL as leaked',
  );
}

/**
 * The fewest bytes a body holding these fields can have: JSON.stringify is the shortest JSON for each key
 * and value, and a form needs at least one byte per byte of key and value, plus `=` and `&`.
 */
function leastBodyBytes(fields: Readonly<Record<string, unknown>>, names: readonly string[], kind: 'json' | 'form'): number {
  const size = (value: unknown) => Buffer.byteLength(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''), 'utf8');
  if (kind === 'json') {
    return (
      2 + names.reduce((total, name, i) => total + (i > 0 ? 1 : 0) + size(JSON.stringify(name)) + 1 + size(JSON.stringify(fields[name])), 0)
    );
  }
  return names.reduce((total, name, i) => {
    const values: unknown[] = Array.isArray(fields[name]) ? (fields[name] as unknown[]) : [fields[name]];
    return total + (i > 0 ? 1 : 0) + values.reduce<number>((sum, value, j) => sum + (j > 0 ? 1 : 0) + size(name) + 1 + size(value), 0);
  }, 0);
}

/**
 * Functions merge query and body fields into one event, so where a credential field came from is not
 * given. A body-less request carries only query fields: any credential there is refused. With a body,
 * a credential that cannot fit in the declared Content-Length came from the query string: refused too.
 * A body of unknown length (chunked; the runtime drops Transfer-Encoding) bounds nothing, so credential
 * fields beside it are refused as well. Credentials in the URL beside a body large enough to have held them
 * cannot be told from credentials in that body (SECURITY.md says so).
 */
function refuseCredentialsOutsideBody(
  fields: Readonly<Record<string, unknown>>,
  kind: BodyKind,
  declaredBodyBytes: number | undefined,
): void {
  const named = credentialFieldsIn(fields);
  if (named.length === 0) return;
  if (kind === 'none') refuseCredentialsInUrl(named);
  if (declaredBodyBytes === undefined) {
    throw new ServiceError(
      'invalid_request',
      'credentials in the body need a Content-Length (a chunked body cannot show they were not in the URL): ' +
        'send the body with its length, or the credentials in the Authorization header',
    );
  }
  if (leastBodyBytes(fields, named, kind) > declaredBodyBytes) refuseCredentialsInUrl(named);
}

/**
 * Checks the fields the service understands and ignores the rest. `declaredBodyBytes` is the request's
 * Content-Length; leave it out when the body has none (chunked), and credential fields are refused.
 * @example parseTokenRequestFields({ identity: 'alice', ttl: 600 }, 'json') // { identity: 'alice', ttl: 600 }
 */
export function parseTokenRequestFields(
  body: Readonly<Record<string, unknown>>,
  kind: BodyKind,
  declaredBodyBytes?: number,
): TokenRequestFields {
  refuseCredentialsOutsideBody(body, kind, declaredBodyBytes);
  const identity = optionalString(body, 'identity', { notUtf8Code: 'invalid_identity' });
  const username = optionalString(body, 'username');
  const password = optionalString(body, 'password');
  const accessToken = optionalString(body, 'access_token', { maxLength: MAX_ACCESS_TOKEN_LENGTH });
  const grants = readGrants(body['grants']);
  const room = readRoom(body);
  const ttl = readTtl(body['ttl'], kind);
  // Assigned one by one rather than spread from seven temporary objects: every request reads its fields (issue 23).
  const fields: { -readonly [K in keyof TokenRequestFields]: TokenRequestFields[K] } = {};
  if (identity !== undefined) fields.identity = identity;
  if (grants !== undefined) fields.grants = grants;
  if (room !== undefined) fields.room = room;
  if (ttl !== undefined) fields.ttl = ttl;
  if (username !== undefined) fields.username = username;
  if (password !== undefined) fields.password = password;
  if (accessToken !== undefined) fields.accessToken = accessToken;
  return fields;
}
