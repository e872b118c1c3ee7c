/**
 * The fake Serverless API's rules, as request handlers over plain Node http objects: one for serverless.twilio.com and
 * one for serverless-upload.twilio.com. TLS and the proxy live elsewhere, so the handlers can be served over plain
 * http too. The state is held by ServerlessStore, rendered by TwilioJson, and read by tests through ServerlessStateView.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, parseMultipart, parseUrlencoded, readBody } from './request-body';
import { unresolvableRequires } from './require-scan';
import {
  newSid,
  ServerlessStore,
  timestamp,
  type Build,
  type Dependency,
  type Environment,
  type Resource,
  type ResourceKind,
  type Variable,
  type Version,
  type Visibility,
} from './serverless-store';
import { createStateView, type ServerlessStateView } from './state-view';
import { ApiRefusal, notFound, twilioErrorBody, type TwilioErrorKind } from './twilio-errors';
import { ACCOUNTS_HOST, API_HOST, listPage, TwilioJson, UPLOAD_HOST } from './twilio-json';

export { ACCOUNTS_HOST, API_HOST, UPLOAD_HOST } from './twilio-json';
export type { ServerlessStateView } from './state-view';

/** Runtimes a Build accepts in 2026: node22 is the default, node24 came in July 2026, node18 ended November 2025. */
const SUPPORTED_RUNTIMES: readonly string[] = ['node20', 'node22', 'node24'];
const DEFAULT_RUNTIME = 'node22';
/** Variable resource page: Key "a maximum of 128 characters", Value "a maximum of 450 bytes". */
const MAX_VARIABLE_KEY_CHARACTERS = 128;
const MAX_VARIABLE_VALUE_BYTES = 450;
/** Service UniqueName: "50 characters or less"; the Console adds "letters, numbers, and dashes". */
const MAX_SERVICE_UNIQUE_NAME = 50;
/** Error 20001 seen in twilio-labs/dev-phone #178: "Services are limited to less than or equal to 50". */
const MAX_SERVICES = 50;
/** Environment UniqueName "a maximum of 100 characters", DomainSuffix "a maximum of 16 characters". */
const MAX_ENVIRONMENT_UNIQUE_NAME = 100;
const MAX_DOMAIN_SUFFIX = 16;
const MAX_FRIENDLY_NAME = 255;
/** Version paths: "a maximum of 255 characters" (Twilio) = "shorter than 256" (serverless-api). */
const MAX_PATH_CHARACTERS = 255;
/** Characters serverless-api's checkForValidPath refuses in a path (the client's rule, enforced here too). */
const FORBIDDEN_PATH_CHARACTERS = /[#;,?:@+&$()' "]/;
const VISIBILITIES: readonly Visibility[] = ['public', 'protected', 'private'];

export interface FakeCredentials {
  /** AC…: the account; valid as a Basic username with `authToken`. */
  accountSid: string;
  authToken: string;
  /** SK…: an API key, valid as a Basic username with `apiKeySecret`. */
  apiKeySid: string;
  apiKeySecret: string;
}

export interface FakeServerlessApiOptions {
  credentials: FakeCredentials;
  /** How many GET …/Builds/{ZB}/Status polls answer `building` before the final status. Default 1. */
  statusPollsWhileBuilding?: number;
  /** Runtimes a Build accepts. Default SUPPORTED_RUNTIMES. */
  runtimes?: readonly string[];
}

/** One request as the fake saw it; `summary` never holds a secret value (no Variable value, no credential). */
export interface RecordedRequest {
  readonly method: string;
  readonly host: string;
  /** Path and query string, as sent. */
  readonly path: string;
  /** The status the fake decided on; for a request whose connection a fault cut, the status it would have had (0 if never handled). */
  readonly status: number;
  readonly summary?: Readonly<Record<string, unknown>>;
  /** Set when a fault took this request: its connection was cut before or after the fake applied it, or held. */
  readonly fault?: FaultAction;
}

/**
 * What a fault does to the matching request: `drop-before` cuts the connection without applying it, `drop-after`
 * applies it and cuts the connection instead of answering (the client cannot tell whether it happened), `hold` keeps
 * the request unanswered until `release()` (then cuts it), so a test can signal the client at that point; `pause`
 * keeps it until `release()` and then handles it as usual, so a test can change the state while the client waits.
 */
export type FaultAction = 'drop-before' | 'drop-after' | 'hold' | 'pause';

export interface FaultSpec {
  readonly method: string;
  /** Matched against the path without the query string, e.g. /\/Deployments$/. */
  readonly path: RegExp;
  /** Which matching request (1 = the first after the fault was added). Default 1. */
  readonly nth?: number;
  readonly action: FaultAction;
}

export interface Fault {
  /** Resolves when the matching request has arrived (and, for drop-after, has been applied). */
  readonly reached: Promise<void>;
  /** Cuts a held request's connection, or lets a paused one through; a no-op for other actions. */
  release(): void;
}

interface ArmedFault {
  readonly spec: FaultSpec;
  seen: number;
  done: boolean;
  reachedResolve(): void;
  released: Promise<void>;
  releaseResolve(): void;
}

/** An API key the fake knows: its secret and the account it belongs to. */
interface ApiKeyRecord {
  readonly secret: string;
  readonly accountSid: string;
}

interface Reply {
  status: number;
  /** Serialised as JSON; undefined sends an empty body (204). */
  body?: unknown;
  headers?: Record<string, string>;
  summary?: Record<string, unknown>;
}

interface RouteContext {
  url: URL;
  params: Record<string, string>;
  form: URLSearchParams;
  body: Buffer;
  contentType: string | undefined;
}

type RouteHandler = (context: RouteContext) => Reply;

interface Route {
  /** Path segments after /v1; `:name` captures a segment. */
  pattern: string[];
  methods: Partial<Record<string, RouteHandler>>;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Equal-time comparison of two secrets of any length: both sides are hashed first. */
function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

function booleanField(form: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = form.get(name);
  if (value === null) return fallback;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ApiRefusal('invalidParameter', `Invalid value for ${name}: expected true or false`);
}

/** Parses the Build's Dependencies as Twilio does: a JSON array, also when wrapped in one more pair of quotes. */
function parseDependencies(raw: string | null): Dependency[] {
  if (raw === null || raw.trim() === '') return [];
  const attempts = [raw];
  // serverless-api sends `"${JSON.stringify(deps)}"`: the quotes are not JSON escapes, so strip them before parsing.
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) attempts.push(raw.slice(1, -1));
  for (const attempt of attempts) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(attempt);
      if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    } catch {
      continue;
    }
    if (!Array.isArray(parsed)) break;
    return parsed.map((entry: unknown) => {
      const { name, version } = (entry ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
        throw new ApiRefusal('invalidParameter', 'Dependencies entries need a non-empty name and version');
      }
      return { name, version };
    });
  }
  throw new ApiRefusal('invalidParameter', 'Dependencies must be a JSON array of {name, version} objects');
}

