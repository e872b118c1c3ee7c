/** After changes were sent: the service read back and compared with this checkout, to confirm it or say what still differs. */
import type { Applied } from './apply';
import { readLiveState } from './live';
import { countChanges, planDeployment, renderPlan, type DeployPlan, type DesiredState, type PlanOptions } from './plan';
import { say } from './output';
import type { ServerlessApi } from './serverless-api';

interface ReadBackOptions extends PlanOptions {
  readonly api: ServerlessApi;
  readonly desired: DesiredState;
}

/**
 * After a failure: what is live now (read back with GETs), as the changes still to apply, and whether the service
 * is left without its signing key SID (a rotation cut part-way: it fails closed until a deploy completes).
 */
export async function reportWhatIsLive(options: ReadBackOptions & { readonly serviceSid: string | undefined }): Promise<void> {
  const { api, desired, serviceSid } = options;
  let now;
  try {
    now = await readLiveState(api, { serviceSid, environment: desired.environment });
  } catch {
    say('deploy: the service could not be read back to say more');
    return;
  }
  const remaining = planDeployment(now, desired, options);
  if (countChanges(remaining) > 0) {
    say('deploy: read back, the service still differs from this checkout in:');
    for (const line of renderPlan(remaining, desired, { order: false })) say(line);
  }
  if (
    desired.variables['TWILIO_API_KEY_SID'] &&
    now.environment &&
    !now.variables.some((variable) => variable.key === 'TWILIO_API_KEY_SID')
  ) {
    say(
      "deploy: TWILIO_API_KEY_SID is not set on the service now, so it refuses to sign tokens (it never pairs one key SID with another key's secret) until a deploy completes",
    );
  }
}

/**
 * After every change was applied: true when the service read back matches this checkout (and says so, with the
 * variables the plan left alone); false, printed, when it differs or cannot be read.
 */
export async function confirmReadBack(
  options: ReadBackOptions & { readonly applied: Applied; readonly plan: DeployPlan },
): Promise<boolean> {
  const { api, desired, applied, plan } = options;
  let after;
  try {
    after = await readLiveState(api, { serviceSid: applied.serviceSid, environment: desired.environment });
  } catch (error) {
    say(`deploy: every change was sent, but reading the service back failed (${(error as Error).message})`);
    say('deploy: run `npm run deploy` again: it plans against what is live and applies what is missing');
    return false;
  }
  const remaining = planDeployment(after, desired, options);
  if (countChanges(remaining) > 0) {
    say('deploy: the service read back differs from this checkout:');
    for (const line of renderPlan(remaining, desired, { order: false })) say(line);
    say('deploy: run `npm run deploy` again');
    return false;
  }
  say('deploy: applied; the service read back matches this checkout');
  if (plan.leftAlone.length > 0) say(`deploy: warning: left alone, not read by this service: ${plan.leftAlone.join(', ')}`);
  return true;
}
