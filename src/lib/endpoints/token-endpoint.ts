/** POST /token from request to answer: body kind, configuration, origin, fields, credentials, policy, token. */
import { mintAccessToken, type TokenPlan } from '../token/access-token';
import { parseAuthorizationHeader, parseBearerToken, type PresentedCredentials } from '../auth/authorization-header';
import type { BasicAuthenticator, VerificationNotes } from '../auth/basic-authentication';
import { loadConfig, type AuthScheme, type ConfigSources, type Environment, type ServiceConfig } from '../config/service-config';
import { decideOrigin, type OriginDecision } from '../http/cors';
import { ServiceError } from '../base/errors';
import { errorResult, jsonResult, type HttpResult, type RequestHeaders } from '../http/result';
import type { OidcConfig } from '../oidc/config';
import { OidcError } from '../oidc/errors';
import { looksLikeJwt } from '../oidc/jwt-shape';
import type { OidcVerifier, OidcVerifierDeps } from '../oidc/verifier';
import { verifySharedSecret } from '../auth/shared-secrets';
import { createTwilioWorkerLookup, createWorkerDirectory, type WorkerDirectory, type WorkerLookup } from '../token/taskrouter-workers';
import type { SharedFailureLedger } from '../throttle/shared-failure-ledger';
import { planToken } from '../token/plan';
import { policyLimitsFor } from '../policy/token-policy';
import { parseTokenRequestFields, type BodyKind, type TokenRequestFields } from '../token/request';

/** The parts of a Functions event the endpoint needs, already separated by the adapter. */
export interface TokenEndpointRequest {
  /** Lower-case header names; undefined when the event had no usable `request.headers`. */
  readonly headers: RequestHeaders | undefined;
  /** Body and query fields (the runtime merges both into the event). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The service's own host (DOMAIN_NAME), for recognising same-origin browser calls. */
  readonly serviceHost?: string;
  /** Configuration that is not in the environment (the policy asset), read by the adapter. */
  readonly sources?: ConfigSources;
}

/** One structured log line per request; never credentials, secrets, tokens or hashes. */
export interface RequestLogEntry {
  readonly event: 'token_request';
  readonly outcome: 'issued' | 'refused' | 'failed';
  readonly status: number;
  readonly code?: string;
  readonly scheme?: AuthScheme;
  readonly identity?: string;
  readonly grants?: readonly string[];
  readonly ttl?: number;
  /** The policy rule that decided ("rules[2]" or "default"), when a policy is configured. */
  readonly rule?: string;
  /** Why the identity provider could not be used (URL and HTTP status; never a token), on 503. */
  readonly detail?: string;
  readonly durationMs: number;
  /** Configuration problems (variable names and rules only), on 500 server_misconfigured. */
  readonly problems?: readonly string[];
  /**
   * For a Basic check with THROTTLE_SYNC_SERVICE_SID set: `sync` when the shared counts decided, `sync_degraded`
   * when Sync was slow or failing and this instance's own counts decided.
   */
  readonly throttle?: 'sync' | 'sync_degraded';
}

export interface TokenEndpointDeps {
  readonly now: () => number;
  readonly log: (entry: RequestLogEntry) => void;
  readonly basic: BasicAuthenticator;
  /** For tests: how OIDC verifiers reach the provider. Default: the global fetch and the shared JWKS cache. */
  readonly oidc?: OidcVerifierDeps;
  /** For tests: how Workers are found. Default: TaskRouter's REST API through twilio-node, with the API key. */
  readonly taskrouterLookup?: WorkerLookup;
  /** The failure counts shared by every instance for this configuration (Sync), or undefined for this instance's own. */
  readonly sharedLedger?: (config: ServiceConfig) => SharedFailureLedger | undefined;
}

interface Authenticated {
  readonly scheme: AuthScheme;
  readonly identity: string;
  /** From the OIDC roles claim; none for Basic users and shared secrets. */
  readonly roles: readonly string[];
}

// One verifier per parsed configuration (loadConfig keeps the same object while the variables are unchanged).
const verifiers = new WeakMap<OidcConfig, OidcVerifier>();

function oidcVerifierFor(config: OidcConfig, deps: TokenEndpointDeps): OidcVerifier {
  let verifier = verifiers.get(config);
  if (!verifier) {
    // Loaded on first use: the JOSE library stays out of the cold start of services without OIDC.
    const { createOidcVerifier } = require('../oidc/verifier') as typeof import('../oidc/verifier');
    verifier = createOidcVerifier(config, deps.oidc ?? {});
    verifiers.set(config, verifier);
  }
  return verifier;
}

// One Worker directory (and its cache) per endpoint and parsed configuration: new credentials, new cache.
const workerDirectories = new WeakMap<TokenEndpointDeps, WeakMap<ServiceConfig, WorkerDirectory>>();

