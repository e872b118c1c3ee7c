/**
 * Applies a plan to Twilio in the order order.ts gives, which never leaves access wider than both the old and
 * the new configuration: narrowing variable changes first, then the new Build uploaded and built (nothing live
 * changes), the changes that leave access as it is (the signing key's SID last), the Build activated, and the
 * widening changes last. Every write goes through the journal, so a cut or a signal can say what was applied.
 */
import type { DeployStep } from './journal';
import type { UploadFile } from './local';
import { orderedSteps, type OrderedStep } from './order';
import type { DeployPlan, DesiredState, LiveState } from './plan';
import { TwilioRequestError } from './serverless';
import type { ServerlessApi, UploadedVersions } from './serverless-api';

export interface Applied {
  readonly serviceSid: string;
  readonly domainName: string;
}

export interface ApplyInput {
  readonly api: ServerlessApi;
  /** The plan as printed: its steps are the ones listed, in its order. */
  readonly plan: DeployPlan;
  readonly live: LiveState;
  readonly desired: DesiredState;
  readonly uploads: readonly UploadFile[];
  /** Called as soon as the service SID is known (a new service is recorded before anything else is made in it). */
  readonly onService: (serviceSid: string, buildSid: string | undefined) => void;
  /**
   * npm run rotate-key knows the new key's values only once a step before these has made the key: read when the first
   * of these steps runs. Its plan must give the very steps printed and listed, or nothing of it is sent.
   */
  readonly valuesWhenRun?: () => { readonly plan: DeployPlan; readonly desired: DesiredState };
}

/** The plan's writes as steps for the journal, and, once they have all run, where the service is. */
export interface PlannedApply {
  readonly steps: readonly DeployStep[];
  readonly applied: () => Applied;
}

/**
 * The plan's steps (orderedSteps, the list the plan prints), each with the requests that apply it; the journal runs
 * them in that order. The steps share what earlier ones learnt (the new service's SID, the uploaded versions, the Build).
 * @example const { steps, applied } = applySteps({ api, plan, live, desired, uploads, onService }); await new DeployJournal(steps).runAll()
 */
export function applySteps(input: ApplyInput): PlannedApply {
  const { api, plan, live, uploads } = input;
  const listed = orderedSteps(plan, input.desired);
  let serviceSid = live.service?.sid;
  let environment = live.environment;
  const sidOf = new Map(live.variables.map((variable) => [variable.key, variable.sid]));
  let versions: UploadedVersions | undefined;
  let buildSid: string | undefined;

  let resolved: DesiredState | undefined = input.valuesWhenRun ? undefined : input.desired;
  /** The values to write; with valuesWhenRun, checked once to plan the same steps as those listed. */
  const desiredNow = (): DesiredState => {
    if (resolved) return resolved;
    const now = input.valuesWhenRun!();
    const [was, is] = [listed, orderedSteps(now.plan, now.desired)].map((steps) => steps.map((step) => step.label).join('\n'));
    // A programming error, not Twilio's: what would be sent is no longer what was printed.
    if (was !== is) throw new Error(`the plan changed after it was printed (listed:\n${was}\nnow:\n${is}); nothing of it was sent`);
    resolved = now.desired;
    return resolved;
  };

  const run = async (step: OrderedStep): Promise<void> => {
    const desired = desiredNow();
    switch (step.kind) {
      case 'service':
        if (plan.createService) {
          // serverless-api's createService always asks for IncludeCredentials true: this service never uses the account's auth token.
          serviceSid = (await api.createService(desired.serviceName)).sid;
        } else {
          await api.excludeCredentials(serviceSid!);
        }
        input.onService(serviceSid!, live.environment?.buildSid ?? undefined);
        return;
      case 'environment': {
        const created = await api.createEnvironment(serviceSid!, desired.environment);
        environment = { sid: created.sid, domainName: created.domainName, buildSid: null };
        return;
      }
      case 'delete':
      case 'rotation': {
        // Read from the live service: absent, there is nothing to delete.
        const sid = sidOf.get(step.name);
        if (sid === undefined) return;
        await api.deleteVariable(serviceSid!, environment!.sid, sid);
        sidOf.delete(step.name);
        return;
      }
      case 'set': {
        const value = desired.variables[step.name]!;
        const existing = sidOf.get(step.name);
        await (existing
          ? api.updateVariable(serviceSid!, environment!.sid, existing, value)
          : api.createVariable(serviceSid!, environment!.sid, step.name, value));
        return;
      }
      case 'upload':
        versions = await api.uploadFiles(serviceSid!, uploads);
        return;
      case 'build': {
        const build = await api.createBuild(serviceSid!, { ...versions!, dependencies: desired.dependencies, runtime: desired.runtime });
        await waitForBuild(api, serviceSid!, build.sid);
        buildSid = build.sid;
        return;
      }
      case 'activate':
        await api.activateBuild(serviceSid!, environment!.sid, buildSid!);
        input.onService(serviceSid!, buildSid);
        return;
    }
  };

  return {
    steps: listed.map((step) => ({ label: step.label, run: () => run(step) })),
    applied: () => ({ serviceSid: serviceSid!, domainName: environment!.domainName }),
  };
}

/** How often and how long a Build's status is polled: as serverless-api's own wait (1 s, 5 minutes). */
const BUILD_POLL_MS = 1_000;
const BUILD_TIMEOUT_MS = 5 * 60_000;

/**
 * Polls the Build's status until it is completed; a failed build, a timeout or a failed poll rejects. Not
 * serverless-api's waitForSuccessfulBuild: a poll that fails inside it (a cut connection) is an unhandled
 * rejection that ends the process before the journal can say what was applied, and its promise never settles.
 */
async function waitForBuild(api: ServerlessApi, serviceSid: string, buildSid: string): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    const status = await api.fetchBuildStatus(serviceSid, buildSid);
    if (status === 'completed') return;
    const stop = (detail: string) => new TwilioRequestError({ operation: 'build', status: 200, detail });
    if (status === 'failed')
      throw stop(`Twilio says the build ${buildSid} failed (its log is in the Console, Functions and Assets > Services)`);
    if (Date.now() > deadline) throw stop(`the build ${buildSid} was not done after ${BUILD_TIMEOUT_MS / 60_000} minutes`);
    await new Promise((resolve) => setTimeout(resolve, BUILD_POLL_MS));
  }
}
