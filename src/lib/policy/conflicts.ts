/** A valid policy beside the global settings: the rules that would widen what those allow, which is a mistake. */
import { ProblemList } from '../base/problems';
import type { GlobalLimits, PolicyProblem, TokenPolicy } from './types';

/**
 * Problems that appear only next to the global configuration: a rule may narrow what TOKEN_GRANTS,
 * TOKEN_MAX_TTL and VOICE_INCOMING_ALLOW allow, never widen it. Such a rule is a mistake, so it is reported. A user
 * rule must say which sign-in it is for when Basic users and an identity provider are both on.
 * @example policyConflicts(policy, { grants: ['video'], maxTtl: 3600, voiceIncomingAllow: false, userSignIns: ['basic'] })
 */
export function policyConflicts(policy: TokenPolicy, limits: GlobalLimits): PolicyProblem[] {
  const problems = new ProblemList<PolicyProblem>();
  for (const rule of policy.rules) {
    const at = `rules[${rule.index}]`;
    if (rule.match.kind === 'user') {
      const { signIn } = rule.match;
      if (signIn === undefined && limits.userSignIns.length > 1) {
        problems.add({
          path: `${at}.match`,
          message: 'names a user but not whose: Basic users and identity-provider users are both on; add "signIn": "basic" or "oidc"',
        });
      } else if (signIn !== undefined && !limits.userSignIns.includes(signIn)) {
        problems.add({
          path: `${at}.match.signIn`,
          message: `is ${signIn}, which is not configured (${signIn === 'basic' ? 'AUTH_BASIC_USERS' : 'OIDC_ISSUER'} is not set)`,
        });
      }
    }
    rule.grants?.forEach((grant, i) => {
      if (!limits.grants.includes(grant))
        problems.add({ path: `${at}.grants[${i}]`, message: `${grant} is not in TOKEN_GRANTS; a rule can only narrow it` });
    });
    if (rule.maxTtl !== undefined && rule.maxTtl > limits.maxTtl) {
      problems.add({ path: `${at}.maxTtl`, message: `is above TOKEN_MAX_TTL (${limits.maxTtl}); a rule can only lower it` });
    }
    if (rule.voiceIncoming === true && !limits.voiceIncomingAllow) {
      problems.add({
        path: `${at}.voiceIncoming`,
        message: 'is true but VOICE_INCOMING_ALLOW is not; a rule can only turn incoming calls off',
      });
    }
  }
  return problems.all;
}
