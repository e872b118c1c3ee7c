/** POST /token from request to answer: body kind, configuration, origin, fields, credentials, policy, token. */
import { mintAccessToken, type TokenPlan } from '../token/access-token';
import type { Environment } from '../base/settings-reader';
import { loadConfig, type ConfigSources, type ServiceConfig } from '../config/service-config';
import { decideOrigin } from '../http/cors';
import { ServiceError, upstreamUnavailable } from '../base/errors';
import { describeBody, singleHeader } from '../http/request-body';
import { errorResult, jsonResult, type HttpResult, type RequestHeaders } from '../http/result';
import { authenticate, type Authenticated, type CredentialDeps } from './credentials';
import type { WorkerDirectory } from '../token/taskrouter-workers';
import { planToken } from '../policy/plan';
import { decidePolicy } from '../policy/decide';
import { parseTokenRequestFields } from '../token/request';
import type { RevocationCache } from '../revocation/revocation-cache';
import { logEntryOf, startTrace, type Mishap, type RequestLogEntry, type RequestTrace } from './request-trace';

export type { RequestLogEntry } from './request-trace';

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
  const trace = startTrace(deps.now());
  const headers = request.headers ?? {};
  const finish = (result: HttpResult, mishap?: Mishap): HttpResult => {
    deps.log(logEntryOf(trace, result, deps.now(), mishap));
    return result;
  };
  try {
    return finish(await issueToken(request, headers, env, deps, trace));
  } catch (error) {
    const answerContext = { origin: trace.origin, schemes: trace.schemes, requestHeaders: headers };
    if (error instanceof ServiceError) {
      return finish(errorResult(error, answerContext), error.logDetail === undefined ? undefined : { detail: error.logDetail });
    }
    // Unexpected: log the kind of error only (messages of library errors may quote input).
    return finish(errorResult(new ServiceError('internal_error', 'the token service failed; try again'), answerContext), {
      unexpected: error instanceof Error ? error.name : typeof error,
    });
  }
}

/** The stages of a token request, in order; each records what it learnt in the trace. Throws a ServiceError to refuse. */
async function issueToken(
  request: TokenEndpointRequest,
  headers: RequestHeaders,
  env: Environment,
  deps: TokenEndpointDeps,
  trace: RequestTrace,
): Promise<HttpResult> {
  if (request.headers === undefined) {
    throw new ServiceError('invalid_request', 'the field name "request" is reserved by Twilio Functions (it holds the headers); rename it');
  }
  const body = describeBody(headers);
  const loaded = loadConfig(env, request.sources);
  if (!loaded.ok) {
    trace.problems = loaded.problems.map((problem) => problem.message);
    const variables = [...new Set(loaded.problems.map((problem) => problem.variable))].join(', ');
    throw new ServiceError('server_misconfigured', `the token service is misconfigured; check ${variables}`);
  }
  const config = loaded.config;
  trace.schemes = config.authSchemes;
  trace.origin = decideOrigin(headers['origin'], config.allowedOrigins, [singleHeader(headers, 'host', 'Host'), request.serviceHost]);
  if (!trace.origin.allowed) throw new ServiceError('origin_not_allowed', 'this origin may not request tokens');
  const fields = parseTokenRequestFields(request.fields, body.kind, body.declaredBytes);
  const authenticated = await authenticate(config, headers, fields, deps, trace);
  trace.signedIn = authenticated;
  const revocations = deps.revocations?.(config);
  if (revocations) {
    const current = refuseRevoked(revocations, authenticated);
    trace.revocationsCurrent = current instanceof Promise ? await current : current;
  }
  const subject = { roles: authenticated.roles, ...(authenticated.user && { user: authenticated.user }) };
  const decision = config.policy ? decidePolicy(config.policy, subject) : undefined;
  trace.rule = decision?.rule;
  if (decision && !decision.allowed) throw decision.refusal;
  const planned = planToken(config, authenticated.identity, fields, decision?.limits);
  // Only a taskrouter grant waits for a lookup; the others skip a promise and its ticks.
  const plan = planned.grants.includes('taskrouter') ? await bindTaskRouterWorker(config, planned, deps) : planned;
  const issued = mintAccessToken(config, plan, deps.now());
  trace.issued = plan;
  return jsonResult(200, issued, trace.origin);
}
