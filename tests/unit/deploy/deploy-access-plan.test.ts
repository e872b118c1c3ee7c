/**
 * What a deploy does to access, planned without Twilio: every variable change carries its setting's access effect,
 * a removal that widens access is refused unless named with --remove, unknown names are refused, and narrowing writes
 * come before anything is uploaded, widening ones after the new build is live. The three findings of issue 21 are the
 * first three describe blocks.
 */
import { describe, expect, it } from '@jest/globals';
import { parseDeployArgs } from '../../../src/cli/deploy/args';
import { checkDeployment } from '../../../src/cli/project/deploy-checks';
import { DeployJournal } from '../../../src/cli/deploy/journal';
import { applySteps } from '../../../src/cli/deploy/apply';
import type { ServerlessApi } from '../../../src/cli/deploy/serverless-api';
import type { UploadFile } from '../../../src/cli/deploy/local';
import {
  planDeployment,
  renderPlan,
  type DeployPlan,
  type DesiredState,
  type LiveState,
  type PlanOptions,
} from '../../../src/cli/deploy/plan';
import { environmentFor, newCredentials, newSid } from '../../helpers/fixtures';

const POLICY = JSON.stringify({ default: 'deny', rules: [{ match: { any: true }, grants: ['video'], rooms: ['lobby'] }] });
const FILES = [
  { kind: 'function', path: '/token', visibility: 'public', sha256: 'a' },
  { kind: 'asset', path: '/demo.css', visibility: 'public', sha256: 'b' },
] as const;

/** A live service with a build of FILES and these variables. */
function liveWith(variables: Record<string, string>, files: DesiredState['files'] = FILES): LiveState {
  return {
    service: { sid: newSid('ZS'), uniqueName: 'tokens', includeCredentials: false },
    environment: { sid: newSid('ZE'), domainName: 'tokens-1234-dev.twil.io', buildSid: newSid('ZB') },
    variables: Object.entries(variables).map(([key, value], i) => ({ key, sid: `ZV${String(i).padStart(32, '0')}`, value })),
    build: { sid: newSid('ZB'), files, runtime: 'node22', dependencies: [] },
  };
}

function desiredWith(variables: Record<string, string>, files: DesiredState['files'] = FILES): DesiredState {
  return { serviceName: 'tokens', environment: 'dev', variables, files, runtime: 'node22', dependencies: [] };
}

const options = (removeVariables: string[] = []): PlanOptions => ({ allowRemoval: new Set(), removeVariables: new Set(removeVariables) });

/** The plan's steps in the order the journal lists them before the first runs (all still "not applied"). */
function stepOrder(plan: DeployPlan, desired: DesiredState): string[] {
  const uploads = desired.files.map((file) => ({ kind: file.kind }) as UploadFile);
  const { steps } = applySteps({ api: {} as ServerlessApi, plan, live: { variables: [] }, desired, uploads, onService: () => undefined });
  const journal = new DeployJournal(steps);
  return journal
    .report()
    .filter((line) => line.startsWith('    '))
    .map((line) => line.trim());
}

async function baseVariables(): Promise<Record<string, string>> {
  const { AUTH_BASIC_USERS: _users, ...env } = await environmentFor(newCredentials([]));
  return env;
}

