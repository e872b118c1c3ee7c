/** The thin layer between the Worker directory and TaskRouter's REST API, through twilio-node. */
import type { ServiceConfig } from '../lib/config/service-config';
import { createWorkerDirectory, type WorkerDirectory, type WorkerLookup } from '../lib/token/taskrouter-workers';

/** What twilio-node needs to call TaskRouter: the same Standard API key that signs the tokens. */
interface TaskRouterCredentials {
  readonly accountSid: string;
  readonly apiKeySid: string;
  readonly apiKeySecret: string;
}

type TwilioFactory = (
  username: string,
  password: string,
  options: { accountSid: string },
) => {
  taskrouter: {
    v1: {
      workspaces(sid: string): {
        workers: {
          page(params: { friendlyName: string; pageSize: number }): Promise<{ instances: { sid: string; friendlyName: string }[] }>;
        };
      };
    };
  };
};

/** A Twilio REST error's status and code, for the log (its message may quote the request). */
function describeTwilioError(error: unknown): string {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  if (typeof status === 'number') return `TaskRouter answered ${status}${typeof code === 'number' ? ` (error ${code})` : ''}`;
  return error instanceof Error
    ? `${error.name}${'code' in error && typeof error.code === 'string' ? ` ${error.code}` : ''}`
    : typeof error;
}

/**
 * The lookup through twilio-node: `GET taskrouter.twilio.com/v1/Workspaces/{WS}/Workers?FriendlyName=…&PageSize=…`,
 * authenticated with the API key (no auth token needed). twilio is loaded on the first lookup, not at cold start.
 * @example createTwilioWorkerLookup({ accountSid, apiKeySid, apiKeySecret })('WS…', 'alice', 2)
 */
function createTwilioWorkerLookup(credentials: TaskRouterCredentials): WorkerLookup {
  let client: ReturnType<TwilioFactory> | undefined;
  return async (workspaceSid, friendlyName, pageSize) => {
    client ??= (require('twilio') as TwilioFactory)(credentials.apiKeySid, credentials.apiKeySecret, {
      accountSid: credentials.accountSid,
    });
    try {
      const page = await client.taskrouter.v1.workspaces(workspaceSid).workers.page({ friendlyName, pageSize });
      return page.instances.map((worker) => ({ sid: worker.sid, friendlyName: worker.friendlyName }));
    } catch (error) {
      throw new Error(describeTwilioError(error));
    }
  };
}

/**
 * A Worker directory for this configuration, asking TaskRouter with the API key that signs the tokens.
 * @example createTwilioWorkerDirectory(config, Date.now).workerSidFor('WS…', 'alice')
 */
export function createTwilioWorkerDirectory(config: ServiceConfig, now: () => number): WorkerDirectory {
  const lookup = createTwilioWorkerLookup({
    accountSid: config.accountSid,
    apiKeySid: config.apiKeySid,
    apiKeySecret: config.signingKey.export().toString('utf8'),
  });
  return createWorkerDirectory(lookup, now);
}
