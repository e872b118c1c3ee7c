/** Step 6 of npm run deploy: applies the plan in a journal; after a failure, says what was applied and what is live now. */
import { applySteps, type Applied } from './apply';
import { recordedServiceSid, recordService } from './info';
import type { DeployProgress } from './interruption';
import { DeployJournal } from './journal';
import type { UploadFile } from './local';
import type { DeployPlan, DesiredState, LiveState, PlanOptions } from './plan';
import type { Preflight } from './preflight';
import { reportWhatIsLive } from './read-back';
import { describeTwilioError, TwilioRequestError } from './serverless';
import type { ServerlessApi } from './serverless-api';

interface ApplyStepOptions extends PlanOptions {
  readonly api: ServerlessApi;
  readonly preflight: Preflight;
  /** The project folder, where .twiliodeployinfo records the service as soon as it exists. */
  readonly cwd: string;
  readonly progress: DeployProgress;
  readonly plan: DeployPlan;
  readonly live: LiveState;
  readonly desired: DesiredState;
  readonly uploads: readonly UploadFile[];
}

/** What was applied, or undefined after a failure (reported: the steps applied and not, and what is live). */
export async function applyWithJournal(options: ApplyStepOptions): Promise<Applied | undefined> {
  const { api, preflight, cwd, progress, plan, live, desired, uploads } = options;
  const { accountSid, credentials } = preflight;
  const region = preflight.config.region;
  const apply = applySteps({
    api,
    plan,
    live,
    desired,
    uploads,
    onService: (serviceSid, buildSid) => recordService({ cwd, accountSid, region, serviceSid, latestBuild: buildSid }),
  });
  const journal = new DeployJournal(apply.steps);
  progress.journal = journal;
  try {
    // An existing service is recorded before anything changes in it, as a new one is when made (by its step, as is
    // one whose IncludeCredentials is corrected).
    if (live.service && !plan.fixIncludeCredentials)
      recordService({ cwd, accountSid, region, serviceSid: live.service.sid, latestBuild: live.environment?.buildSid ?? undefined });
    await journal.runAll();
    return apply.applied();
  } catch (error) {
    const cause = error instanceof TwilioRequestError ? describeTwilioError(error, credentials) : (error as Error).message;
    progress.reportInterruption(`failed (${cause})`);
    await reportWhatIsLive({
      api,
      // A service made before the failure is recorded by then.
      serviceSid: live.service?.sid ?? recordedServiceSid({ cwd, accountSid, region }),
      desired,
      allowRemoval: options.allowRemoval,
      ...(options.removeVariables && { removeVariables: options.removeVariables }),
    });
    return undefined;
  }
}
