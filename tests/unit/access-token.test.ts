import { randomBytes } from 'node:crypto';
import AccessToken = require('twilio/lib/jwt/AccessToken');
import { mintAccessToken, type TokenPlan } from '../../src/lib/token/access-token';
import { parseConfig, type ServiceConfig } from '../../src/lib/config/service-config';
import { GRANT_NAMES, type GrantName } from '../../src/lib/token/grant-names';
import { environmentFor, newCredentials, newSid } from '../helpers/fixtures';
import { verifyTwilioToken } from '../helpers/token-verifier';

/** Every non-empty subset of the grant names. */
const grantCombinations: GrantName[][] = [];
for (let mask = 1; mask < 1 << GRANT_NAMES.length; mask++) {
  grantCombinations.push(GRANT_NAMES.filter((_, index) => mask & (1 << index)));
}

const identityAlphabet = ['a', 'Z', '7', '_', '-', '.', '@', 'é', 'ß', '中', '😀', 'ñ'];
function randomIdentity(): string {
  const length = 1 + (randomBytes(1)[0]! % 20);
  return Array.from({ length }, () => identityAlphabet[randomBytes(1)[0]! % identityAlphabet.length]).join('');
}

async function configFor(
  settings: Record<string, string>,
  secret: string,
): Promise<{ config: ServiceConfig; env: Record<string, string> }> {
  const credentials = { ...newCredentials([]), apiKeySecret: secret };
  const env = await environmentFor(credentials, { ...settings, AUTH_BASIC_USERS: undefined });
  const result = parseConfig(env);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { config: result.config, env };
}

/** What a public template does: twilio's AccessToken and grants, signed by toJwt(). */
function referenceJwt(env: Record<string, string>, plan: TokenPlan, region: string | undefined): string {
  const token = new AccessToken(env.TWILIO_ACCOUNT_SID!, env.TWILIO_API_KEY_SID!, env.TWILIO_API_KEY_SECRET!, {
    identity: plan.identity,
    ttl: plan.ttl,
    ...(region !== undefined && { region }),
  });
  for (const grant of plan.grants) {
    if (grant === 'video') token.addGrant(new AccessToken.VideoGrant(plan.room !== undefined ? { room: plan.room } : {}));
    if (grant === 'voice') {
      token.addGrant(
        new AccessToken.VoiceGrant({
          outgoingApplicationSid: env.VOICE_OUTGOING_APPLICATION_SID,
          incomingAllow: env.VOICE_INCOMING_ALLOW === 'true',
          pushCredentialSid: env.VOICE_PUSH_CREDENTIAL_SID,
        }),
      );
    }
    if (grant === 'chat') token.addGrant(new AccessToken.ChatGrant({ serviceSid: env.CONVERSATIONS_SERVICE_SID }));
    if (grant === 'sync') token.addGrant(new AccessToken.SyncGrant({ serviceSid: env.SYNC_SERVICE_SID }));
    if (grant === 'taskrouter') {
      token.addGrant(
        new AccessToken.TaskRouterGrant({
          workspaceSid: env.TASKROUTER_WORKSPACE_SID,
          workerSid: plan.taskrouterWorkerSid,
          role: 'worker',
        }),
      );
    }
  }
  return token.toJwt();
}

