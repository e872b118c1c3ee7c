/**
 * A loopback stand-in for Twilio's Serverless API that real clients (twilio-run, the Twilio CLI, twilio-node) reach as
 * they reach the real one: through HTTP_PROXY (a CONNECT tunnel) and TLS trusted via NODE_EXTRA_CA_CERTS.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTestCertificates } from './certificates';
import { startConnectProxy, type ProxyRefusal } from './connect-proxy';
import { bootDeployedEnvironment, type BootOptions, type DeployedEnvironment } from './deployed-build';
import { contextBytes, MAX_CONTEXT_BYTES } from './function-context';
import { createFunctionsEdgeHandler, type EdgeHandler } from './functions-edge';
import {
  API_HOST,
  FakeServerlessApi,
  KEY_HOSTS,
  UPLOAD_HOST,
  type Fault,
  type FaultSpec,
  type ApiKeyOptions,
  type FakeCredentials,
  type RecordedRequest,
  type ServerlessStateView,
} from './serverless-api';
import { FakeSyncApi, SYNC_HOST } from './sync-api';
import { secretsEqual } from './basic-auth';

export type { DeployedEnvironment } from './deployed-build';
export type { ProxyRefusal } from './connect-proxy';
export type { ApiKeyOptions, FakeCredentials, FakeKeyType, Fault, FaultAction, FaultSpec, RecordedRequest } from './serverless-api';
export type * from './state-view';

export interface StartFakeTwilioOptions {
  /** Credentials the fake accepts; each field missing is generated at random (never a real credential). */
  credentials?: Partial<FakeCredentials>;
  /** Status polls answered `building` before a Build completes or fails. Default 1 (clients poll once a second). */
  statusPollsWhileBuilding?: number;
  /** Runtimes a Build accepts. Default node20, node22, node24. */
  runtimes?: readonly string[];
}

export interface FakeTwilioEnv {
  /** The proxy URL: @twilio-labs/serverless-api (hpagent) and twilio-node both read this upper-case name only. */
  HTTP_PROXY: string;
  /** The throwaway CA file, so that Node trusts the fake's certificate. */
  NODE_EXTRA_CA_CERTS: string;
}