describe('finding 1: limits are not deleted by omission', () => {
  it('refuses to remove TOKEN_POLICY, VIDEO_ROOM and TOKEN_MAX_TTL that the env file no longer sets, and deletes none of them', async () => {
    const base = await baseVariables();
    const live = liveWith({ ...base, TOKEN_POLICY: POLICY, VIDEO_ROOM: 'lobby', TOKEN_MAX_TTL: '900' });
    const plan = planDeployment(live, desiredWith(base), options());
    expect(plan.refusedVariableRemovals.map((change) => change.name).sort()).toEqual(['TOKEN_MAX_TTL', 'TOKEN_POLICY', 'VIDEO_ROOM']);
    expect(plan.deleteVariables).toEqual([]);
  });

  it('removes exactly the ones named with --remove, after the new build is live, and still refuses the others', async () => {
    const base = await baseVariables();
    const live = liveWith({ ...base, TOKEN_POLICY: POLICY, VIDEO_ROOM: 'lobby' });
    const desired = desiredWith(base, [...FILES.slice(0, 1), { ...FILES[1], sha256: 'changed' }]);
    const plan = planDeployment(live, desired, options(['TOKEN_POLICY']));
    expect(plan.refusedVariableRemovals.map((change) => change.name)).toEqual(['VIDEO_ROOM']);
    expect(plan.deleteVariables.map((variable) => variable.key)).toEqual(['TOKEN_POLICY']);
    const order = stepOrder(plan, desired);
    expect(order.indexOf('delete variable TOKEN_POLICY')).toBeGreaterThan(order.indexOf('activate the new build (it goes live)'));
  });

  it('lets a removal that narrows access through without a flag, first (a revoked secret)', async () => {
    const base = await baseVariables();
    const { AUTH_SHARED_SECRETS: _secrets, ...rest } = base;
    const plan = planDeployment(
      liveWith({ ...base, AUTH_BASIC_USERS: 'ann:x' }),
      desiredWith({ ...rest, AUTH_BASIC_USERS: 'ann:x' }),
      options(),
    );
    expect(plan.refusedVariableRemovals).toEqual([]);
    expect(plan.deleteVariables.map((variable) => variable.key)).toEqual(['AUTH_SHARED_SECRETS']);
  });

  it('treats TOKEN_POLICY removed while the policy file arrives as a move, not a widening: not refused, deleted once the file is live', async () => {
    const base = await baseVariables();
    const withFile = [...FILES, { kind: 'asset', path: '/policy.json', visibility: 'private', sha256: 'p' }] as const;
    const desired = desiredWith(base, withFile);
    const plan = planDeployment(liveWith({ ...base, TOKEN_POLICY: POLICY }), desired, options());
    expect(plan.refusedVariableRemovals).toEqual([]);
    const order = stepOrder(plan, desired);
    expect(order.indexOf('delete variable TOKEN_POLICY')).toBeGreaterThan(order.indexOf('activate the new build (it goes live)'));
    expect(renderPlan(plan, desired)).toContain(
      "  - variable TOKEN_POLICY deleted (moves into src/assets/policy.private.json) — widens access: the policy's limits stop applying",
    );
  });
});

describe('finding 2: a renamed setting is refused, not uploaded beside the real one', () => {
  it.each(['TOKEN_POLICIES', 'TOKEN_POLICY_JSON', 'TWILIO_TOKEN_POLICY', 'POLICY'])(
    'refuses TOKEN_POLICY renamed to %s',
    async (renamed) => {
      const base = await baseVariables();
      const problems = checkDeployment({ ...base, [renamed]: POLICY }, {}, { serviceName: 'tokens', domainSuffix: 'dev' });
      expect(problems.map((problem) => problem.variable)).toEqual([renamed]);
      expect(JSON.stringify(problems)).not.toContain(POLICY);
    },
  );

  it('suggests the setting for a near miss, and DEPLOY_OWN_VARIABLES for a far name', async () => {
    const base = await baseVariables();
    const [near] = checkDeployment({ ...base, TOKEN_POLICIES: POLICY }, {}, {});
    expect(near!.message).toMatch(/did you mean TOKEN_POLICY\?/);
    const [far] = checkDeployment({ ...base, CRM_URL: 'https://crm.example.com' }, {}, {});
    expect(far!.fix).toMatch(/add it to DEPLOY_OWN_VARIABLES/);
  });

  it('deploys a variable of your own listed in DEPLOY_OWN_VARIABLES, and refuses a setting listed there', async () => {
    const base = await baseVariables();
    expect(checkDeployment({ ...base, CRM_URL: 'https://crm.example.com', DEPLOY_OWN_VARIABLES: 'CRM_URL' }, {}, {})).toEqual([]);
    // Listed, a near miss is the user's own on purpose.
    expect(checkDeployment({ ...base, TOKEN_POLICIES: 'x', DEPLOY_OWN_VARIABLES: 'TOKEN_POLICIES' }, {}, {})).toEqual([]);
    const [listed] = checkDeployment({ ...base, DEPLOY_OWN_VARIABLES: 'TOKEN_POLICY' }, {}, {});
    expect(listed).toMatchObject({ variable: 'DEPLOY_OWN_VARIABLES', message: expect.stringMatching(/TOKEN_POLICY, which is a setting/) });
  });

  it('deletes an own variable dropped from .env, and leaves alone a live one nobody declared', async () => {
    const base = await baseVariables();
    const live = liveWith({ ...base, CRM_URL: 'https://crm.example.com', DEPLOY_OWN_VARIABLES: 'CRM_URL', HAND_SET: 'x' });
    const plan = planDeployment(live, desiredWith({ ...base, DEPLOY_OWN_VARIABLES: 'CRM_URL' }), options());
    expect(plan.deleteVariables.map((variable) => variable.key)).toEqual(['CRM_URL']);
    expect(plan.leftAlone).toEqual(['HAND_SET']);
  });
});

