/**
 * Starts the TaskRouter stand-in on its own: a throwaway CA covering taskrouter.twilio.com and a CONNECT proxy that
 * lets only that host through. twilio-node reaches it as it reaches Twilio, via HTTP_PROXY and NODE_EXTRA_CA_CERTS.
 */
import { serveSingleHost, type SingleHost } from './single-host';
import { throwawayCredentials, type FakeCredentials } from './account-keys';
import { FakeTaskRouterApi, TASKROUTER_HOST } from './taskrouter-api';

/** The proxy's env, refusals (any host other than taskrouter.twilio.com) and stop, with the stand-in. */
export interface FakeTaskRouter extends SingleHost {
  /** Workspaces, Workers, outages and the requests seen. */
  readonly api: FakeTaskRouterApi;
  /** The credentials the stand-in accepts (random; never a real credential). */
  readonly credentials: Readonly<FakeCredentials>;
}

/**
 * @example
 * const taskrouter = await startFakeTaskRouter({ apiKeySid, apiKeySecret, accountSid });
 * const workspaceSid = taskrouter.api.addWorkspace();
 * taskrouter.api.addWorker(workspaceSid, 'alice');
 * // start the client with { ...process.env, ...taskrouter.env }
 */
export async function startFakeTaskRouter(credentials: Partial<FakeCredentials> = {}): Promise<FakeTaskRouter> {
  const accepted = throwawayCredentials(credentials);
  const api = new FakeTaskRouterApi(accepted);
  const served = await serveSingleHost(TASKROUTER_HOST, api.handle);
  return { ...served, api, credentials: Object.freeze({ ...accepted }) };
}