describe('mintAccessToken', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each(grantCombinations.map((grants) => [grants.join('+'), grants]))(
    'is byte-identical to twilio AccessToken.toJwt() for %s, with random identities, TTLs and regions',
    async (_label, grants) => {
      for (let round = 0; round < 8; round++) {
        const region = round % 2 === 0 ? undefined : ['us1', 'ie1', 'au1'][round % 3];
        const settings: Record<string, string> = {
          TOKEN_GRANTS: (grants as GrantName[]).join(','),
          VOICE_OUTGOING_APPLICATION_SID: newSid('AP'),
          VOICE_INCOMING_ALLOW: round % 3 === 0 ? 'false' : 'true',
          CONVERSATIONS_SERVICE_SID: newSid('IS'),
          TASKROUTER_WORKSPACE_SID: newSid('WS'),
          ...(round % 2 === 0 && { SYNC_SERVICE_SID: newSid('IS'), VOICE_PUSH_CREDENTIAL_SID: newSid('CR') }),
          ...(region !== undefined && { TWILIO_REGION: region }),
        };
        const { config, env } = await configFor(settings, randomBytes(24).toString('base64url'));
        const ttl = 60 + (randomBytes(2).readUInt16BE() % 3541);
        const plan: TokenPlan = {
          identity: randomIdentity(),
          grants: grants as GrantName[],
          ttl,
          ...((grants as GrantName[]).includes('video') && round % 2 === 1 && { room: `room-${round}` }),
          ...((grants as GrantName[]).includes('taskrouter') && { taskrouterWorkerSid: newSid('WK') }),
        };
        const now = 1_700_000_000_000 + randomBytes(3).readUIntBE(0, 3) * 1000 + 999;
        jest.spyOn(Date, 'now').mockReturnValue(now);
        expect(mintAccessToken(config, plan, now).token).toBe(referenceJwt(env, plan, region));
      }
    },
  );

  it('issues a token an independent verifier accepts with the API key secret, with the expected claims', async () => {
    const secret = randomBytes(24).toString('base64url');
    const { config, env } = await configFor({ TOKEN_GRANTS: 'video', VIDEO_ROOM: 'standup' }, secret);
    const now = Date.now();
    const issued = mintAccessToken(config, { identity: 'alice', grants: ['video'], room: 'standup', ttl: 600 }, now);
    const { header, claims } = await verifyTwilioToken(issued.token, secret);
    const nowSeconds = Math.floor(now / 1000);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
    expect(claims).toEqual({
      jti: `${env.TWILIO_API_KEY_SID}-${nowSeconds}`,
      grants: { identity: 'alice', video: { room: 'standup' } },
      iat: nowSeconds,
      exp: nowSeconds + 600,
      iss: env.TWILIO_API_KEY_SID,
      sub: env.TWILIO_ACCOUNT_SID,
    });
    expect(issued.expiresAt).toBe(new Date((nowSeconds + 600) * 1000).toISOString());
    expect(issued).toMatchObject({ identity: 'alice', ttl: 600, grants: ['video'], room: 'standup' });
  });

  it('puts the workspace, the bound worker and the role worker in a taskrouter grant, where twilio-taskrouter reads them', async () => {
    const secret = randomBytes(24).toString('base64url');
    const workspaceSid = newSid('WS');
    const workerSid = newSid('WK');
    const { config } = await configFor({ TOKEN_GRANTS: 'taskrouter', TASKROUTER_WORKSPACE_SID: workspaceSid }, secret);
    const issued = mintAccessToken(
      config,
      { identity: 'alice', grants: ['taskrouter'], ttl: 600, taskrouterWorkerSid: workerSid },
      Date.now(),
    );
    const { claims } = await verifyTwilioToken(issued.token, secret);
    expect(claims.grants).toEqual({
      identity: 'alice',
      task_router: { workspace_sid: workspaceSid, worker_sid: workerSid, role: 'worker' },
    });
  });

  it('never signs a taskrouter grant without its worker', async () => {
    const { config } = await configFor(
      { TOKEN_GRANTS: 'taskrouter', TASKROUTER_WORKSPACE_SID: newSid('WS') },
      randomBytes(24).toString('base64url'),
    );
    expect(() => mintAccessToken(config, { identity: 'alice', grants: ['taskrouter'], ttl: 600 }, Date.now())).toThrow(/worker/);
  });

  it('produces a token the verifier rejects with any other secret', async () => {
    const { config } = await configFor({}, randomBytes(24).toString('base64url'));
    const issued = mintAccessToken(config, { identity: 'alice', grants: ['video'], ttl: 600 }, Date.now());
    await expect(verifyTwilioToken(issued.token, randomBytes(24).toString('base64url'))).rejects.toThrow(/signature/);
  });
});