describe('finding 3: a narrowed variable is written before anything is uploaded', () => {
  it('writes AUTH_SHARED_SECRETS=S1 (was S1,S2) before the upload when demo.css changes too', async () => {
    const base = await baseVariables();
    const second = newCredentials([]).sharedSecret;
    const live = liveWith({ ...base, AUTH_SHARED_SECRETS: `${base['AUTH_SHARED_SECRETS']},${second}` });
    const desired = desiredWith(base, [FILES[0], { ...FILES[1], sha256: 'changed' }]);
    const plan = planDeployment(live, desired, options());
    const order = stepOrder(plan, desired);
    expect(order.indexOf('set variable AUTH_SHARED_SECRETS')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('set variable AUTH_SHARED_SECRETS')).toBeLessThan(order.indexOf('upload 1 functions and 1 assets'));
  });
});

describe('the plan says what each change does to access, never a value, and prints the order', () => {
  it('narrows the secrets, adds a user, removes TOKEN_POLICY with --remove, and rotates the key', async () => {
    const base = await baseVariables();
    const second = newCredentials([]).sharedSecret;
    const rotated = newCredentials([]);
    const live = liveWith({
      ...base,
      AUTH_SHARED_SECRETS: `${base['AUTH_SHARED_SECRETS']},${second}`,
      AUTH_BASIC_USERS: 'ann:h1',
      TOKEN_POLICY: POLICY,
    });
    const desired = desiredWith(
      {
        ...base,
        AUTH_BASIC_USERS: 'ann:h1 ben:h2',
        TWILIO_API_KEY_SID: rotated.apiKeySid,
        TWILIO_API_KEY_SECRET: rotated.apiKeySecret,
      },
      [FILES[0], { ...FILES[1], sha256: 'changed' }],
    );
    const plan = planDeployment(live, desired, options(['TOKEN_POLICY']));
    const lines = renderPlan(plan, desired);
    expect(lines).toEqual(
      expect.arrayContaining([
        '  ~ variable AUTH_SHARED_SECRETS changed — narrows access: 1 secret revoked',
        '  ~ variable AUTH_BASIC_USERS changed — widens access: 1 user added',
        '  ~ variable TWILIO_API_KEY_SID changed — access unchanged: tokens are signed with another API key',
        "  - variable TOKEN_POLICY deleted (no longer set) — widens access: the policy's limits stop applying",
      ]),
    );
    const order = lines.slice(lines.indexOf('  in this order:') + 1).map((line) => line.replace(/^\s+\d+\. /, ''));
    expect(order).toEqual([
      'set variable AUTH_SHARED_SECRETS (narrowing access, before anything is uploaded)',
      'delete variable TWILIO_API_KEY_SID (key rotation: set again last)',
      'upload 1 functions and 1 assets',
      'build them (not live yet)',
      'set variable TWILIO_API_KEY_SECRET (access unchanged or both ways, before the new build goes live)',
      'set variable TWILIO_API_KEY_SID (access unchanged or both ways, before the new build goes live)',
      'activate the new build (it goes live)',
      'set variable AUTH_BASIC_USERS (widening access, once the new build is live)',
      'delete variable TOKEN_POLICY (widening access, once the new build is live)',
    ]);
    const printed = lines.join('\n');
    for (const value of [second, rotated.apiKeySecret, base['AUTH_SHARED_SECRETS']!, POLICY, 'h2']) expect(printed).not.toContain(value);
  });

  it('a plan that uploads nothing (variables only, as a key rotation) names no build in its order', async () => {
    const base = await baseVariables();
    const second = 'b'.repeat(64);
    const live = liveWith({ ...base, AUTH_SHARED_SECRETS: `${base['AUTH_SHARED_SECRETS']},${second}` });
    const rotated = newCredentials([]);
    const desired = desiredWith({
      ...base,
      AUTH_BASIC_USERS: 'ann:h1 ben:h2',
      TWILIO_API_KEY_SID: rotated.apiKeySid,
      TWILIO_API_KEY_SECRET: rotated.apiKeySecret,
    });
    const lines = renderPlan(planDeployment(live, desired, options()), desired);
    const order = lines.slice(lines.indexOf('  in this order:') + 1).map((line) => line.replace(/^\s+\d+\. /, ''));
    expect(order).toEqual([
      'set variable AUTH_SHARED_SECRETS (narrowing access, first)',
      'delete variable TWILIO_API_KEY_SID (key rotation: set again last)',
      'set variable TWILIO_API_KEY_SECRET (access unchanged or both ways)',
      'set variable TWILIO_API_KEY_SID (access unchanged or both ways)',
      'set variable AUTH_BASIC_USERS (widening access, last)',
    ]);
  });

  it.each([
    ['TOKEN_MAX_TTL', '3600', '900', 'narrows access: the longest token lifetime is shorter'],
    ['TOKEN_MAX_TTL', '900', '7200', 'widens access: the longest token lifetime is longer'],
    ['TOKEN_GRANTS', 'video', 'video,chat', 'widens access: 1 grant issued'],
    ['ALLOWED_ORIGINS', 'https://a.example,https://b.example', 'https://a.example', 'narrows access: 1 origin no longer allowed'],
    ['VIDEO_ROOM', 'lobby', 'hall', 'narrows and widens access: video tokens are pinned to another room'],
    ['VOICE_INCOMING_ALLOW', 'false', 'true', 'widens access: voice tokens may receive calls'],
  ])('%s %s -> %s: %s', async (name, before, after, words) => {
    const base = await baseVariables();
    const desired = desiredWith({ ...base, [name]: after });
    const lines = renderPlan(planDeployment(liveWith({ ...base, [name]: before }), desired, options()), desired);
    expect(lines).toContain(`  ~ variable ${name} changed — ${words}`);
  });
});

describe('--remove NAME on the command line', () => {
  it('takes repeated --remove NAME and --remove=NAME, and keeps everything else for twilio-run', () => {
    const args = parseDeployArgs(['--remove', 'TOKEN_POLICY', '--remove=VIDEO_ROOM', '--service-sid', 'ZS1']);
    expect([...args.removeVariables]).toEqual(['TOKEN_POLICY', 'VIDEO_ROOM']);
    expect(args.forward).toEqual(['--service-sid', 'ZS1']);
  });

  it('refuses a name that is not a setting (exit 2), naming the setting it is closest to, and a missing name', () => {
    expect(() => parseDeployArgs(['--remove', 'TOKEN_POLICIES'])).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(/TOKEN_POLICIES is not a setting of this service; did you mean TOKEN_POLICY\?/),
      }),
    );
    expect(() => parseDeployArgs(['--remove', 'CRM_URL'])).toThrow(/CRM_URL is not a setting of this service \(the settings are listed/);
    expect(() => parseDeployArgs(['--remove'])).toThrow(/--remove needs the name of a setting/);
    expect(() => parseDeployArgs(['--remove', '--plan'])).toThrow(/--remove needs the name of a setting/);
  });
});
