/** clampTtl and planToken: lifetime clamping, grants the service does not issue, room pinning, identity per grant. */
import type { Environment } from '../../src/lib/base/settings-reader';
import { parseConfig, type ServiceConfig } from '../../src/lib/config/service-config';
import { clampTtl, planToken } from '../../src/lib/policy/plan';
import { newCredentials, newSid } from '../helpers/fixtures';
import { expectServiceError } from '../helpers/service-error';

function configWith(overrides: Environment = {}): ServiceConfig {
  const credentials = newCredentials([]);
  const result = parseConfig({
    TWILIO_ACCOUNT_SID: credentials.accountSid,
    TWILIO_API_KEY_SID: credentials.apiKeySid,
    TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
    AUTH_SHARED_SECRETS: credentials.sharedSecret,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

describe('clampTtl', () => {
  it('returns the default when no ttl is asked for', () => {
    expect(clampTtl(undefined, 1800, 3600)).toBe(1800);
  });

  it('raises a ttl below the floor to 60 seconds', () => {
    expect(clampTtl(1, 1800, 3600)).toBe(60);
    expect(clampTtl(59, 1800, 3600)).toBe(60);
  });

  it('lowers a ttl above the maximum to the maximum', () => {
    expect(clampTtl(3601, 1800, 3600)).toBe(3600);
    expect(clampTtl(2_147_483_647, 1800, 86400)).toBe(86400);
  });

  it('keeps a ttl inside the range', () => {
    expect(clampTtl(60, 1800, 3600)).toBe(60);
    expect(clampTtl(900, 1800, 3600)).toBe(900);
    expect(clampTtl(3600, 1800, 3600)).toBe(3600);
  });
});

describe('planToken', () => {
  const all = () =>
    configWith({
      TOKEN_GRANTS: 'video,voice,chat,sync',
      VOICE_INCOMING_ALLOW: 'true',
      CONVERSATIONS_SERVICE_SID: newSid('IS'),
      TOKEN_TTL: '1200',
      TOKEN_MAX_TTL: '7200',
    });

  it('gives every configured grant, the default ttl and no room when the request asks for nothing', () => {
    expect(planToken(all(), 'alice', {})).toEqual({ identity: 'alice', grants: ['video', 'voice', 'chat', 'sync'], ttl: 1200 });
  });

  it('gives only the grants asked for, in the order asked', () => {
    expect(planToken(all(), 'alice', { grants: ['sync', 'chat'] })).toEqual({ identity: 'alice', grants: ['sync', 'chat'], ttl: 1200 });
  });

  it('clamps the requested ttl to the configured maximum and the floor', () => {
    expect(planToken(all(), 'alice', { ttl: 100_000 }).ttl).toBe(7200);
    expect(planToken(all(), 'alice', { ttl: 5 }).ttl).toBe(60);
  });

  it('refuses grants the service is not configured to issue, naming them', () => {
    const videoOnly = configWith();
    const error = expectServiceError(() => planToken(videoOnly, 'alice', { grants: ['video', 'chat', 'sync'] }), 'grant_not_allowed');
    expect(error.message).toBe('this service does not issue the chat, sync grant');
  });

  it('passes the requested room through with the video grant', () => {
    expect(planToken(configWith(), 'alice', { room: 'standup' })).toEqual({
      identity: 'alice',
      grants: ['video'],
      room: 'standup',
      ttl: 3600,
    });
  });

  it('refuses a room when the token carries no video grant', () => {
    const error = expectServiceError(() => planToken(all(), 'alice', { grants: ['chat'], room: 'standup' }), 'invalid_room');
    expect(error.message).toBe('room applies only to the video grant');
  });

  describe('with VIDEO_ROOM pinned', () => {
    const pinned = () => configWith({ VIDEO_ROOM: 'standup', TOKEN_GRANTS: 'video,sync' });

    it('puts the pinned room in video tokens that ask for no room', () => {
      expect(planToken(pinned(), 'alice', {}).room).toBe('standup');
    });

    it('accepts a request naming the pinned room', () => {
      expect(planToken(pinned(), 'alice', { room: 'standup' }).room).toBe('standup');
    });

    it('refuses any other room with room_not_allowed', () => {
      expectServiceError(() => planToken(pinned(), 'alice', { room: 'other' }), 'room_not_allowed');
      expectServiceError(() => planToken(pinned(), 'alice', { room: 'Standup' }), 'room_not_allowed');
    });

    it('puts no room in a token without the video grant', () => {
      expect(planToken(pinned(), 'alice', { grants: ['sync'] })).toEqual({ identity: 'alice', grants: ['sync'], ttl: 3600 });
    });
  });

  describe('identity', () => {
    it('returns the identity in NFC form', () => {
      expect(planToken(all(), 'Jose\u0301', {}).identity).toBe('Jos\u00e9');
    });

    it('refuses a 200-byte identity for video but accepts it for chat and sync only', () => {
      const identity = 'z'.repeat(200);
      expectServiceError(() => planToken(all(), identity, {}), 'invalid_identity');
      expect(planToken(all(), identity, { grants: ['chat', 'sync'] }).identity).toBe(identity);
    });

    it('refuses a space in the identity only when the voice grant is included', () => {
      expectServiceError(() => planToken(all(), 'Alice Smith', {}), 'invalid_identity');
      expect(planToken(all(), 'Alice Smith', { grants: ['video', 'chat'] }).identity).toBe('Alice Smith');
    });

    it('checks grants before identity, so a refused grant is reported as such', () => {
      expectServiceError(() => planToken(configWith(), '', { grants: ['voice'] }), 'grant_not_allowed');
    });
  });
});
