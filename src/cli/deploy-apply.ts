/**
 * Applies a plan to Twilio in an order that never leaves access wider than either the old or the new configuration:
 * removed variables that let callers in (secrets, users, origins, the identity provider) are deleted first (a revoked
 * secret stops working before anything else happens), the new Build is uploaded and built (nothing live changes),
 * variables are set (the signing key's SID last, after its secret, and deleted first when both change, so a half-done
 * rotation fails closed instead of pairing the old SID with the new secret), the Build goes live, and only then are
 * removed variables that limit callers deleted (a TOKEN_POLICY moved into the policy file keeps applying until the
 * build that has the file is live; deleted first, the old build would run with no policy at all).
 */
import { api as serverless } from '@twilio-labs/serverless-api';
import type { DeployJournal } from './deploy-journal';
import type { UploadFile } from './deploy-local';
import type { DeployPlan, DesiredState, LiveState } from './deploy-plan';
import { asRequestError, type ServerlessApi } from './deploy-serverless';

export interface Applied {
  readonly serviceSid: string;
  readonly domainName: string;
}

export interface ApplyInput {
  readonly api: ServerlessApi;
  readonly plan: DeployPlan;
  readonly live: LiveState;
  readonly desired: DesiredState;
  readonly uploads: readonly UploadFile[];
  readonly journal: DeployJournal;
  /** Called as soon as the service SID is known (a new service is recorded before anything else is made in it). */
  readonly onService: (serviceSid: string, buildSid: string | undefined) => void;
}

const KEY_SID = 'TWILIO_API_KEY_SID';

/** Variables whose presence lets callers in or signs tokens: removing them can only narrow access, so it goes first. */
const GRANTS_ACCESS = new Set([
  'AUTH_SHARED_SECRETS',
  'AUTH_BASIC_USERS',
  'ALLOWED_ORIGINS',
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_JWKS_URL',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_API_KEY_SID',
  'TWILIO_API_KEY_SECRET',
]);

type Deletion = DeployPlan['deleteVariables'][number];

/** Removed variables split by when they may go: revocations before anything, limits once the new build is live. */
function deletionsInOrder(plan: DeployPlan): { revocations: Deletion[]; limits: Deletion[] } {
  const revocations = plan.deleteVariables.filter((variable) => GRANTS_ACCESS.has(variable.key));
  const limits = plan.deleteVariables.filter((variable) => !GRANTS_ACCESS.has(variable.key));
  return { revocations, limits };
}

/** The variables to set, in order: the key SID after everything else (after its secret). */
function variablesToSet(plan: DeployPlan): string[] {
  const names = plan.variables.filter((change) => change.kind !== 'deleted').map((change) => change.name);
  return [...names.filter((name) => name !== KEY_SID), ...names.filter((name) => name === KEY_SID)];
}

function stepLabels(plan: DeployPlan, desired: DesiredState, uploads: readonly UploadFile[]): Record<string, string> {
  return {
    service: plan.createService
      ? `create service ${desired.serviceName} (IncludeCredentials false)`
      : 'set the service IncludeCredentials false',
    environment: `create environment ${desired.environment || 'production'}`,
    upload: `upload ${uploads.filter((file) => file.kind === 'function').length} functions and ${uploads.filter((file) => file.kind === 'asset').length} assets`,
    build: 'build them (not live yet)',
    activate: 'activate the new build (it goes live)',
  };
}

/** Lists every step in the journal before the first runs. */
export function planSteps(input: Pick<ApplyInput, 'plan' | 'desired' | 'uploads' | 'journal'>): void {
  const { plan, desired, uploads, journal } = input;
  const labels = stepLabels(plan, desired, uploads);
  if (plan.createService || plan.fixIncludeCredentials) journal.plan(labels.service!);
  if (plan.createEnvironment) journal.plan(labels.environment!);
  const { revocations, limits } = deletionsInOrder(plan);
  for (const variable of revocations) journal.plan(`delete variable ${variable.key}`);
  if (plan.rotatesKeyPair) journal.plan(`delete variable ${KEY_SID} (key rotation: set again last)`);
  if (plan.newBuild) {
    journal.plan(labels.upload!);
    journal.plan(labels.build!);
  }
  for (const key of variablesToSet(plan)) journal.plan(`set variable ${key}`);
  if (plan.newBuild) journal.plan(labels.activate!);
  for (const variable of limits) journal.plan(`delete variable ${variable.key}`);
}

