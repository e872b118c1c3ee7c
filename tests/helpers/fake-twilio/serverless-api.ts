/** The fake Serverless API: handlers for Twilio's three hosts, wired from the keys, faults, router and routes kept beside it. */
// TLS and the proxy live elsewhere, so the handlers can be served over plain http too. The router (serverless-router.ts)
// runs the routes (serverless-routes-*.ts), which follow Twilio's rules (serverless-rules.ts) on the state held by
// ServerlessStore, rendered by TwilioJson and read by tests through ServerlessStateView.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccountKeys, type FakeCredentials } from './account-keys';
import { FaultBoard, type Fault, type FaultSpec } from './faults';
import { ServerlessLookups, type RouteDeps } from './serverless-lookups';
import { buildRoutes, deploymentRoutes } from './serverless-routes-builds';
import { functionAndAssetRoutes, uploadRoutes } from './serverless-routes-functions';
import { serviceRoutes } from './serverless-routes-services';
import { dispatch, routeRequest, type DispatchHooks, type RecordedRequest, type Reply, type Route } from './serverless-router';
import { SUPPORTED_RUNTIMES } from './serverless-rules';
import { ServerlessStore } from './serverless-store';
import { createStateView, type ServerlessStateView } from './state-view';
import { ACCOUNTS_HOST, API_HOST, TwilioJson, UPLOAD_HOST } from './twilio-json';

export { ACCOUNTS_HOST, API_HOST, UPLOAD_HOST } from './twilio-json';
export type { ServerlessStateView } from './state-view';
export type { FakeCredentials } from './account-keys';
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
   * An API key (SK…) with its secret, belonging to this account unless another is named. Keys of this account are
   * accepted by the Serverless API as Twilio accepts any Standard key; every key answers the Accounts API's Balance read
   * for its own account only.
   */
  addApiKey(sid: string, secret: string, accountSid = this.credentials.accountSid): void {
    this.keys.add(sid, secret, accountSid);
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

  /** Handler for https://api.twilio.com: only `GET /2010-04-01/Accounts/{AC}/Balance.json`, which any Standard key may read. */
  readonly handleAccounts = (req: IncomingMessage, res: ServerResponse): void => {
    void dispatch(this.hooks, ACCOUNTS_HOST, (method, url) => this.keys.balance(method, url, req.headers.authorization), req, res);
  };

  /** Twilio authenticates before it routes: a bad credential is 401 on any path, known or not. */
  private route(routes: readonly Route[], method: string, url: URL, req: IncomingMessage, body: Buffer): Reply {
    this.keys.authenticate(req.headers.authorization);
    return routeRequest(routes, method, url, req.headers['content-type'], body);
  }
}
