/** Mints Twilio Access Tokens: the claims twilio-node's AccessToken writes, signed with a cached HMAC key. */
import { createHmac } from 'node:crypto';
import type { GrantSettings, TokenSettings } from './settings';
import type { GrantName } from './grant-names';

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

/** The claims of one product's grant, under the key twilio-node gives it. */
interface GrantClaims {
  readonly key: 'video' | 'voice' | 'chat' | 'data_sync' | 'task_router';
  readonly payload: Record<string, unknown>;
}

/**
 * What twilio-node's grant classes put in a token for one product (their `key` and `toPayload()`), field for field and
 * in their order; empty and false values are left out as they leave them out. tests/unit/access-token.test.ts holds
 * the whole token equal to `AccessToken.toJwt()` for every grant combination, so a twilio change fails a test.
 */
function grantClaims(name: GrantName, settings: GrantSettings, plan: TokenPlan): GrantClaims {
  switch (name) {
    case 'video':
      return { key: 'video', payload: plan.room ? { room: plan.room } : {} };
    case 'voice': {
      const payload: Record<string, unknown> = {};
      if (settings.voiceIncomingAllow && plan.voiceIncoming !== false) payload['incoming'] = { allow: true };
      if (settings.voiceOutgoingApplicationSid) payload['outgoing'] = { application_sid: settings.voiceOutgoingApplicationSid };
      if (settings.voicePushCredentialSid) payload['push_credential_sid'] = settings.voicePushCredentialSid;
      return { key: 'voice', payload };
    }
    case 'chat':
      return { key: 'chat', payload: settings.conversationsServiceSid ? { service_sid: settings.conversationsServiceSid } : {} };
    case 'sync':
      return { key: 'data_sync', payload: settings.syncServiceSid ? { service_sid: settings.syncServiceSid } : {} };
    case 'taskrouter':
      // A TaskRouter grant without its Worker would sign in as nobody (or, in a lax SDK, as anybody): never minted.
      if (!settings.taskrouterWorkspaceSid || !plan.taskrouterWorkerSid) {
        throw new Error('a taskrouter grant needs the workspace and the worker');
      }
      return {
        key: 'task_router',
        payload: { workspace_sid: settings.taskrouterWorkspaceSid, worker_sid: plan.taskrouterWorkerSid, role: TASKROUTER_ROLE },
      };
  }
}

const base64url = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const encodedHeaders = new Map<string, string>();

/** The JWS header segment: jsonwebtoken's key order, and `twr` for a region as twilio-node adds it. */
function encodedHeader(region: string | undefined): string {
  const key = region ?? '';
  let header = encodedHeaders.get(key);
  if (header === undefined) {
    header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1', ...(region && { twr: region }) }));
    encodedHeaders.set(key, header);
  }
  return header;
}

const signerClaimsByConfig = new WeakMap<TokenSettings, string>();

/** The payload's closing `,"iss":…,"sub":…}`, the same for every token of a configuration. */
function signerClaims(config: TokenSettings): string {
  let text = signerClaimsByConfig.get(config);
  if (text === undefined) {
    text = `,"iss":${JSON.stringify(config.apiKeySid)},"sub":${JSON.stringify(config.accountSid)}}`;
    signerClaimsByConfig.set(config, text);
  }
  return text;
}

/**
 * The same JWS that twilio-node's `AccessToken.toJwt()` produces for the same clock, byte for byte (the
 * equivalence tests hold us to that), built without its classes: toJwt() hands jsonwebtoken the secret as a string,
 * which imports a new key for every token (about 300 µs), and loading it costs a cold instance about 30 ms (issue 23).
 * @example signAccessToken(config, plan, Math.floor(Date.now() / 1000))
 */
function signAccessToken(config: TokenSettings, plan: TokenPlan, nowSeconds: number): string {
  const grants: Record<string, unknown> = { identity: plan.identity };
  for (const name of plan.grants) {
    const { key, payload } = grantClaims(name, config.grants, plan);
    grants[key] = payload;
  }
  // The claims in twilio-node's order ({jti, grants, iat, exp, iss, sub}), written out rather than built as an object
  // for JSON.stringify: half the cost of the payload, which every token pays (issue 23). `exp` is twilio-node's
  // `ttl || 3600`. The byte-for-byte equivalence tests hold this to AccessToken.toJwt().
  const payload =
    `{"jti":${JSON.stringify(`${config.apiKeySid}-${nowSeconds}`)},"grants":${JSON.stringify(grants)},` +
    `"iat":${nowSeconds},"exp":${nowSeconds + (plan.ttl || 3600)}${signerClaims(config)}`;
  const signingInput = `${encodedHeader(config.region || undefined)}.${base64url(payload)}`;
  return `${signingInput}.${createHmac('sha256', config.signingKey).update(signingInput).digest('base64url')}`;
}

let lastIso: { seconds: number; text: string } | undefined;

/** The ISO 8601 text of a Unix time in seconds; tokens that expire in the same second as the last one reuse its text. */
function isoSeconds(seconds: number): string {
  if (lastIso?.seconds !== seconds) lastIso = { seconds, text: new Date(seconds * 1000).toISOString() };
  return lastIso.text;
}

/**
 * Signs a token for the plan and describes it for the response.
 * @example mintAccessToken(config, { identity: 'alice', grants: ['video'], ttl: 3600 }, Date.now())
 */
export function mintAccessToken(config: TokenSettings, plan: TokenPlan, nowMs: number): IssuedToken {
  const nowSeconds = Math.floor(nowMs / 1000);
  const token = signAccessToken(config, plan, nowSeconds);
  return {
    token,
    identity: plan.identity,
    ttl: plan.ttl,
    expiresAt: isoSeconds(nowSeconds + plan.ttl),
    grants: plan.grants,
    ...(plan.room !== undefined && { room: plan.room }),
  };
}