/** A Version path as Twilio stores it: a leading '/' is added when missing (Function Version resource page). */
function normalisePath(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  if (withSlash.length > MAX_PATH_CHARACTERS) {
    throw new ApiRefusal('invalidParameter', `Path must be at most ${MAX_PATH_CHARACTERS} characters`);
  }
  if (FORBIDDEN_PATH_CHARACTERS.test(withSlash)) {
    throw new ApiRefusal('invalidParameter', `Path cannot contain any of the characters #;,?:@+&$()' " (got ${withSlash})`);
  }
  return withSlash;
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
  private readonly runtimes: readonly string[];
  private readonly store: ServerlessStore;
  private readonly json: TwilioJson;
  private readonly recorded: RecordedRequest[] = [];
  private readonly apiKeys = new Map<string, ApiKeyRecord>();
  private readonly faults: ArmedFault[] = [];
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
    this.apiKeys.set(credentials.apiKeySid, { secret: credentials.apiKeySecret, accountSid: credentials.accountSid });
    this.runtimes = options.runtimes ?? SUPPORTED_RUNTIMES;
    this.store = new ServerlessStore(credentials.accountSid, options.statusPollsWhileBuilding ?? 1);
    this.json = new TwilioJson(this.store);
    this.apiRoutes = this.buildApiRoutes();
    this.uploadRoutes = this.buildUploadRoutes();
    this.state = createStateView(this.store);
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
    if (!/^SK[0-9a-f]{32}$/.test(sid) || !/^AC[0-9a-f]{32}$/.test(accountSid) || !secret) {
      throw new Error('addApiKey needs an SK… SID, a non-empty secret and an AC… account SID');
    }
    this.apiKeys.set(sid, { secret, accountSid });
  }

  /** Arms a fault for the nth request matching method and path (counted from now), on any of the fake's hosts. */
  addFault(spec: FaultSpec): Fault {
    let reachedResolve!: () => void;
    let releaseResolve!: () => void;
    const reached = new Promise<void>((resolve) => (reachedResolve = resolve));
    const released = new Promise<void>((resolve) => (releaseResolve = resolve));
    const armed: ArmedFault = { spec, seen: 0, done: false, reachedResolve, released, releaseResolve };
    this.faults.push(armed);
    return { reached, release: () => releaseResolve() };
  }

  /** Releases every held request (the fake is stopping). */
  releaseFaults(): void {
    for (const fault of this.faults) fault.releaseResolve();
  }

  private faultFor(method: string, path: string): ArmedFault | undefined {
    for (const fault of this.faults) {
      if (fault.done || fault.spec.method !== method || !fault.spec.path.test(path)) continue;
      fault.seen += 1;
      if (fault.seen === (fault.spec.nth ?? 1)) {
        fault.done = true;
        return fault;
      }
    }
    return undefined;
  }

  /** Handler for https://serverless.twilio.com. */
  readonly handleApi = (req: IncomingMessage, res: ServerResponse): void => {
    void this.dispatch(API_HOST, (method, url, body) => this.route(this.apiRoutes, method, url, req, body), req, res);
  };

  /** Handler for https://serverless-upload.twilio.com (Function and Asset Version uploads). */
  readonly handleUpload = (req: IncomingMessage, res: ServerResponse): void => {
    void this.dispatch(UPLOAD_HOST, (method, url, body) => this.route(this.uploadRoutes, method, url, req, body), req, res);
  };

  /** Handler for https://api.twilio.com: only `GET /2010-04-01/Accounts/{AC}/Balance.json`, which any Standard key may read. */
  readonly handleAccounts = (req: IncomingMessage, res: ServerResponse): void => {
    void this.dispatch(ACCOUNTS_HOST, (method, url) => this.balance(method, url, req.headers.authorization), req, res);
  };

  private balance(method: string, url: URL, authorization: string | undefined): Reply {
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Balance\.json$/.exec(url.pathname);
    // Twilio authenticates before it routes: credentials that are not valid for the account in the URL get 20003.
    const pair = this.basicPair(authorization);
    const accountSid = match?.[1];
    const { accountSid: ownAccount, authToken } = this.credentials;
    const key = pair && this.apiKeys.get(pair.user);
    const accountOk = pair !== undefined && accountSid === ownAccount && pair.user === ownAccount && secretsEqual(pair.password, authToken);
    const keyOk = pair !== undefined && key !== undefined && secretsEqual(pair.password, key.secret) && key.accountSid === accountSid;
    if (!accountOk && !keyOk) throw new ApiRefusal('authenticate', 'Authenticate', { user: pair?.user.slice(0, 2) ?? null });
    if (!match) throw notFound(url.pathname);
    if (method !== 'GET') throw new ApiRefusal('methodNotAllowed', `Method ${method} not allowed on ${url.pathname}`);
    return { status: 200, body: { account_sid: accountSid, balance: '0.00', currency: 'USD' }, summary: { user: pair!.user } };
  }

  private async dispatch(
    host: string,
    handle: (method: string, url: URL, body: Buffer) => Reply,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `https://${host}`);
    const fault = this.faultFor(method, url.pathname);
    const record = (status: number, summary?: Record<string, unknown>) =>
      this.recorded.push(
        Object.freeze({
          method,
          host,
          path: `${url.pathname}${url.search}`,
          status,
          ...(summary && { summary: Object.freeze(summary) }),
          ...(fault && { fault: fault.spec.action }),
        }),
      );
    if (fault?.spec.action === 'pause') {
      fault.reachedResolve();
      await fault.released;
    } else if (fault && fault.spec.action !== 'drop-after') {
      req.resume();
      record(0);
      fault.reachedResolve();
      if (fault.spec.action === 'hold') await fault.released;
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    try {
      const body = await readBody(req);
      reply = handle(method, url, body);
    } catch (error) {
      if (error instanceof ApiRefusal) {
        const body = twilioErrorBody(error.kind, error.message);
        // Twilio's API names its realm on a 401, as a Basic-auth server must (RFC 7235).
        const headers = error.kind === 'authenticate' ? { 'www-authenticate': 'Basic realm="Twilio API"' } : undefined;
        reply = { status: body.status, body, headers, summary: error.summary };
      } else if (error instanceof BodyTooLargeError) {
        reply = { status: 413, body: twilioErrorBody('invalidParameter', error.message) };
      } else {
        reply = { status: 500, body: { code: 20500, message: String(error), more_info: '', status: 500 } };
      }
    }
    record(reply.status, reply.summary);
    if (fault?.spec.action === 'drop-after') {
      // drop-after: applied, but the answer never arrives.
      fault.reachedResolve();
      req.socket.destroy();
      return;
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, { ...reply.headers }).end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private route(routes: Route[], method: string, url: URL, req: IncomingMessage, body: Buffer): Reply {
    this.authenticate(req.headers.authorization);
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'v1') throw notFound(url.pathname);
    const rest = segments.slice(1);
    for (const route of routes) {
      if (route.pattern.length !== rest.length) continue;
      const params: Record<string, string> = {};
      const matches = route.pattern.every((part, index) => {
        if (!part.startsWith(':')) return part === rest[index];
        params[part.slice(1)] = decodeURIComponent(rest[index]);
        return true;
      });
      if (!matches) continue;
      const handler = route.methods[method];
      if (!handler) throw new ApiRefusal('methodNotAllowed', `Method ${method} not allowed on ${url.pathname}`);
      const contentType = req.headers['content-type'];
      const isForm = /^application\/x-www-form-urlencoded/i.test(contentType ?? '');
      return handler({ url, params, form: isForm ? parseUrlencoded(body) : new URLSearchParams(), body, contentType });
    }
    throw notFound(url.pathname);
  }

  /** The user name and password of a Basic Authorization header, or undefined. */
  private basicPair(header: string | undefined): { user: string; password: string } | undefined {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }

  private authenticate(header: string | undefined): void {
    const refusal = new ApiRefusal('authenticate', 'Authenticate');
    const pair = this.basicPair(header);
    if (!pair) throw refusal;
    const { accountSid, authToken } = this.credentials;
    const key = this.apiKeys.get(pair.user);
    // Both comparisons run, so timing does not tell which kind of username was recognised.
    const accountOk = [secretsEqual(pair.user, accountSid), secretsEqual(pair.password, authToken)].every(Boolean);
    const keyOk = [secretsEqual(pair.password, key?.secret ?? ''), key?.accountSid === accountSid].every(Boolean) && key !== undefined;
    if (!accountOk && !keyOk) throw refusal;
  }

  // ---- lookups: a SID from another service answers 404, as an unknown one does -------------------------------------

  private serviceOf(context: RouteContext) {
    const service = this.store.findService(context.params.service);
    if (!service) throw notFound(context.url.pathname);
    return service;
  }

  private environmentOf(context: RouteContext): Environment {
    const service = this.serviceOf(context);
    const environment = this.store.environments.get(context.params.environment);
    if (!environment || environment.serviceSid !== service.sid) throw notFound(context.url.pathname);
    return environment;
  }

  private resourceOf(context: RouteContext, kind: ResourceKind): Resource {
    const service = this.serviceOf(context);
    const resource = this.store.resources.get(context.params.resource);
    if (!resource || resource.kind !== kind || resource.serviceSid !== service.sid) throw notFound(context.url.pathname);
    return resource;
  }

  private versionOf(context: RouteContext, kind: ResourceKind): Version {
    const resource = this.resourceOf(context, kind);
    const version = this.store.versions.get(context.params.version);
    if (!version || version.parentSid !== resource.sid) throw notFound(context.url.pathname);
    return version;
  }

  private buildOf(context: RouteContext): Build {
    const service = this.serviceOf(context);
    const build = this.store.builds.get(context.params.build);
    if (!build || build.serviceSid !== service.sid) throw notFound(context.url.pathname);
    return build;
  }

  private variableOf(context: RouteContext): Variable {
    const environment = this.environmentOf(context);
    const variable = this.store.variables.get(context.params.variable);
    if (!variable || variable.environmentSid !== environment.sid) throw notFound(context.url.pathname);
    return variable;
  }

  // ---- rules ---------------------------------------------------------------------------------------------------------

  private createService({ form }: RouteContext): Reply {
    const summary = {
      UniqueName: form.get('UniqueName'),
      FriendlyName: form.get('FriendlyName'),
      IncludeCredentials: form.get('IncludeCredentials'),
      UiEditable: form.get('UiEditable'),
    };
    const refuse = (kind: TwilioErrorKind, message: string) => new ApiRefusal(kind, message, summary);
    const uniqueName = form.get('UniqueName') ?? '';
    const friendlyName = form.get('FriendlyName') ?? '';
    if (!uniqueName) throw refuse('invalidParameter', 'Missing required parameter UniqueName in the post body');
    if (!friendlyName) throw refuse('invalidParameter', 'Missing required parameter FriendlyName in the post body');
    if (uniqueName.length > MAX_SERVICE_UNIQUE_NAME) {
      throw refuse('invalidParameter', `UniqueName must be ${MAX_SERVICE_UNIQUE_NAME} characters or less`);
    }
    // The unique name becomes the first label of every domain, hence the Console's letters/digits/dashes rule.
    if (!/^[A-Za-z0-9-]+$/.test(uniqueName)) throw refuse('invalidParameter', 'UniqueName may only contain letters, numbers, and dashes');
    if (friendlyName.length > MAX_FRIENDLY_NAME) {
      throw refuse('invalidParameter', `FriendlyName must be at most ${MAX_FRIENDLY_NAME} characters`);
    }
    if (this.store.findService(uniqueName)) throw refuse('conflict', `Service with UniqueName ${uniqueName} already exists`);
    if (this.store.services.size >= MAX_SERVICES) {
      throw refuse('invalidParameter', `Services are limited to less than or equal to ${MAX_SERVICES}`);
    }
    const taken = new Set([...this.store.services.values()].map((service) => service.domainBase));
    let domainBase: string;
    do domainBase = `${uniqueName.toLowerCase()}-${randomInt(1000, 10000)}`;
    while (taken.has(domainBase));
    const now = timestamp();
    const service = {
      sid: newSid('ZS'),
      uniqueName,
      friendlyName,
      includeCredentials: booleanField(form, 'IncludeCredentials', true),
      uiEditable: booleanField(form, 'UiEditable', false),
      domainBase,
      created: now,
      updated: now,
    };
    this.store.services.set(service.sid, service);
    return { status: 201, body: this.json.service(service), summary };
  }

  private updateService(context: RouteContext): Reply {
    const service = this.serviceOf(context);
    const { form } = context;
    const friendlyName = form.get('FriendlyName');
    if (friendlyName !== null) {
      if (friendlyName.length > MAX_FRIENDLY_NAME) throw new ApiRefusal('invalidParameter', 'FriendlyName is too long');
      service.friendlyName = friendlyName;
    }
    service.includeCredentials = booleanField(form, 'IncludeCredentials', service.includeCredentials);
    service.uiEditable = booleanField(form, 'UiEditable', service.uiEditable);
    service.updated = timestamp();
    return {
      status: 200,
      body: this.json.service(service),
      summary: { fields: [...form.keys()], IncludeCredentials: form.get('IncludeCredentials') },
    };
  }

  private createEnvironment(context: RouteContext): Reply {
    const service = this.serviceOf(context);
    const { form } = context;
    const summary = { UniqueName: form.get('UniqueName'), DomainSuffix: form.get('DomainSuffix') };
    const refuse = (kind: TwilioErrorKind, message: string) => new ApiRefusal(kind, message, summary);
    const uniqueName = form.get('UniqueName') ?? '';
    const domainSuffix = form.get('DomainSuffix') || null;
    if (!uniqueName) throw refuse('invalidParameter', 'Missing required parameter UniqueName in the post body');
    if (uniqueName.length > MAX_ENVIRONMENT_UNIQUE_NAME) {
      throw refuse('invalidParameter', `UniqueName must be at most ${MAX_ENVIRONMENT_UNIQUE_NAME} characters`);
    }
    if (domainSuffix !== null && (domainSuffix.length > MAX_DOMAIN_SUFFIX || !/^[A-Za-z0-9-]+$/.test(domainSuffix))) {
      throw refuse('invalidParameter', `DomainSuffix must be letters, numbers or dashes, at most ${MAX_DOMAIN_SUFFIX} characters`);
    }
    const siblings = [...this.store.environments.values()].filter((environment) => environment.serviceSid === service.sid);
    if (siblings.some((environment) => environment.uniqueName === uniqueName || environment.domainSuffix === domainSuffix)) {
      // Wording reported in RJPearson94/terraform-provider-twilio #78.
      throw refuse('conflict', 'Environment with this UniqueName or DomainSuffix already exists.');
    }
    const now = timestamp();
    const environment: Environment = {
      sid: newSid('ZE'),
      serviceSid: service.sid,
      uniqueName,
      domainSuffix,
      // "<service unique name>-<random digits>[-<suffix>].twil.io"; production has no suffix.
      domainName: `${service.domainBase}${domainSuffix ? `-${domainSuffix.toLowerCase()}` : ''}.twil.io`,
      buildSid: null,
      created: now,
      updated: now,
    };
    this.store.environments.set(environment.sid, environment);
    return { status: 201, body: this.json.environment(environment), summary };
  }

  private createResource(context: RouteContext, kind: ResourceKind): Reply {
    const service = this.serviceOf(context);
    const friendlyName = context.form.get('FriendlyName') ?? '';
    const summary = { FriendlyName: friendlyName };
    if (!friendlyName) throw new ApiRefusal('invalidParameter', 'Missing required parameter FriendlyName in the post body', summary);
    if (friendlyName.length > MAX_FRIENDLY_NAME) {
      throw new ApiRefusal('invalidParameter', `FriendlyName must be at most ${MAX_FRIENDLY_NAME} characters`, summary);
    }
    const now = timestamp();
    const resource: Resource = { sid: newSid('ZH'), kind, serviceSid: service.sid, friendlyName, created: now, updated: now };
    this.store.resources.set(resource.sid, resource);
    return { status: 201, body: this.json.resource(resource), summary };
  }

  private updateResource(context: RouteContext, kind: ResourceKind): Reply {
    const resource = this.resourceOf(context, kind);
    const friendlyName = context.form.get('FriendlyName');
    if (!friendlyName) throw new ApiRefusal('invalidParameter', 'Missing required parameter FriendlyName in the post body');
    resource.friendlyName = friendlyName;
    resource.updated = timestamp();
    return { status: 200, body: this.json.resource(resource), summary: { FriendlyName: friendlyName } };
  }

  /** POST serverless-upload…/{Functions|Assets}/{ZH}/Versions: multipart `Path`, `Visibility` and a `Content` file. */
  private uploadVersion(context: RouteContext, kind: ResourceKind): Reply {
    const resource = this.resourceOf(context, kind);
    const parts = parseMultipart(context.body, context.contentType);
    if (!parts) throw new ApiRefusal('invalidParameter', 'Expected a multipart/form-data body');
    const field = (name: string) => parts.find((part) => part.name === name);
    const rawPath = field('Path')?.data.toString('utf8');
    const visibility = field('Visibility')?.data.toString('utf8');
    const content = field('Content');
    // The content's size and hash, never its bytes: they may hold anything.
    const summary: Record<string, unknown> = {
      Path: rawPath ?? null,
      Visibility: visibility ?? null,
      contentBytes: content ? content.data.length : null,
      contentSha256: content ? sha256(content.data) : null,
      contentType: content?.contentType ?? null,
    };
    const refuse = (message: string) => new ApiRefusal('invalidParameter', message, summary);
    if (!rawPath) throw refuse('Missing required parameter Path in the post body');
    if (!visibility) throw refuse('Missing required parameter Visibility in the post body');
    if (!content) throw refuse('Missing required parameter Content in the post body');
    if (!(VISIBILITIES as readonly string[]).includes(visibility)) throw refuse(`Visibility must be one of ${VISIBILITIES.join(', ')}`);
    let path: string;
    try {
      path = normalisePath(rawPath);
    } catch (error) {
      throw refuse((error as Error).message);
    }
    const version: Version = {
      sid: newSid('ZN'),
      kind,
      parentSid: resource.sid,
      serviceSid: resource.serviceSid,
      path,
      visibility: visibility as Visibility,
      content: Buffer.from(content.data),
      contentType: content.contentType,
      sha256: sha256(content.data),
      created: timestamp(),
    };
    this.store.versions.set(version.sid, version);
    return { status: 201, body: this.json.version(version), summary };
  }

  private createBuild(context: RouteContext): Reply {
    const service = this.serviceOf(context);
    const { form } = context;
    const functionVersionSids = form.getAll('FunctionVersions');
    const assetVersionSids = form.getAll('AssetVersions');
    const runtime = form.get('Runtime') || DEFAULT_RUNTIME;
    const summary: Record<string, unknown> = {
      FunctionVersions: functionVersionSids,
      AssetVersions: assetVersionSids,
      Runtime: form.get('Runtime'),
    };
    const refuse = (kind: TwilioErrorKind, message: string) => new ApiRefusal(kind, message, summary);
    let dependencies: Dependency[];
    try {
      dependencies = parseDependencies(form.get('Dependencies'));
    } catch (error) {
      throw refuse('invalidParameter', (error as Error).message);
    }
    summary.Dependencies = Object.fromEntries(dependencies.map(({ name, version }) => [name, version]));
    if (!this.runtimes.includes(runtime)) {
      throw refuse('unsupportedRuntime', `The runtime ${runtime} is not supported. Supported runtimes: ${this.runtimes.join(', ')}`);
    }
    if (functionVersionSids.length + assetVersionSids.length === 0) {
      throw refuse('invalidParameter', 'At least one function version or asset version is required');
    }
    for (const [sids, kind] of [
      [functionVersionSids, 'function'],
      [assetVersionSids, 'asset'],
    ] as const) {
      for (const sid of sids) {
        const version = this.store.versions.get(sid);
        if (!version || version.kind !== kind || version.serviceSid !== service.sid) {
          throw refuse('invalidParameter', `${kind === 'function' ? 'Function' : 'Asset'} Version ${sid} was not found in this Service`);
        }
      }
    }
    // Twilio's build loads every function; one that requires what the build does not hold fails the build.
    const dependencyNames = new Set(dependencies.map((dependency) => dependency.name));
    const failureReasons = functionVersionSids.flatMap((sid) => {
      const version = this.store.versions.get(sid)!;
      return unresolvableRequires(version.content.toString('utf8'), dependencyNames).map((reason) => `${version.path}: ${reason}`);
    });
    const now = timestamp();
    const build: Build = {
      sid: newSid('ZB'),
      serviceSid: service.sid,
      functionVersionSids,
      assetVersionSids,
      dependencies,
      runtime,
      outcome: failureReasons.length > 0 ? 'failed' : 'completed',
      failureReasons,
      statusPolls: 0,
      created: now,
      updated: now,
    };
    this.store.builds.set(build.sid, build);
    return { status: 201, body: this.json.build(build), summary };
  }

  private pollBuildStatus(context: RouteContext): Reply {
    const build = this.buildOf(context);
    build.statusPolls += 1;
    return { status: 200, body: this.json.buildStatus(build), summary: { status: this.store.statusOf(build) } };
  }

  /** The Variable rules, checked on create and update; `replacing` is the Variable being updated. */
  private checkVariable(
    environment: Environment,
    key: string,
    value: string,
    replacing: Variable | undefined,
    summary: Record<string, unknown>,
  ): void {
    const refuse = (kind: TwilioErrorKind, message: string) => new ApiRefusal(kind, message, summary);
    if (key.length > MAX_VARIABLE_KEY_CHARACTERS) {
      throw refuse('invalidParameter', `Key must be at most ${MAX_VARIABLE_KEY_CHARACTERS} characters`);
    }
    // Bytes, not characters: "é" counts twice.
    if (Buffer.byteLength(value) > MAX_VARIABLE_VALUE_BYTES) {
      throw refuse('invalidParameter', `Value must be at most ${MAX_VARIABLE_VALUE_BYTES} bytes`);
    }
    const others = [...this.store.variables.values()].filter((v) => v.environmentSid === environment.sid && v.sid !== replacing?.sid);
    if (others.some((variable) => variable.key === key)) throw refuse('conflict', `Variable with Key ${key} already exists`);
    // The 3 KB context limit (82006) is not checked here: Twilio accepts the Variable and fails invocations (functions-context.ts).
  }

  private createVariable(context: RouteContext): Reply {
    const environment = this.environmentOf(context);
    const key = context.form.get('Key');
    const value = context.form.get('Value');
    // The value's length only: the value itself is a secret more often than not.
    const summary = { Key: key, valueBytes: value === null ? null : Buffer.byteLength(value) };
    if (!key) throw new ApiRefusal('invalidParameter', 'Missing required parameter Key in the post body', summary);
    if (value === null) throw new ApiRefusal('invalidParameter', 'Missing required parameter Value in the post body', summary);
    this.checkVariable(environment, key, value, undefined, summary);
    const now = timestamp();
    const variable: Variable = {
      sid: newSid('ZV'),
      serviceSid: environment.serviceSid,
      environmentSid: environment.sid,
      key,
      value,
      created: now,
      updated: now,
    };
    this.store.variables.set(variable.sid, variable);
    return { status: 201, body: this.json.variable(variable), summary };
  }

  private updateVariable(context: RouteContext): Reply {
    const variable = this.variableOf(context);
    const environment = this.store.environments.get(variable.environmentSid)!;
    const key = context.form.get('Key') ?? variable.key;
    const value = context.form.get('Value') ?? variable.value;
    const summary = { Key: context.form.get('Key'), valueBytes: context.form.has('Value') ? Buffer.byteLength(value) : null };
    if (!key) throw new ApiRefusal('invalidParameter', 'Key cannot be empty', summary);
    this.checkVariable(environment, key, value, variable, summary);
    variable.key = key;
    variable.value = value;
    variable.updated = timestamp();
    return { status: 200, body: this.json.variable(variable), summary };
  }

  private createDeployment(context: RouteContext): Reply {
    const environment = this.environmentOf(context);
    const buildSid = context.form.get('BuildSid');
    const summary = { BuildSid: buildSid };
    if (!buildSid) throw new ApiRefusal('invalidParameter', 'Missing required parameter BuildSid in the post body', summary);
    const build = this.store.builds.get(buildSid);
    if (!build || build.serviceSid !== environment.serviceSid) {
      throw new ApiRefusal('invalidParameter', `Build ${buildSid} was not found in this Service`, summary);
    }
    const status = this.store.statusOf(build);
    if (status !== 'completed') throw new ApiRefusal('invalidParameter', `Build ${buildSid} is ${status}, not completed`, summary);
    // 409 on re-activating the active build: twilio-labs/serverless-api #27.
    if (environment.buildSid === buildSid) throw new ApiRefusal('conflict', 'Environment has already requested deployment', summary);
    const now = timestamp();
    const deployment = {
      sid: newSid('ZD'),
      serviceSid: environment.serviceSid,
      environmentSid: environment.sid,
      buildSid,
      created: now,
      updated: now,
    };
    this.store.deployments.set(deployment.sid, deployment);
    environment.buildSid = buildSid;
    environment.updated = now;
    return { status: 201, body: this.json.deployment(deployment), summary };
  }

  // ---- routes --------------------------------------------------------------------------------------------------------

  private list<T extends { sid: string }>(context: RouteContext, key: string, items: T[], render: (item: T) => object): Reply {
    return { status: 200, body: listPage(context.url, key, items, render) };
  }

  private buildApiRoutes(): Route[] {
    const { store, json } = this;
    const inService = <T extends { serviceSid: string }>(map: Map<string, T>, c: RouteContext) => {
      const service = this.serviceOf(c);
      return [...map.values()].filter((item) => item.serviceSid === service.sid);
    };
    const inEnvironment = <T extends { environmentSid: string }>(map: Map<string, T>, c: RouteContext) => {
      const environment = this.environmentOf(c);
      return [...map.values()].filter((item) => item.environmentSid === environment.sid);
    };
    const ok = (body: object): Reply => ({ status: 200, body });
    const deleted = (): Reply => ({ status: 204 });
    const resourceRoutes = (collection: 'Functions' | 'Assets', kind: ResourceKind): Route[] => [
      {
        pattern: ['Services', ':service', collection],
        methods: {
          GET: (c) => {
            const resources = inService(store.resources, c).filter((r) => r.kind === kind);
            return this.list(c, collection.toLowerCase(), resources, (r) => json.resource(r));
          },
          POST: (c) => this.createResource(c, kind),
        },
      },
      {
        pattern: ['Services', ':service', collection, ':resource'],
        methods: {
          GET: (c) => ok(json.resource(this.resourceOf(c, kind))),
          POST: (c) => this.updateResource(c, kind),
          DELETE: (c) => {
            store.resources.delete(this.resourceOf(c, kind).sid);
            return deleted();
          },
        },
      },
      {
        pattern: ['Services', ':service', collection, ':resource', 'Versions'],
        methods: {
          GET: (c) => {
            const resource = this.resourceOf(c, kind);
            const versions = [...store.versions.values()].filter((v) => v.parentSid === resource.sid);
            return this.list(c, `${kind}_versions`, versions, (v) => json.version(v));
          },
        },
      },
      {
        pattern: ['Services', ':service', collection, ':resource', 'Versions', ':version'],
        methods: { GET: (c) => ok(json.version(this.versionOf(c, kind))) },
      },
    ];
    const environmentPath = ['Services', ':service', 'Environments', ':environment'];
    return [
      {
        pattern: ['Services'],
        methods: {
          GET: (c) => this.list(c, 'services', [...store.services.values()], (s) => json.service(s)),
          POST: (c) => this.createService(c),
        },
      },
      {
        pattern: ['Services', ':service'],
        methods: {
          GET: (c) => ok(json.service(this.serviceOf(c))),
          POST: (c) => this.updateService(c),
          DELETE: (c) => {
            store.deleteService(this.serviceOf(c).sid);
            return deleted();
          },
        },
      },
      {
        pattern: ['Services', ':service', 'Environments'],
        methods: {
          GET: (c) => this.list(c, 'environments', inService(store.environments, c), (e) => json.environment(e)),
          POST: (c) => this.createEnvironment(c),
        },
      },
      {
        pattern: environmentPath,
        methods: {
          GET: (c) => ok(json.environment(this.environmentOf(c))),
          DELETE: (c) => {
            store.deleteEnvironment(this.environmentOf(c).sid);
            return deleted();
          },
        },
      },
      {
        pattern: [...environmentPath, 'Variables'],
        methods: {
          GET: (c) => this.list(c, 'variables', inEnvironment(store.variables, c), (v) => json.variable(v)),
          POST: (c) => this.createVariable(c),
        },
      },
      {
        pattern: [...environmentPath, 'Variables', ':variable'],
        methods: {
          GET: (c) => ok(json.variable(this.variableOf(c))),
          POST: (c) => this.updateVariable(c),
          DELETE: (c) => {
            const variable = this.variableOf(c);
            store.variables.delete(variable.sid);
            return { status: 204, summary: { Key: variable.key } };
          },
        },
      },
      {
        pattern: [...environmentPath, 'Deployments'],
        methods: {
          GET: (c) => this.list(c, 'deployments', inEnvironment(store.deployments, c), (d) => json.deployment(d)),
          POST: (c) => this.createDeployment(c),
        },
      },
      {
        pattern: [...environmentPath, 'Deployments', ':deployment'],
        methods: {
          GET: (c) => {
            const deployment = inEnvironment(store.deployments, c).find((d) => d.sid === c.params.deployment);
            if (!deployment) throw notFound(c.url.pathname);
            return ok(json.deployment(deployment));
          },
        },
      },
      {
        // The fake runs no functions of its own, so there is never a log line.
        pattern: [...environmentPath, 'Logs'],
        methods: {
          GET: (c) => {
            this.environmentOf(c); // an unknown environment still answers 404
            return this.list(c, 'logs', [] as { sid: string }[], () => ({}));
          },
        },
      },
      ...resourceRoutes('Functions', 'function'),
      ...resourceRoutes('Assets', 'asset'),
      {
        pattern: ['Services', ':service', 'Functions', ':resource', 'Versions', ':version', 'Content'],
        methods: { GET: (c) => ok(json.functionContent(this.versionOf(c, 'function'))) },
      },
      {
        pattern: ['Services', ':service', 'Builds'],
        methods: {
          GET: (c) => this.list(c, 'builds', inService(store.builds, c), (b) => json.build(b)),
          POST: (c) => this.createBuild(c),
        },
      },
      {
        pattern: ['Services', ':service', 'Builds', ':build'],
        methods: {
          GET: (c) => ok(json.build(this.buildOf(c))),
          DELETE: (c) => {
            store.builds.delete(this.buildOf(c).sid);
            return deleted();
          },
        },
      },
      { pattern: ['Services', ':service', 'Builds', ':build', 'Status'], methods: { GET: (c) => this.pollBuildStatus(c) } },
    ];
  }

  private buildUploadRoutes(): Route[] {
    return [
      {
        pattern: ['Services', ':service', 'Functions', ':resource', 'Versions'],
        methods: { POST: (c) => this.uploadVersion(c, 'function') },
      },
      {
        pattern: ['Services', ':service', 'Assets', ':resource', 'Versions'],
        methods: { POST: (c) => this.uploadVersion(c, 'asset') },
      },
    ];
  }
}