/** @example const applied = await applyPlan({ api, plan, live, desired, uploads, journal, onService }) */
export async function applyPlan(input: ApplyInput): Promise<Applied> {
  const { api, plan, live, desired, uploads, journal } = input;
  const labels = stepLabels(plan, desired, uploads);
  const client = api.client;

  let serviceSid = live.service?.sid;
  if (plan.createService) {
    // serverless-api's createService always asks for IncludeCredentials true: this service never uses the account's auth token.
    const created = await journal.run(labels.service!, () =>
      api.post<{ sid: string }>('Services', {
        UniqueName: desired.serviceName,
        FriendlyName: desired.serviceName,
        IncludeCredentials: false,
        UiEditable: false,
      }),
    );
    serviceSid = created.sid;
  } else if (plan.fixIncludeCredentials) {
    await journal.run(labels.service!, () => api.post(`Services/${serviceSid}`, { IncludeCredentials: false }));
  }
  input.onService(serviceSid!, live.environment?.buildSid ?? undefined);

  let environment = live.environment;
  if (plan.createEnvironment) {
    const created = await journal.run(labels.environment!, async () => {
      try {
        return await serverless.createEnvironmentFromSuffix(desired.environment, serviceSid!, client);
      } catch (error) {
        throw asRequestError(`POST Services/${serviceSid}/Environments`, error);
      }
    });
    environment = { sid: created.sid, domainName: created.domain_name, buildSid: null };
  }
  const environmentPath = `Services/${serviceSid}/Environments/${environment!.sid}`;

  // 1. Revocations first.
  const sidOf = new Map(live.variables.map((variable) => [variable.key, variable.sid]));
  const { revocations, limits } = deletionsInOrder(plan);
  for (const variable of revocations) {
    await journal.run(`delete variable ${variable.key}`, () => api.delete(`${environmentPath}/Variables/${variable.sid}`));
    sidOf.delete(variable.key);
  }
  if (plan.rotatesKeyPair && sidOf.has(KEY_SID)) {
    await journal.run(`delete variable ${KEY_SID} (key rotation: set again last)`, () =>
      api.delete(`${environmentPath}/Variables/${sidOf.get(KEY_SID)}`),
    );
    sidOf.delete(KEY_SID);
  }

  // 2. The new Build, built but not live.
  let buildSid: string | undefined;
  if (plan.newBuild) {
    const clientConfig = api.config;
    const versions = await journal.run(labels.upload!, async () => {
      const functions = uploads
        .filter((file) => file.kind === 'function')
        .map(({ name, path, access, content }) => ({ name, path, access, content }));
      const assets = uploads
        .filter((file) => file.kind === 'asset')
        .map(({ name, path, access, content }) => ({ name, path, access, content }));
      try {
        const functionResources = await serverless.getOrCreateFunctionResources(functions, serviceSid!, client);
        const functionVersions = await Promise.all(
          functionResources.map((resource) => serverless.uploadFunction(resource, serviceSid!, client, clientConfig)),
        );
        const assetResources = await serverless.getOrCreateAssetResources(assets, serviceSid!, client);
        const assetVersions = await Promise.all(
          assetResources.map((resource) => serverless.uploadAsset(resource, serviceSid!, client, clientConfig)),
        );
        return { functionVersions, assetVersions };
      } catch (error) {
        throw asRequestError('upload', error);
      }
    });
    buildSid = await journal.run(labels.build!, async () => {
      try {
        const build = await serverless.triggerBuild(
          { ...versions, dependencies: [...desired.dependencies], runtime: desired.runtime },
          serviceSid!,
          client,
        );
        await serverless.waitForSuccessfulBuild(build.sid, serviceSid!, client, client);
        return build.sid;
      } catch (error) {
        throw asRequestError('build', error);
      }
    });
  }

  // 3. Variables (they apply to the running build at once), the key SID last.
  for (const key of variablesToSet(plan)) {
    const value = desired.variables[key]!;
    const existing = sidOf.get(key);
    await journal.run(`set variable ${key}`, () =>
      existing
        ? api.post(`${environmentPath}/Variables/${existing}`, { Value: value })
        : api.post(`${environmentPath}/Variables`, { Key: key, Value: value }),
    );
  }

  // 4. Live.
  if (buildSid) {
    await journal.run(labels.activate!, async () => {
      try {
        await serverless.activateBuild(buildSid!, environment!.sid, serviceSid!, client);
      } catch (error) {
        throw asRequestError(`POST ${environmentPath}/Deployments`, error);
      }
    });
    input.onService(serviceSid!, buildSid);
  }

  // 5. Limits the checkout no longer sets, once what replaces them (a policy file, say) is live.
  for (const variable of limits) {
    await journal.run(`delete variable ${variable.key}`, () => api.delete(`${environmentPath}/Variables/${variable.sid}`));
  }
  return { serviceSid: serviceSid!, domainName: environment!.domainName };
}
