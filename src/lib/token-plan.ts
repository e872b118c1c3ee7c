/** The policy: which grants, room, lifetime and identity a token gets, given the configuration and request. */
import type { TokenPlan } from './access-token';
import { TTL_FLOOR_SECONDS, type ServiceConfig } from './config';
import { ServiceError } from './errors';
import { validateIdentity } from './identity';
import type { TokenRequestFields } from './token-request';

/** Clamps a requested lifetime into [60, max] seconds; no request means the configured default. */
export function clampTtl(requested: number | undefined, defaultTtl: number, maxTtl: number): number {
  if (requested === undefined) return defaultTtl;
  return Math.min(Math.max(requested, TTL_FLOOR_SECONDS), maxTtl);
}

/**
 * Decides what the token carries, or throws 400/403.
 * @example planToken(config, 'alice', { grants: ['video'], room: 'standup' })
 */
export function planToken(config: ServiceConfig, identity: string, fields: TokenRequestFields): TokenPlan {
  const enabled = config.grants.enabled;
  const grants = fields.grants ?? enabled;
  const refused = grants.filter((grant) => !enabled.includes(grant));
  if (refused.length > 0) {
    throw new ServiceError('grant_not_allowed', `this service does not issue the ${refused.join(', ')} grant`);
  }
  const pinnedRoom = config.grants.videoRoom;
  if (fields.room !== undefined) {
    if (!grants.includes('video')) throw new ServiceError('invalid_room', 'room applies only to the video grant');
    if (pinnedRoom !== undefined && fields.room !== pinnedRoom) {
      throw new ServiceError('room_not_allowed', 'this service issues video tokens for one room only; omit room');
    }
  }
  const room = grants.includes('video') ? (fields.room ?? pinnedRoom) : undefined;
  return {
    identity: validateIdentity(identity, grants),
    grants,
    ...(room !== undefined && { room }),
    ttl: clampTtl(fields.ttl, config.defaultTtl, config.maxTtl),
  };
}