export interface FakeTwilio {
  /** `http://127.0.0.1:<port>`: the CONNECT proxy in front of the fake. */
  readonly proxyUrl: string;
  /** Path of the CA certificate (PEM, 0600) that signed the fake's server certificate. */
  readonly caFile: string;
  /** The environment variables a client process needs: merge them into its `env`. */
  readonly env: Readonly<FakeTwilioEnv>;
  /** The account SID/auth token and API key SID/secret the fake accepts. */
  readonly credentials: Readonly<FakeCredentials>;
  /** Read-only view of services, environments, versions (with content), builds, variables and deployments. */
  readonly state: ServerlessStateView;
  /**
   * The account's Sync (one Service, `sync.serviceSid`), answering the account SID with its auth token and any API key
   * of the account: what npm run deploy and npm run doctor -- --online check and prepare.
   */
  readonly sync: FakeSyncApi;
  /** Every API and upload request so far, in order, with status and a secret-free summary of the body. */
  requests(): readonly RecordedRequest[];
  /** Every proxy request refused so far (a CONNECT to another host, or a non-CONNECT request). */
  refusals(): readonly ProxyRefusal[];
  /**
   * Registers an API key (the signing key a test's .env names): by default a Standard key of the fake's account in us1;
   * `options` name another account, a type (main, restricted) or a region. A key of the fake's account is accepted by
   * the Serverless API; any key answers its own region's Balance for its own account.
   */
  addApiKey(sid: string, secret: string, options?: ApiKeyOptions): void;
  /** The account's keys in a region (us1 by default) as the Keys resource holds them, with their secrets (for assertions). */
  apiKeys(region?: string): readonly { sid: string; secret: string; friendlyName: string }[];
  /** Cuts or holds the nth request matching a method and path, so a test can interrupt a client at that point. */
  addFault(spec: FaultSpec): Fault;
  /**
   * Boots the Build deployed to an environment (by SID or domain) and routes its domain through the Functions edge.
   * A deployed domain that is called without this boots by itself on its first request (which waits for it), and
   * boots again when the environment's Build or Variables changed since: Twilio applies Variables to running
   * Functions without a deploy.
   */
  bootDeployedEnvironment(
    environment: string,
    options?: Pick<BootOptions, 'readinessPath' | 'installTimeoutMs' | 'startTimeoutMs'>,
  ): Promise<DeployedEnvironment>;
  /** Stops every booted environment, the proxy and the TLS server, and removes the CA file. */
  stop(): Promise<void>;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function notDeployed(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('No deployment is running for this domain in the fake');
}

function plainAnswer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

/** One environment's running Build, and the state it was booted from. */
interface Served {
  readonly instance: DeployedEnvironment;
  readonly edge: EdgeHandler;
  readonly fingerprint: string;
}

/**
 * Starts the fake: certificates, the API state and the proxy.
 *
 * @example
 * const fake = await startFakeTwilio();
 * const { accountSid, authToken } = fake.credentials; // twilio-run deploy reads them from .env or from flags
 * execFile('node_modules/.bin/twilio-run', ['deploy', '--username', accountSid, '--password', authToken], {
 *   env: { ...process.env, ...fake.env },
 * });
 * expect(fake.state.services()).toHaveLength(1);
 * await fake.stop();
 */
export async function startFakeTwilio(options: StartFakeTwilioOptions = {}): Promise<FakeTwilio> {
  const credentials: FakeCredentials = {
    accountSid: `AC${hex(16)}`,
    authToken: hex(16),
    apiKeySid: `SK${hex(16)}`,
    apiKeySecret: hex(16),
    ...options.credentials,
  };
  const api = new FakeServerlessApi({
    credentials,
    statusPollsWhileBuilding: options.statusPollsWhileBuilding,
    runtimes: options.runtimes,
  });
  const sync = new FakeSyncApi(
    {
      accountSid: credentials.accountSid,
      apiKeySid: credentials.apiKeySid,
      apiKeySecret: credentials.apiKeySecret,
      serviceSid: `IS${hex(16)}`,
    },
    Date.now,
    (user, password) =>
      (secretsEqual(user, credentials.accountSid) && secretsEqual(password, credentials.authToken)) ||
      api.apiKeys().some((key) => secretsEqual(user, key.sid) && secretsEqual(password, key.secret)),
  );
  const certificates = await createTestCertificates([...KEY_HOSTS.keys(), SYNC_HOST].filter((host) => host !== 'api.twilio.com'));
  const served = new Map<string, Served>();
  const starting = new Map<string, Promise<Served>>();
  const dependencyCache = new Map<string, Promise<string>>();

  /** What a booted instance depends on: the deployed Build and the Variables. */
  const fingerprintOf = (environmentSid: string) =>
    JSON.stringify([
      api.state.environment(environmentSid)?.buildSid,
      api.state.variables(environmentSid).map(({ key, value }) => [key, value]),
    ]);

  /** The environment's deployment, running and up to date: booted, or booted again, as needed (one boot at a time). */
  async function serve(environmentSid: string, bootOptions: Parameters<FakeTwilio['bootDeployedEnvironment']>[1] = {}): Promise<Served> {
    const domain = api.state.environment(environmentSid)!.domainName;
    const pending = starting.get(domain);
    if (pending) return pending;
    const current = served.get(domain);
    const fingerprint = fingerprintOf(environmentSid);
    if (current && current.fingerprint === fingerprint) return current;
    const work = (async (): Promise<Served> => {
      if (current) {
        served.delete(domain);
        await current.instance.stop();
      }
      const instance = await bootDeployedEnvironment({
        ...bootOptions,
        state: api.state,
        environmentSid,
        accountSid: credentials.accountSid,
        dependencyCache,
      });
      const entry: Served = { instance, edge: createFunctionsEdgeHandler(instance.upstreamUrl), fingerprint };
      served.set(domain, entry);
      return entry;
    })();
    starting.set(domain, work);
    try {
      return await work;
    } finally {
      starting.delete(domain);
    }
  }

  /** A request to a deployed domain: Twilio's context limit first, then the running Build behind the edge. */
  function handleDeployedDomain(host: string, req: IncomingMessage, res: ServerResponse): void {
    const environment = api.state.environmentByDomain(host);
    if (!environment?.buildSid) {
      notDeployed(res);
      return;
    }
    const path = new URL(req.url ?? '/', `https://${host}`).pathname;
    const build = api.state.build(environment.buildSid)!;
    const isFunction = build.functionVersionSids.some((sid) => api.state.version(sid)?.path === path);
    if (isFunction && contextBytes(api.state, environment.sid, credentials.accountSid, path) > MAX_CONTEXT_BYTES) {
      req.resume();
      plainAnswer(res, 500, 'Environment Context too large (Twilio error 82006)');
      return;
    }
    serve(environment.sid).then(
      (entry) => entry.edge(req, res),
      () => {
        req.resume();
        plainAnswer(res, 503, 'The deployment could not be started by the fake');
      },
    );
  }

  const isKnownDomain = (host: string) => host.endsWith('.twil.io') && api.state.environmentByDomain(host) !== undefined;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  try {
    proxy = await startConnectProxy({
      tls: { cert: certificates.serverCertPem, key: certificates.serverKeyPem },
      allowHost: (host) => host === API_HOST || host === UPLOAD_HOST || host === SYNC_HOST || KEY_HOSTS.has(host) || isKnownDomain(host),
      handlerFor: (host) => {
        if (host === API_HOST) return api.handleApi;
        if (host === SYNC_HOST) return sync.handle;
        if (KEY_HOSTS.has(host)) return api.handlerForKeyHost(host);
        if (host === UPLOAD_HOST) return api.handleUpload;
        if (!isKnownDomain(host)) return undefined;
        return (req, res) => handleDeployedDomain(host, req, res);
      },
    });
  } catch (error) {
    certificates.dispose();
    throw error;
  }
  const runningProxy = proxy;

  return {
    proxyUrl: runningProxy.url,
    caFile: certificates.caFile,
    env: Object.freeze({ HTTP_PROXY: runningProxy.url, NODE_EXTRA_CA_CERTS: certificates.caFile }),
    credentials: Object.freeze({ ...credentials }),
    state: api.state,
    sync,
    requests: () => api.requests(),
    refusals: () => runningProxy.refusals(),
    addApiKey: (sid, secret, keyOptions) => api.addApiKey(sid, secret, keyOptions),
    apiKeys: (region) => api.apiKeys(region),
    addFault: (spec) => api.addFault(spec),
    async bootDeployedEnvironment(environment, bootOptions = {}) {
      const found = api.state.environment(environment) ?? api.state.environmentByDomain(environment);
      if (!found) throw new Error(`no environment ${environment} in the fake`);
      const entry = await serve(found.sid, bootOptions);
      return {
        ...entry.instance,
        // Stops this instance; the next request to the domain boots it again.
        stop: async () => {
          if (served.get(found.domainName) === entry) served.delete(found.domainName);
          await entry.instance.stop();
        },
      };
    },
    async stop() {
      api.releaseFaults();
      await Promise.allSettled([...starting.values()]);
      await Promise.all([...served.values()].map((entry) => entry.instance.stop()));
      served.clear();
      await runningProxy.close();
      for (const installed of dependencyCache.values()) {
        await installed.then(
          (dir) => rmSync(dir, { recursive: true, force: true }),
          () => undefined,
        );
      }
      certificates.dispose();
    },
  };
}
