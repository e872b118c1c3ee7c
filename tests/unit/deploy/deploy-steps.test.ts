/**
 * One ordered list of steps: the plan prints it, the journal lists and runs it. A plan whose steps change between the
 * printing and the running (rotate-key learns the new key's values only once it is made) sends nothing.
 */
import { describe, expect, it } from '@jest/globals';
import { applySteps } from '../../../src/cli/deploy/apply';
import { DeployJournal } from '../../../src/cli/deploy/journal';
import type { UploadFile } from '../../../src/cli/deploy/local';
import { planDeployment, renderPlan, type DesiredState, type LiveState } from '../../../src/cli/deploy/plan';
import type { ServerlessApi } from '../../../src/cli/deploy/serverless-api';
import { environmentFor, newCredentials, newSid } from '../../helpers/fixtures';

const FILES = [
  { kind: 'function', path: '/token', visibility: 'public', sha256: 'a' },
  { kind: 'asset', path: '/demo.css', visibility: 'public', sha256: 'b' },
] as const;

function liveWith(variables: Record<string, string>): LiveState {
  return {
    service: { sid: newSid('ZS'), uniqueName: 'tokens', includeCredentials: false },
    environment: { sid: newSid('ZE'), domainName: 'tokens-1234-dev.twil.io', buildSid: newSid('ZB') },
    variables: Object.entries(variables).map(([key, value], i) => ({ key, sid: `ZV${String(i).padStart(32, '0')}`, value })),
    build: { sid: newSid('ZB'), files: FILES, runtime: 'node22', dependencies: [] },
  };
}

function desiredWith(variables: Record<string, string>, files: DesiredState['files'] = FILES): DesiredState {
  return { serviceName: 'tokens', environment: 'dev', variables, files, runtime: 'node22', dependencies: [] };
}

/** A Serverless API that records which of its operations were called: these tests check what would be sent. */
function recordingApi(sent: string[]): ServerlessApi {
  return new Proxy({} as ServerlessApi, { get: (_target, operation) => async () => void sent.push(String(operation)) });
}

async function baseVariables(): Promise<Record<string, string>> {
  const { AUTH_BASIC_USERS: _users, ...env } = await environmentFor(newCredentials([]));
  return env;
}

describe('the plan printer and the journal show one list', () => {
  it('prints, in "in this order:", exactly the steps the journal lists as not applied yet', async () => {
    const base = await baseVariables();
    const rotated = newCredentials([]);
    const live = liveWith({ ...base, TOKEN_TTL: '600' });
    const desired = desiredWith(
      { ...base, TOKEN_TTL: '300', TWILIO_API_KEY_SID: rotated.apiKeySid, TWILIO_API_KEY_SECRET: rotated.apiKeySecret },
      [FILES[0], { ...FILES[1], sha256: 'changed' }],
    );
    const plan = planDeployment(live, desired, { allowRemoval: new Set() });
    const lines = renderPlan(plan, desired);
    const printed = lines
      .slice(lines.indexOf('  in this order:') + 1)
      .map((line) => line.replace(/^\s+\d+\. /, '').replace(/ \((narrowing|access unchanged|widening)[^)]*\)$/, ''));
    const uploads = desired.files.map((file) => ({ kind: file.kind }) as UploadFile);
    const { steps } = applySteps({ api: recordingApi([]), plan, live, desired, uploads, onService: () => undefined });
    const listed = new DeployJournal(steps)
      .report()
      .filter((line) => line.startsWith('    '))
      .map((line) => line.trim());
    expect(listed.length).toBeGreaterThan(3);
    expect(printed).toEqual(listed);
  });
});

describe('values known only when the steps run (rotate-key)', () => {
  it('sends nothing when the plan they give has other steps than the one printed', async () => {
    const base = await baseVariables();
    const live = liveWith(base);
    const rotated = newCredentials([]);
    const printedDesired = desiredWith({ ...base, TWILIO_API_KEY_SECRET: rotated.apiKeySecret });
    const printedPlan = planDeployment(live, printedDesired, { allowRemoval: new Set() });
    const otherDesired = desiredWith({ ...base, TWILIO_API_KEY_SID: rotated.apiKeySid, TWILIO_API_KEY_SECRET: rotated.apiKeySecret });
    const sent: string[] = [];
    const { steps } = applySteps({
      api: recordingApi(sent),
      plan: printedPlan,
      live,
      desired: printedDesired,
      uploads: [],
      onService: () => undefined,
      valuesWhenRun: () => ({ plan: planDeployment(live, otherDesired, { allowRemoval: new Set() }), desired: otherDesired }),
    });
    await expect(new DeployJournal(steps).runAll()).rejects.toThrow(/the plan changed after it was printed/);
    expect(sent).toEqual([]);
  });

  it('writes the values read when the steps run when their plan is the one printed', async () => {
    const base = await baseVariables();
    const live = liveWith(base);
    const preview = desiredWith({ ...base, TWILIO_API_KEY_SECRET: 'placeholder' });
    const real = desiredWith({ ...base, TWILIO_API_KEY_SECRET: newCredentials([]).apiKeySecret });
    const sent: string[] = [];
    const { steps } = applySteps({
      api: recordingApi(sent),
      plan: planDeployment(live, preview, { allowRemoval: new Set() }),
      live,
      desired: preview,
      uploads: [],
      onService: () => undefined,
      valuesWhenRun: () => ({ plan: planDeployment(live, real, { allowRemoval: new Set() }), desired: real }),
    });
    await new DeployJournal(steps).runAll();
    expect(sent).toEqual(['updateVariable']);
  });
});
