/** The fake Serverless API: handlers for Twilio's three hosts, wired from the keys, faults, router and routes kept beside it. */
// TLS and the proxy live elsewhere, so the handlers can be served over plain http too. The router (serverless-router.ts)
// runs the routes (serverless-routes-*.ts), which follow Twilio's rules (serverless-rules.ts) on the state held by
// ServerlessStore, rendered by TwilioJson and read by tests through ServerlessStateView.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccountKeys, type ApiKeyOptions, type FakeCredentials } from './account-keys';
import { FaultBoard, type Fault, type FaultSpec } from './faults';
import { KeysApi } from './keys-api';
import { ServerlessLookups, type RouteDeps } from './serverless-lookups';
import { buildRoutes, deploymentRoutes } from './serverless-routes-builds';
import { functionAndAssetRoutes, uploadRoutes } from './serverless-routes-functions';
import { serviceRoutes } from './serverless-routes-services';
import { dispatch, routeRequest, type DispatchHooks, type RecordedRequest, type Reply, type Route } from './serverless-router';
import { SUPPORTED_RUNTIMES } from './serverless-rules';
import { ServerlessStore } from './serverless-store';
import { createStateView, type ServerlessStateView } from './state-view';
import { API_HOST, KEY_HOSTS, TwilioJson, UPLOAD_HOST } from './twilio-json';

export { API_HOST, KEY_HOSTS, UPLOAD_HOST } from './twilio-json';
export type { ServerlessStateView } from './state-view';
export type { ApiKeyOptions, FakeCredentials, FakeKeyType } from './account-keys';
export type { Fault, FaultAction, FaultSpec } from './faults';
export type { RecordedRequest } from './serverless-router';

export interface FakeServerlessApiOptions {
  credentials: FakeCredentials;
  /** How many GET …/Builds/{ZB}/Status polls answer `building` before the final status. Default 1. */
  statusPollsWhileBuilding?: number;
  /** Runtimes a Build accepts. Default SUPPORTED_RUNTIMES. */
  runtimes?: readonly string[];
}

/**
 * The fake Serverless API.
 *
 * @example
 * const api = new FakeServerlessApi({ credentials });
 * http.createServer((req, res) => (req.headers.host === UPLOAD_HOST ? api.handleUpload : api.handleApi)(req, res));
 */
export class FakeServerlessApi {
  private readonly credentials: FakeCredentials;
  private readonly keys: AccountKeys;
  private readonly keysApi: KeysApi;
  private readonly recorded: RecordedRequest[] = [];
  private readonly faults = new FaultBoard();
  /** Every host's requests pass the same faults and land in the same record. */
  private readonly hooks: DispatchHooks = { faults: this.faults, keep: (request) => this.recorded.push(request) };
  private readonly apiRoutes: Route[];
  private readonly uploadRoutes: Route[];

  /** Read-only views of the state for assertions. */
  readonly state: ServerlessStateView;

  constructor(options: FakeServerlessApiOptions) {
    const { credentials } = options;
    if (!/^AC[0-9a-f]{32}$/.test(credentials.accountSid) || !/^SK[0-9a-f]{32}$/.test(credentials.apiKeySid)) {
      throw new Error('FakeServerlessApi needs an AC… account SID and an SK… API key SID (34 characters, lower-case hex)');
    }
    if (!credentials.authToken || !credentials.apiKeySecret) throw new Error('FakeServerlessApi needs non-empty secrets');
    this.credentials = { ...credentials };
    this.keys = new AccountKeys(this.credentials);
    this.keysApi = new KeysApi(this.keys);
    const store = new ServerlessStore(credentials.accountSid, options.statusPollsWhileBuilding ?? 1);
    const deps: RouteDeps = { store, json: new TwilioJson(store), find: new ServerlessLookups(store) };
    this.apiRoutes = [
      ...serviceRoutes(deps),
      ...deploymentRoutes(deps),
      ...functionAndAssetRoutes(deps),
      ...buildRoutes(deps, options.runtimes ?? SUPPORTED_RUNTIMES),
    ];
    this.uploadRoutes = uploadRoutes(deps);
    this.state = createStateView(store);
  }

  /** Every request so far, in arrival order. */
  requests(): readonly RecordedRequest[] {
    return [...this.recorded];
  }

  /**
   * An API key (SK…) with its secret; by default a Standard key of this account in us1. Keys of this account are
   * accepted by the Serverless API (Restricted ones refused with 70051); every key answers its own region's Balance read
   * for its own account only.
   */
  addApiKey(sid: string, secret: string, options: ApiKeyOptions = {}): void {
    this.keys.add(sid, secret, options);
  }

  /** The keys of an account in a region, as the Keys resource lists them (secrets included: for assertions only). */
  apiKeys(region = 'us1', accountSid = this.credentials.accountSid): readonly { sid: string; secret: string; friendlyName: string }[] {
    return this.keys.list(accountSid, region).map(({ sid, secret, friendlyName }) => ({ sid, secret, friendlyName }));
  }

  /** Arms a fault for the nth request matching method and path (counted from now), on any of the fake's hosts. */
  addFault(spec: FaultSpec): Fault {
    return this.faults.add(spec);
  }

  /** Releases every held request (the fake is stopping). */
  releaseFaults(): void {
    this.faults.releaseAll();
  }

  /** Handler for https://serverless.twilio.com. */
  readonly handleApi = (req: IncomingMessage, res: ServerResponse): void => {
    void dispatch(this.hooks, API_HOST, (method, url, body) => this.route(this.apiRoutes, method, url, req, body), req, res);
  };

  /** Handler for https://serverless-upload.twilio.com (Function and Asset Version uploads). */
  readonly handleUpload = (req: IncomingMessage, res: ServerResponse): void => {
    void dispatch(this.hooks, UPLOAD_HOST, (method, url, body) => this.route(this.uploadRoutes, method, url, req, body), req, res);
  };

  /** Handler for a core-API or IAM host (KEY_HOSTS): Balance and the Key resource, in the host's region. */
  handlerForKeyHost(host: string): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
    const served = KEY_HOSTS.get(host);
    if (!served) return undefined;
    return (req, res) =>
      void dispatch(
        this.hooks,
        host,
        (method, url, body) => {
          const request = { method, url, body, authorization: req.headers.authorization, region: served.region };
          return served.product === 'api' ? this.keysApi.core(request) : this.keysApi.iam(request);
        },
        req,
        res,
      );
  }

  /** Twilio authenticates before it routes: a bad credential is 401 on any path, known or not. */
  private route(routes: readonly Route[], method: string, url: URL, req: IncomingMessage, body: Buffer): Reply {
    this.keys.authenticate(req.headers.authorization);
    return routeRequest(routes, method, url, req.headers['content-type'], body);
  }
}
