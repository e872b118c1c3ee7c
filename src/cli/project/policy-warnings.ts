/**
 * Policy rules that are valid but can match no caller under the rest of the configuration: worth a warning
 * from `npm run doctor`, never a reason to refuse the configuration (it still fails closed).
 */
import type { ServiceConfig } from '../../lib/config/service-config';
import type { PolicyProblem } from '../../lib/policy/types';

/**
 * A user rule for Basic users (`"signIn": "basic"`, or no signIn while OIDC is off) that names no Basic user matches
 * no caller (shared-secret callers name any identity and are never matched by user rules); and roles come only from
 * the identity provider, so with OIDC off every role rule matches nobody. Names in rules for identity-provider users
 * may be any identity there: nothing is said about them. Problems name the rule by path, never the name written in it.
 * @example policyWarnings(config) // [{ path: 'rules[1].match.user', message: 'names no Basic user …' }]
 */
export function policyWarnings(config: ServiceConfig): PolicyProblem[] {
  if (!config.policy) return [];
  const basicNames = new Set((config.basicUsers?.users ?? []).map((user) => user.name));
  const warnings: PolicyProblem[] = [];
  for (const rule of config.policy.rules) {
    const at = `rules[${rule.index}].match`;
    if (rule.match.kind === 'user' && (rule.match.signIn ?? (config.oidc ? 'oidc' : 'basic')) === 'basic') {
      if (!basicNames.has(rule.match.user)) {
        const why = config.oidc
          ? 'names no Basic user, so this rule matches no caller'
          : 'names no Basic user and OIDC is off, so this rule matches no caller';
        warnings.push({ path: `${at}.user`, message: why });
      }
    } else if (rule.match.kind === 'role' && !config.oidc) {
      warnings.push({ path: `${at}.role`, message: 'roles come only from OIDC, which is off, so this rule matches no caller' });
    }
  }
  return warnings;
}
