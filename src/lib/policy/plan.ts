/** The plan: which grants, room, lifetime and identity a token gets, given the configuration, the request and the policy. */
import type { TokenPlan } from '../token/access-token';
import type { TokenSettings } from '../token/settings';
import { TTL_FLOOR_SECONDS } from '../token/limits';
import { ServiceError } from '../base/errors';
import { validateIdentity } from '../token/identity';
import { matchesRoomPattern } from './room-pattern';
import type { PolicyLimits } from './types';
import type { TokenRequestFields } from '../token/request';

/** Clamps a requested lifetime into [60, max] seconds; no request means the configured default. */
export function clampTtl(requested: number | undefined, defaultTtl: number, maxTtl: number): number {
  if (requested === undefined) return defaultTtl;
  return Math.min(Math.max(requested, TTL_FLOOR_SECONDS), maxTtl);
}

/** A rule's only room, when it names exactly one without `*`: the room a request without one gets. */
function onlyRoom(rooms: readonly string[] | undefined): string | undefined {
  return rooms?.length === 1 && !rooms[0]!.includes('*') ? rooms[0] : undefined;
}

/**
 * Decides what the token carries, or throws 400/403. The global configuration is checked first, then
 * the policy rule's limits (which can only narrow it).
 * @example planToken(config, 'alice', { grants: ['video'], room: 'standup' }, { rule: 'rules[0]', rooms: ['standup'] })
 */
export function planToken(config: TokenSettings, identity: string, fields: TokenRequestFields, limits?: PolicyLimits): TokenPlan {
  const enabled = config.grants.enabled;
  const allowedByPolicy = limits?.grants;
  const grants = fields.grants ?? (allowedByPolicy ? enabled.filter((grant) => allowedByPolicy.includes(grant)) : enabled);
  const refused = grants.filter((grant) => !enabled.includes(grant));
  if (refused.length > 0) {
    throw new ServiceError('grant_not_allowed', `this service does not issue the ${refused.join(', ')} grant`);
  }
  const refusedByPolicy = allowedByPolicy ? grants.filter((grant) => !allowedByPolicy.includes(grant)) : [];
  if (refusedByPolicy.length > 0) {
    throw new ServiceError('policy_grant_denied', `policy rule ${limits!.rule} does not allow the ${refusedByPolicy.join(', ')} grant`);
  }
  const pinnedRoom = config.grants.videoRoom;
  if (fields.room !== undefined) {
    if (!grants.includes('video')) throw new ServiceError('invalid_room', 'room applies only to the video grant');
    if (pinnedRoom !== undefined && fields.room !== pinnedRoom) {
      throw new ServiceError('room_not_allowed', 'this service issues video tokens for one room only; omit room');
    }
  }
  const allowedRooms = limits?.rooms;
  const room = grants.includes('video') ? (fields.room ?? pinnedRoom ?? onlyRoom(allowedRooms)) : undefined;
  if (allowedRooms && grants.includes('video')) {
    // A video token without a room opens every room, which a rule with rooms does not allow.
    if (room === undefined)
      throw new ServiceError('policy_room_denied', `policy rule ${limits!.rule} allows only some rooms; name one in room`);
    const candidate = room;
    if (!allowedRooms.some((pattern) => matchesRoomPattern(pattern, candidate))) {
      throw new ServiceError('policy_room_denied', `policy rule ${limits!.rule} does not allow this room`);
    }
  }
  const maxTtl = Math.min(config.maxTtl, limits?.maxTtl ?? config.maxTtl);
  const voiceIncoming = limits?.voiceIncoming === false && grants.includes('voice') ? false : undefined;
  return {
    identity: validateIdentity(identity, grants),
    grants,
    ...(room !== undefined && { room }),
    ttl: clampTtl(fields.ttl, Math.min(config.defaultTtl, maxTtl), maxTtl),
    ...(voiceIncoming !== undefined && { voiceIncoming }),
  };
}
