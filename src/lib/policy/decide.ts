/** What one caller may get under the policy: the most specific rule that matches, and the decision it makes. */
import { ServiceError } from '../base/errors';
import type { PolicyDecision, PolicyLimits, PolicyRule, PolicySubject, TokenPolicy } from './types';

/**
 * The rule that applies to a caller, by specificity: the rule for the caller's user name, else the first
 * rule (in file order) for one of the caller's roles, else the `any` rule, else none (the default applies).
 * @example selectPolicyRule(policy, { roles: ['teacher'], user: { name: 'alice', signIn: 'basic' } })
 */
export function selectPolicyRule(policy: TokenPolicy, subject: PolicySubject): PolicyRule | undefined {
  const user = subject.user && { name: subject.user.name.normalize('NFC'), signIn: subject.user.signIn };
  let byRole: PolicyRule | undefined;
  let byAny: PolicyRule | undefined;
  for (const rule of policy.rules) {
    const { match } = rule;
    if (match.kind === 'user') {
      // A rule without signIn exists only while one sign-in proves user names (policyConflicts refuses it otherwise).
      if (user && match.user === user.name && (match.signIn ?? user.signIn) === user.signIn) return rule;
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
 * Allows the caller with the deciding rule's limits, or refuses with 403 policy_user_not_allowed; either way
 * the decision names the rule, so the caller can log it without catching anything.
 * @example const decision = decidePolicy(policy, subject); if (!decision.allowed) throw decision.refusal; log(decision.rule)
 */
export function decidePolicy(policy: TokenPolicy, subject: PolicySubject): PolicyDecision {
  const matched = selectPolicyRule(policy, subject);
  const rule = policyRuleName(matched);
  if (matched === undefined) {
    if (policy.defaultDecision === 'allow') return { allowed: true, rule, limits: { rule } };
    const message = 'no policy rule matches this caller and the policy default is deny';
    return { allowed: false, rule, refusal: new ServiceError('policy_user_not_allowed', message) };
  }
  if (matched.deny)
    return { allowed: false, rule, refusal: new ServiceError('policy_user_not_allowed', `policy rule ${rule} refuses this caller`) };
  const limits: PolicyLimits = {
    rule,
    ...(matched.grants && { grants: matched.grants }),
    ...(matched.rooms && { rooms: matched.rooms }),
    ...(matched.maxTtl !== undefined && { maxTtl: matched.maxTtl }),
    ...(matched.voiceIncoming !== undefined && { voiceIncoming: matched.voiceIncoming }),
  };
  return { allowed: true, rule, limits };
}

/**
 * What the caller may get under the policy, or throws the refusal (403 policy_user_not_allowed naming the rule).
 * @example policyLimitsFor(policy, subject) // { rule: 'rules[1]', rooms: ['class-*'], maxTtl: 600 }
 */
export function policyLimitsFor(policy: TokenPolicy, subject: PolicySubject): PolicyLimits {
  const decision = decidePolicy(policy, subject);
  if (!decision.allowed) throw decision.refusal;
  return decision.limits;
}
