/** Reads the optional fields of a token request body (JSON or form) into checked values. */
import { MAX_ROOM_NAME_LENGTH, isValidRoomName } from './limits';
import { ServiceError } from './errors';
import { isGrantName, type GrantName } from './grant-names';

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
}

const MAX_FIELD_LENGTH = 1024;
const MAX_REQUESTED_TTL = 2_147_483_647;

function optionalString(body: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ServiceError('invalid_request', `${name} must be a string`);
  if (value.length > MAX_FIELD_LENGTH) throw new ServiceError('invalid_request', `${name} is too long`);
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
    if (!isGrantName(item)) throw new ServiceError('invalid_grants', 'grants may only contain video, voice, chat or sync');
    if (grants.includes(item)) throw new ServiceError('invalid_grants', `grants lists ${item} more than once`);
    grants.push(item);
  }
  return grants;
}

function readTtl(value: unknown, kind: BodyKind): number | undefined {
  if (value === undefined) return undefined;
  // JSON keeps types, so a number is required there; form values always arrive as strings.
  const seconds = kind === 'form' && typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_REQUESTED_TTL) {
    throw new ServiceError('invalid_ttl', 'ttl must be a positive whole number of seconds');
  }
  return seconds;
}

function readRoom(body: Readonly<Record<string, unknown>>): string | undefined {
  const room = optionalString(body, 'room');
  if (room !== undefined && !isValidRoomName(room)) {
    throw new ServiceError('invalid_room', `room must be 1 to ${MAX_ROOM_NAME_LENGTH} characters without control characters`);
  }
  return room;
}

/**
 * Checks the fields the service understands and ignores the rest.
 * @example parseTokenRequestFields({ identity: 'alice', ttl: 600 }, 'json') // { identity: 'alice', ttl: 600 }
 */
export function parseTokenRequestFields(body: Readonly<Record<string, unknown>>, kind: BodyKind): TokenRequestFields {
  const identity = optionalString(body, 'identity');
  const username = optionalString(body, 'username');
  const password = optionalString(body, 'password');
  if ((username === undefined) !== (password === undefined)) {
    throw new ServiceError('invalid_request', 'username and password must be sent together');
  }
  const grants = readGrants(body['grants']);
  const room = readRoom(body);
  const ttl = readTtl(body['ttl'], kind);
  return {
    ...(identity !== undefined && { identity }),
    ...(grants !== undefined && { grants }),
    ...(room !== undefined && { room }),
    ...(ttl !== undefined && { ttl }),
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
  };
}