/** The plan with the identity's Worker when it has the taskrouter grant: the caller never names the Worker. */
async function bindTaskRouterWorker(config: ServiceConfig, plan: TokenPlan, deps: TokenEndpointDeps): Promise<TokenPlan> {
  const workspaceSid = config.grants.taskrouterWorkspaceSid;
  if (!plan.grants.includes('taskrouter') || workspaceSid === undefined) return plan;
  let perConfig = workerDirectories.get(deps);
  if (!perConfig) workerDirectories.set(deps, (perConfig = new WeakMap()));
  let directory = perConfig.get(config);
  if (!directory) {
    const lookup =
      deps.taskrouterLookup ??
      createTwilioWorkerLookup({
        accountSid: config.accountSid,
        apiKeySid: config.apiKeySid,
        apiKeySecret: config.signingKey.export().toString('utf8'),
      });
    directory = createWorkerDirectory(lookup, deps.now);
    perConfig.set(config, directory);
  }
  return { ...plan, taskrouterWorkerSid: await directory.workerSidFor(workspaceSid, plan.identity) };
}

/** How long a client should wait after the identity provider could not be reached. */
const PROVIDER_RETRY_AFTER_SECONDS = 5;

/** An OIDC refusal as a ServiceError with the same code; the provider's URL goes to the log only. */
function fromOidcError(error: OidcError): ServiceError {
  if (error.code === 'oidc_provider_unavailable') {
    return new ServiceError(error.code, 'the identity provider could not be reached to check the token; try again shortly', {
      retryAfterSeconds: PROVIDER_RETRY_AFTER_SECONDS,
      logDetail: error.message,
    });
  }
  return new ServiceError(error.code, error.message);
}

/**
 * One value of a header the service reads. Node joins some repeated headers and keeps others as arrays
 * (and a JSON body can imitate the runtime's headers with any JSON type): anything but one string is refused.
 */
function singleHeader(headers: RequestHeaders, name: string, display: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new ServiceError('invalid_request', `send exactly one ${display} header`);
}

interface BodyDescription {
  readonly kind: BodyKind;
  /** The declared Content-Length, when there is one (chunked bodies have none). */
  readonly declaredBytes?: number;
}

/**
 * Functions are not told the HTTP method, and a body-less POST (curl -X POST without -d) looks exactly
 * like a GET: every request without a body is treated as a POST whose fields came from the query string.
 */
function describeBody(headers: RequestHeaders): BodyDescription {
  const contentType = singleHeader(headers, 'content-type', 'Content-Type');
  const contentLength = singleHeader(headers, 'content-length', 'Content-Length')?.trim();
  if (contentLength !== undefined && !/^\d{1,15}$/.test(contentLength)) {
    throw new ServiceError('invalid_request', 'the Content-Length header is not a number of bytes');
  }
  const declaredBytes = contentLength === undefined ? undefined : Number(contentLength);
  if (contentType === undefined) {
    if (declaredBytes === undefined || declaredBytes === 0) return { kind: 'none' };
    throw new ServiceError('unsupported_media_type', 'send the body as application/json or application/x-www-form-urlencoded');
  }
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const described = (kind: BodyKind): BodyDescription => (declaredBytes === undefined ? { kind } : { kind, declaredBytes });
  if (mediaType === 'application/json') return described('json');
  if (mediaType === 'application/x-www-form-urlencoded') return described('form');
  throw new ServiceError('unsupported_media_type', 'send the body as application/json or application/x-www-form-urlencoded');
}

/** Credentials from the Authorization header, or from the body (Basic as username/password, Bearer as access_token); never both. */
function presentedCredentials(headers: RequestHeaders, fields: TokenRequestFields): PresentedCredentials | undefined {
  const fromHeader = parseAuthorizationHeader(headers['authorization']);
  const inBody = fields.username !== undefined || fields.password !== undefined || fields.accessToken !== undefined;
  if (!inBody) return fromHeader;
  if (fromHeader) throw new ServiceError('invalid_request', 'send credentials in the Authorization header or in the body, not both');
  if (fields.accessToken !== undefined) {
    if (fields.username !== undefined || fields.password !== undefined) {
      throw new ServiceError('invalid_request', 'send either username and password or access_token, not both');
    }
    return parseBearerToken(fields.accessToken, 'access_token');
  }
  // The tutorial answers a user name without a password (or the reverse) with 401, and so do we.
  if (fields.username === undefined || fields.password === undefined) {
    throw new ServiceError('missing_credentials', 'send both username and password');
  }
  return { scheme: 'basic', username: fields.username, password: fields.password };
}

