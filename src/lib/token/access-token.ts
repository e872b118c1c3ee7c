/** Mints Twilio Access Tokens: twilio's AccessToken and grant classes for the claims, a cached HMAC key to sign. */
import { createHmac, type KeyObject } from 'node:crypto';
import type AccessToken = require('twilio/lib/jwt/AccessToken');
import type { GrantSettings, TokenSettings } from './settings';
import type { GrantName } from './grant-names';

let accessTokenModule: typeof AccessToken | undefined;

/**
 * twilio's AccessToken module, loaded on the first token rather than at cold start: it requires
 * jsonwebtoken (about 30 ms to load) although we never sign with it, and a cold instance that only
 * refuses requests need not pay that.
 */
function twilioAccessToken(): typeof AccessToken {
  return (accessTokenModule ??= require('twilio/lib/jwt/AccessToken') as typeof AccessToken);
}

/** What a token is for; decided by the policy before anything is signed. */
export interface TokenPlan {
  readonly identity: string;
  readonly grants: readonly GrantName[];
  /** The video room the token is limited to, if any. */
  readonly room?: string;
  /** Lifetime in seconds, already clamped to the configured bounds. */
  readonly ttl: number;
  /** false when the policy turns incoming calls off for this caller; it can never turn them on. */
  readonly voiceIncoming?: boolean;
  /** The Worker the identity signs in as, looked up in TASKROUTER_WORKSPACE_SID; set whenever grants has taskrouter. */
  readonly taskrouterWorkerSid?: string;
}

/** The only TaskRouter role this service grants: the Worker SDK's own (a supervisor role would be chosen in Flex). */
const TASKROUTER_ROLE = 'worker';

/** The 200 response body. */
export interface IssuedToken {
  readonly token: string;
  readonly identity: string;
  readonly ttl: number;
  /** ISO 8601 instant after which Twilio refuses the token. */
  readonly expiresAt: string;
  readonly grants: readonly GrantName[];
  readonly room?: string;
}

/** twilio's grant object for one product, configured from the settings and the plan. */
function createGrant(name: GrantName, settings: GrantSettings, plan: TokenPlan): AccessToken.Grant<unknown, unknown, string> {
  const { VideoGrant, VoiceGrant, ChatGrant, SyncGrant, TaskRouterGrant } = twilioAccessToken();
  switch (name) {
    case 'video':
      return new VideoGrant(plan.room === undefined ? {} : { room: plan.room });
    case 'voice':
      return new VoiceGrant({
        ...(settings.voiceOutgoingApplicationSid !== undefined && { outgoingApplicationSid: settings.voiceOutgoingApplicationSid }),
        incomingAllow: settings.voiceIncomingAllow && plan.voiceIncoming !== false,
        ...(settings.voicePushCredentialSid !== undefined && { pushCredentialSid: settings.voicePushCredentialSid }),
      });
    case 'chat':
      return new ChatGrant(settings.conversationsServiceSid === undefined ? {} : { serviceSid: settings.conversationsServiceSid });
    case 'sync':
      return new SyncGrant(settings.syncServiceSid === undefined ? {} : { serviceSid: settings.syncServiceSid });
    case 'taskrouter':
      // A TaskRouter grant without its Worker would sign in as nobody (or, in a lax SDK, as anybody): never minted.
      if (settings.taskrouterWorkspaceSid === undefined || plan.taskrouterWorkerSid === undefined) {
        throw new Error('a taskrouter grant needs the workspace and the worker');
      }
      return new TaskRouterGrant({
        workspaceSid: settings.taskrouterWorkspaceSid,
        workerSid: plan.taskrouterWorkerSid,
        role: TASKROUTER_ROLE,
      });
  }
}

/** twilio's AccessToken for the plan (identity in the constructor, as twilio-node 4+ requires). */
function buildAccessToken(config: TokenSettings, plan: TokenPlan): AccessToken {
  const AccessTokenClass = twilioAccessToken();
  const token = new AccessTokenClass(config.accountSid, config.apiKeySid, 'unused: signed by signAccessToken', {
    identity: plan.identity,
    ttl: plan.ttl,
    ...(config.region !== undefined && { region: config.region }),
  });
  for (const name of plan.grants) token.addGrant(createGrant(name, config.grants, plan));
  return token;
}

const base64url = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const encodedHeaders = new Map<string, string>();

/**
 * The same JWS that `AccessToken.toJwt()` produces for the same clock, byte for byte (the
 * equivalence tests hold us to that), without jsonwebtoken's per-call key import, which costs
 * about 300 µs a token. Claims come from the AccessToken and its grants' own `toPayload()`.
 * @example signAccessToken(buildAccessToken(config, plan), config.signingKey, Math.floor(Date.now() / 1000))
 */
function signAccessToken(token: AccessToken, key: KeyObject, nowSeconds: number): string {
  const grants: Record<string, unknown> = { identity: String(token.identity) };
  for (const grant of token.grants) grants[grant.key] = grant.toPayload();
  const payload = {
    jti: `${token.keySid}-${nowSeconds}`,
    grants,
    iat: nowSeconds,
    exp: nowSeconds + (token.ttl ?? 3600),
    iss: token.keySid,
    sub: token.accountSid,
  };
  const region = typeof token.region === 'string' && token.region !== '' ? token.region : '';
  let header = encodedHeaders.get(region);
  if (header === undefined) {
    header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1', ...(region && { twr: region }) }));
    encodedHeaders.set(region, header);
  }
  const signingInput = `${header}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
}

/**
 * Signs a token for the plan and describes it for the response.
 * @example mintAccessToken(config, { identity: 'alice', grants: ['video'], ttl: 3600 }, Date.now())
 */
export function mintAccessToken(config: TokenSettings, plan: TokenPlan, nowMs: number): IssuedToken {
  const nowSeconds = Math.floor(nowMs / 1000);
  const token = signAccessToken(buildAccessToken(config, plan), config.signingKey, nowSeconds);
  return {
    token,
    identity: plan.identity,
    ttl: plan.ttl,
    expiresAt: new Date((nowSeconds + plan.ttl) * 1000).toISOString(),
    grants: plan.grants,
    ...(plan.room !== undefined && { room: plan.room }),
  };
}
