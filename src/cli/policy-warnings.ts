/**
 * Policy rules that are valid but can match no caller under the rest of the configuration: worth a warning
 * from `npm run doctor`, never a reason to refuse the configuration (it still fails closed).
 */
import type { ServiceConfig } from '../lib/config/service-config';
import type { PolicyProblem } from '../lib/policy/types';

/**
 * With OIDC off, only Basic users prove an identity, so a user rule for anyone else matches nobody (shared-secret
 * callers name any identity and are never matched by user rules); and roles come only from the identity provider,
 * so every role rule matches nobody. With OIDC on, a name outside the Basic users may be an identity-provider
 * identity: nothing is said about it. Problems name the rule by path, never the name written in it.
 * @example policyWarnings(config) // [{ path: 'rules[1].match.user', message: 'names no Basic user …' }]
 */
export function policyWarnings(config: ServiceConfig): PolicyProblem[] {
  if (!config.policy || config.oidc) return [];
  const basicNames = new Set((config.basicUsers?.users ?? []).map((user) => user.name));
  const warnings: PolicyProblem[] = [];
  for (const rule of config.policy.rules) {
    const at = `rules[${rule.index}].match`;
    if (rule.match.kind === 'user' && !basicNames.has(rule.match.user)) {
      warnings.push({ path: `${at}.user`, message: 'names no Basic user and OIDC is off, so this rule matches no caller' });
    } else if (rule.match.kind === 'role') {
      warnings.push({ path: `${at}.role`, message: 'roles come only from OIDC, which is off, so this rule matches no caller' });
    }
  }
  return warnings;
}
