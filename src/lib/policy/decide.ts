/** What one caller may get under the policy: the most specific rule that matches, and what it allows. */
import { ServiceError } from '../base/errors';
import type { PolicyLimits, PolicyRule, PolicySubject, TokenPolicy } from './types';

/**
 * The rule that applies to a caller, by specificity: the rule for the caller's user name, else the first
 * rule (in file order) for one of the caller's roles, else the `any` rule, else none (the default applies).
 * @example selectPolicyRule(policy, { identity: 'alice', roles: ['teacher'], identityIsProven: true })
 */
export function selectPolicyRule(policy: TokenPolicy, subject: PolicySubject): PolicyRule | undefined {
  const identity = subject.identity.normalize('NFC');
  let byRole: PolicyRule | undefined;
  let byAny: PolicyRule | undefined;
  for (const rule of policy.rules) {
    const { match } = rule;
    if (match.kind === 'user') {
      if (subject.identityIsProven && match.user === identity) return rule;
    } else if (match.kind === 'role') {
      if (byRole === undefined && subject.roles.includes(match.role)) byRole = rule;
    } else {
      byAny = rule;
    }
  }
  return byRole ?? byAny;
}

/** The rule's name in messages and logs: "rules[2]", or "default" when none matched. */
function policyRuleName(rule: PolicyRule | undefined): string {
  return rule === undefined ? 'default' : `rules[${rule.index}]`;
}

/**
 * What the caller may get under the policy, or 403 policy_user_not_allowed naming the rule that refused.
 * `onRule` hears the deciding rule's name either way (for the log).
 * @example policyLimitsFor(policy, subject) // { rule: 'rules[1]', rooms: ['class-*'], maxTtl: 600 }
 */
export function policyLimitsFor(policy: TokenPolicy, subject: PolicySubject, onRule?: (name: string) => void): PolicyLimits {
  const rule = selectPolicyRule(policy, subject);
  const name = policyRuleName(rule);
  onRule?.(name);
  if (rule === undefined) {
    if (policy.defaultDecision === 'allow') return { rule: name };
    throw new ServiceError('policy_user_not_allowed', 'no policy rule matches this caller and the policy default is deny');
  }
  if (rule.deny) throw new ServiceError('policy_user_not_allowed', `policy rule ${name} refuses this caller`);
  return {
    rule: name,
    ...(rule.grants && { grants: rule.grants }),
    ...(rule.rooms && { rooms: rule.rooms }),
    ...(rule.maxTtl !== undefined && { maxTtl: rule.maxTtl }),
    ...(rule.voiceIncoming !== undefined && { voiceIncoming: rule.voiceIncoming }),
  };
}
