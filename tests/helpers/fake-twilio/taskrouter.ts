/**
 * Starts the TaskRouter stand-in on its own: a throwaway CA covering taskrouter.twilio.com and a CONNECT proxy that
 * lets only that host through. twilio-node reaches it as it reaches Twilio, via HTTP_PROXY and NODE_EXTRA_CA_CERTS.
 */
import { randomBytes } from 'node:crypto';
import type { ProxyRefusal } from './connect-proxy';
import { serveSingleHost } from './single-host';
import type { FakeCredentials } from './account-keys';
import { FakeTaskRouterApi, TASKROUTER_HOST } from './taskrouter-api';

export interface FakeTaskRouter {
  /** Workspaces, Workers, outages and the requests seen. */
  readonly api: FakeTaskRouterApi;
  /** The credentials the stand-in accepts (random; never a real credential). */
  readonly credentials: Readonly<FakeCredentials>;
  /** For the client process: HTTP_PROXY (read by twilio-node) and NODE_EXTRA_CA_CERTS (read by Node at start). */
  readonly env: Readonly<{ HTTP_PROXY: string; NODE_EXTRA_CA_CERTS: string }>;
  /** CONNECTs the proxy refused (any host other than taskrouter.twilio.com). */
  refusals(): readonly ProxyRefusal[];
  stop(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * @example
 * const taskrouter = await startFakeTaskRouter({ apiKeySid, apiKeySecret, accountSid });
 * const workspaceSid = taskrouter.api.addWorkspace();
 * taskrouter.api.addWorker(workspaceSid, 'alice');
 * // start the client with { ...process.env, ...taskrouter.env }
 */
export async function startFakeTaskRouter(credentials: Partial<FakeCredentials> = {}): Promise<FakeTaskRouter> {
  const accepted: FakeCredentials = {
    accountSid: `AC${hex(16)}`,
    authToken: hex(16),
    apiKeySid: `SK${hex(16)}`,
    apiKeySecret: hex(16),
    ...credentials,
  };
  const api = new FakeTaskRouterApi(accepted);
  const served = await serveSingleHost(TASKROUTER_HOST, api.handle);
  return {
    api,
    credentials: Object.freeze({ ...accepted }),
    env: served.env,
    refusals: () => served.refusals(),
    stop: () => served.stop(),
  };
}
