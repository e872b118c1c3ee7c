/** POST /token from request to answer: body kind, configuration, origin, fields, credentials, policy, token. */
import { mintAccessToken, type TokenPlan } from '../token/access-token';
import type { VerificationNotes } from '../auth/basic-authentication';
import type { AuthScheme } from '../auth/settings';
import type { Environment } from '../base/settings-reader';
import { loadConfig, type ConfigSources, type ServiceConfig } from '../config/service-config';
import { decideOrigin, type OriginDecision } from '../http/cors';
import { ServiceError, upstreamUnavailable } from '../base/errors';
import { describeBody, singleHeader } from '../http/request-body';
import { errorResult, jsonResult, type HttpResult, type RequestHeaders } from '../http/result';
import { authenticate, type Authenticated, type CredentialDeps } from './credentials';
import type { WorkerDirectory } from '../token/taskrouter-workers';
import { planToken } from '../policy/plan';
import { decidePolicy } from '../policy/decide';
import { parseTokenRequestFields } from '../token/request';
import type { RevocationCache } from '../revocation/revocation-cache';

/** The parts of a Functions event the endpoint needs, already separated by the adapter. */
export interface TokenEndpointRequest {
  /** Lower-case header names; undefined when the event had no usable `request.headers`. */
  readonly headers: RequestHeaders | undefined;
  /** Body and query fields (the runtime merges both into the event). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The service's own host (DOMAIN_NAME), for recognising same-origin browser calls. */
  readonly serviceHost?: string;
  /** Configuration that is not in the environment (the policy and users files), read by the adapter. */
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
  /**
   * Why a service the answer depends on could not be used, on 503: the identity provider (URL and HTTP status) or
   * TaskRouter (what failed asking for the Worker); never a token or secret.
   */
  readonly detail?: string;
  readonly durationMs: number;
  /** Configuration problems (variable names and rules only), on 500 server_misconfigured. */
  readonly problems?: readonly string[];
  /**
   * For a Basic check with THROTTLE_SYNC_SERVICE_SID set: `sync` when the shared counts decided, `sync_degraded`
   * when Sync was slow or failing and this instance's own counts decided.
   */
  readonly throttle?: 'sync' | 'sync_degraded';
  /**
   * With THROTTLE_SYNC_SERVICE_SID: `stale` when the revocation list that was checked could not be read from Sync
   * within its 5 s staleness bound (the last copy read decided).
   */
  readonly revocations?: 'stale';
}

export interface TokenEndpointDeps extends CredentialDeps {
  readonly now: () => number;
  readonly log: (entry: RequestLogEntry) => void;
  /** The revocation list shared by every instance for this configuration (Sync), or undefined when there is none. */
  readonly revocations?: (config: ServiceConfig) => RevocationCache | undefined;
  /** Which TaskRouter Worker an identity is, for this configuration (src/runtime asks TaskRouter). Default: none, so a taskrouter grant is 503. */
  readonly workers?: (config: ServiceConfig) => WorkerDirectory | undefined;
}

/**
 * Refuses a revoked identity (403 identity_revoked), whatever the sign-in method; else whether the copy of the list that
 * decided was current. A warm instance decides from memory and synchronously: no promise, no tick (the hot path).
 */
function refuseRevoked(cache: RevocationCache, authenticated: Authenticated): boolean | Promise<boolean> {
  const judge = (verdict: { readonly refused: boolean; readonly current: boolean }): boolean => {
    if (verdict.refused) throw new ServiceError('identity_revoked', "this identity's access has been revoked");
    return verdict.current;
  };
  const checked = cache.check(
    authenticated.oidcIssuedAt === undefined
      ? { identity: authenticated.identity }
      : { identity: authenticated.identity, oidcIssuedAt: authenticated.oidcIssuedAt },
  );
  return checked instanceof Promise ? checked.then(judge) : judge(checked);
}

/** The plan with the identity's Worker when it has the taskrouter grant: the caller never names the Worker. */
async function bindTaskRouterWorker(config: ServiceConfig, plan: TokenPlan, deps: TokenEndpointDeps): Promise<TokenPlan> {
  const workspaceSid = config.grants.taskrouterWorkspaceSid;
  if (!plan.grants.includes('taskrouter') || workspaceSid === undefined) return plan;
  const directory = deps.workers?.(config);
  if (!directory) throw upstreamUnavailable('taskrouter_unavailable', 'this endpoint was given no TaskRouter Worker directory');
  return { ...plan, taskrouterWorkerSid: await directory.workerSidFor(workspaceSid, plan.identity) };
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
  let revocationsCurrent = true;
  const notes: VerificationNotes = {};
  const finish = (result: HttpResult, extra?: Partial<RequestLogEntry>): HttpResult => {
    const code = (result.body as { error?: { code?: string } }).error?.code;
    // Built by assignment, not by spreading optional parts: every request writes one (issue 23). Keys in the order
    // the log line has always had, durationMs last.
    const entry: { -readonly [K in keyof RequestLogEntry]?: RequestLogEntry[K] } = {
      event: 'token_request',
      outcome: result.status === 200 ? 'issued' : result.status >= 500 ? 'failed' : 'refused',
      status: result.status,
    };
    if (code !== undefined) entry.code = code;
    if (authenticated) entry.scheme = authenticated.scheme;
    if (problems) entry.problems = problems;
    if (rule !== undefined) entry.rule = rule;
    if (notes.sharedStore !== undefined) entry.throttle = notes.sharedStore === 'sync' ? 'sync' : 'sync_degraded';
    if (!revocationsCurrent) entry.revocations = 'stale';
    if (extra) Object.assign(entry, extra);
    entry.durationMs = deps.now() - startedAt;
    deps.log(entry as RequestLogEntry);
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
    authenticated = await authenticate(config, headers, fields, deps, notes);
    const revocations = deps.revocations?.(config);
    if (revocations) {
      const current = refuseRevoked(revocations, authenticated);
      revocationsCurrent = current instanceof Promise ? await current : current;
    }
    const subject = { roles: authenticated.roles, ...(authenticated.user && { user: authenticated.user }) };
    const decision = config.policy ? decidePolicy(config.policy, subject) : undefined;
    rule = decision?.rule;
    if (decision && !decision.allowed) throw decision.refusal;
    const limits = decision?.limits;
    const planned = planToken(config, authenticated.identity, fields, limits);
    // Only a taskrouter grant waits for a lookup; the others skip a promise and its ticks.
    const plan = planned.grants.includes('taskrouter') ? await bindTaskRouterWorker(config, planned, deps) : planned;
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
