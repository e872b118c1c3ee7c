/** GET /health: whether the configuration is usable, and which modes it enables; never a value, no authentication. */
import { loadConfig, type AuthScheme, type ConfigProblem, type ConfigResult, type ConfigSources, type Environment } from './config';
import type { GrantName } from './grant-names';
import { jsonResult, type HttpResult } from './http-result';

export type HealthReport =
  | {
      readonly status: 'ok';
      readonly authSchemes: readonly AuthScheme[];
      readonly grants: readonly GrantName[];
      readonly oidc: boolean;
      readonly policy: boolean;
    }
  | { readonly status: 'misconfigured'; readonly problems: readonly ConfigProblem[] };

/**
 * The report for a parsed configuration. Problems name variables and rules, never values, and the same
 * list is what `npm run doctor` prints.
 * @example healthReportFor(parseConfig(env)) // { status: 'ok', authSchemes: ['bearer'], grants: ['video'], oidc: false, policy: false }
 */
export function healthReportFor(result: ConfigResult): HealthReport {
  if (!result.ok) {
    return { status: 'misconfigured', problems: result.problems.map(({ variable, message, fix }) => ({ variable, message, fix })) };
  }
  const { config } = result;
  return { status: 'ok', authSchemes: config.authSchemes, grants: config.grants.enabled, oidc: config.oidc !== undefined, policy: config.policy !== undefined };
}

/**
 * Answers /health: 200 when the configuration is valid, 503 when /token would answer 500 server_misconfigured.
 * Any method; the body is ignored. Not cached, so a monitor always sees the current state.
 * @example handleHealthRequest(context, { policyAsset: { text } })
 */
export function handleHealthRequest(env: Environment, sources: ConfigSources = {}): HttpResult {
  const report = healthReportFor(loadConfig(env, sources));
  return jsonResult(report.status === 'ok' ? 200 : 503, report, { allowed: true });
}