async function authenticate(
  config: ServiceConfig,
  credentials: PresentedCredentials | undefined,
  fields: TokenRequestFields,
  deps: TokenEndpointDeps,
  notes: VerificationNotes,
): Promise<Authenticated> {
  if (credentials === undefined) {
    throw new ServiceError('missing_credentials', 'send credentials in the Authorization header (Basic or Bearer) or in the body');
  }
  if (credentials.scheme === 'bearer' && looksLikeJwt(credentials.token)) {
    // A JWT is never a shared secret (npm run new-secret makes no dots), so it goes to OIDC or nowhere.
    if (!config.oidc) throw new ServiceError('invalid_credentials', 'this service accepts no identity-provider tokens');
    let principal;
    try {
      principal = await oidcVerifierFor(config.oidc, deps).verify(credentials.token);
    } catch (error) {
      if (error instanceof OidcError) throw fromOidcError(error);
      throw error;
    }
    if (fields.identity !== undefined && fields.identity.normalize('NFC') !== principal.identity.normalize('NFC')) {
      throw new ServiceError('invalid_request', "with an identity-provider token the identity is the token's; omit identity");
    }
    return { scheme: 'oidc', identity: principal.identity, roles: principal.roles };
  }
  if (credentials.scheme === 'bearer') {
    if (!config.sharedSecrets || !verifySharedSecret(credentials.token, config.sharedSecrets)) {
      throw new ServiceError('invalid_credentials', 'the bearer secret is not valid');
    }
    if (fields.identity === undefined) throw new ServiceError('invalid_identity', 'identity is required with a shared secret');
    return { scheme: 'bearer', identity: fields.identity, roles: [] };
  }
  if (!config.basicUsers) throw new ServiceError('invalid_credentials', 'the user name or password is wrong');
  const identity = await deps.basic.verify(config.basicUsers, credentials.username, credentials.password, {
    ledger: deps.sharedLedger?.(config),
    notes,
  });
  if (fields.identity !== undefined && fields.identity.normalize('NFC') !== identity) {
    throw new ServiceError('invalid_request', 'with a user name and password the identity is the user name; omit identity');
  }
  return { scheme: 'basic', identity, roles: [] };
}

/**
 * Answers one token request. Never throws: every failure becomes an HttpResult, and unexpected
 * errors become 500 internal_error without details.
 * @example await handleTokenRequest({ headers, fields, serviceHost: 'svc.twil.io' }, context, deps)
 */
export async function handleTokenRequest(request: TokenEndpointRequest, env: Environment, deps: TokenEndpointDeps): Promise<HttpResult> {
  const startedAt = deps.now();
  const headers = request.headers ?? {};
  let origin: OriginDecision = { allowed: true };
  let schemes: readonly AuthScheme[] = [];
  let authenticated: Authenticated | undefined;
  let rule: string | undefined;
  let problems: string[] | undefined;
  const notes: VerificationNotes = {};
  const finish = (result: HttpResult, extra: Partial<RequestLogEntry> = {}): HttpResult => {
    const code = (result.body as { error?: { code?: string } }).error?.code;
    deps.log({
      event: 'token_request',
      outcome: result.status === 200 ? 'issued' : result.status >= 500 ? 'failed' : 'refused',
      status: result.status,
      ...(code !== undefined && { code }),
      ...(authenticated && { scheme: authenticated.scheme }),
      ...(problems && { problems }),
      ...(rule !== undefined && { rule }),
      ...(notes.sharedStore !== undefined && { throttle: notes.sharedStore === 'sync' ? 'sync' : 'sync_degraded' }),
      ...extra,
      durationMs: deps.now() - startedAt,
    });
    return result;
  };

  try {
    if (request.headers === undefined) {
      throw new ServiceError(
        'invalid_request',
        'the field name "request" is reserved by Twilio Functions (it holds the headers); rename it',
      );
    }
    const body = describeBody(headers);
    const loaded = loadConfig(env, request.sources);
    if (!loaded.ok) {
      problems = loaded.problems.map((problem) => problem.message);
      const variables = [...new Set(loaded.problems.map((problem) => problem.variable))].join(', ');
      throw new ServiceError('server_misconfigured', `the token service is misconfigured; check ${variables}`);
    }
    const config = loaded.config;
    schemes = config.authSchemes;
    origin = decideOrigin(headers['origin'], config.allowedOrigins, [singleHeader(headers, 'host', 'Host'), request.serviceHost]);
    if (!origin.allowed) throw new ServiceError('origin_not_allowed', 'this origin may not request tokens');
    const fields = parseTokenRequestFields(request.fields, body.kind, body.declaredBytes);
    authenticated = await authenticate(config, presentedCredentials(headers, fields), fields, deps, notes);
    const subject = { identity: authenticated.identity, roles: authenticated.roles, identityIsProven: authenticated.scheme !== 'bearer' };
    const limits = config.policy ? policyLimitsFor(config.policy, subject, (name) => (rule = name)) : undefined;
    const plan = await bindTaskRouterWorker(config, planToken(config, authenticated.identity, fields, limits), deps);
    const issued = mintAccessToken(config, plan, deps.now());
    return finish(jsonResult(200, issued, origin), { identity: plan.identity, grants: plan.grants, ttl: plan.ttl });
  } catch (error) {
    if (error instanceof ServiceError) {
      return finish(errorResult(error, { origin, schemes, requestHeaders: headers }), {
        ...(authenticated && { identity: authenticated.identity }),
        ...(error.logDetail !== undefined && { detail: error.logDetail }),
      });
    }
    // Unexpected: log the kind of error only (messages of library errors may quote input).
    return finish(
      errorResult(new ServiceError('internal_error', 'the token service failed; try again'), { origin, schemes, requestHeaders: headers }),
      { code: `internal_error:${error instanceof Error ? error.name : typeof error}` },
    );
  }
}
