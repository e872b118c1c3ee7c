/** Step 3 of npm run deploy: the two sides of the plan, the live service (read with GETs only) and what this checkout deploys. */
import { recordedServiceSid } from './info';
import { findService, readLiveState } from './live';
import { readLocalDeployment, type LocalDeployment } from './local';
import type { LiveState } from './plan';
import type { Preflight } from './preflight';
import { describeTwilioError, TwilioRequestError } from './serverless';
import type { ServerlessApi } from './serverless-api';
import { DeployStop } from './output';

interface ReadLiveOptions {
  readonly api: ServerlessApi;
  readonly preflight: Preflight;
  /** The project folder, where .twiliodeployinfo records the service this checkout deployed. */
  readonly cwd: string;
}

/**
 * Finds the service (by SID when known, else by name) and reads it; a name taken by a service this checkout has no
 * record of, or a refusal from Twilio, stops the deploy with nothing changed.
 */
export async function readLiveService(options: ReadLiveOptions): Promise<LiveState> {
  const { api, preflight, cwd } = options;
  const { config, credentials, accountSid, environmentName } = preflight;
  const serviceSid = config.serviceSid || recordedServiceSid({ cwd, accountSid, region: config.region });
  const target = { ...(serviceSid ? { serviceSid } : {}), serviceName: preflight.serviceName, environment: environmentName };
  try {
    const found = await findService(api, target, Boolean(config.overrideExistingService || config.force));
    if (!found.sid && 'conflict' in found && found.conflict) {
      throw new DeployStop(
        `the service name ${target.serviceName} is taken by ${found.conflict} and this checkout has no record of deploying it (no .twiliodeployinfo: a fresh clone or CI); nothing was changed.\n` +
          `  fix: to redeploy that service add --service-sid ${found.conflict} (or --override-existing-project); to make a new one, choose another --service-name`,
      );
    }
    return await readLiveState(api, { serviceSid: found.sid, environment: environmentName });
  } catch (error) {
    if (error instanceof TwilioRequestError) throw new DeployStop(`${describeTwilioError(error, credentials)}; nothing was changed`);
    throw error;
  }
}

/** What this checkout deploys, from the build output, to the live service's name (or the configured one for a new service). */
export function readDesiredState(options: {
  readonly preflight: Preflight;
  readonly cwd: string;
  readonly live: LiveState;
}): Promise<LocalDeployment> {
  const { preflight, cwd, live } = options;
  const { config } = preflight;
  return readLocalDeployment({
    cwd,
    env: config.env,
    functionsFolderName: config.functionsFolderName ?? 'dist/functions',
    assetsFolderName: config.assetsFolderName ?? 'dist/assets',
    runtime: config.runtime ?? 'node22',
    serviceName: live.service?.uniqueName ?? preflight.serviceName,
    environment: preflight.environmentName,
  });
}
