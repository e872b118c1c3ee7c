/** A valid policy beside the global settings: the rules that would widen what those allow, which is a mistake. */
import { ProblemList } from '../base/problems';
import type { GlobalLimits, PolicyProblem, TokenPolicy } from './types';

/**
 * Problems that appear only next to the global configuration: a rule may narrow what TOKEN_GRANTS,
 * TOKEN_MAX_TTL and VOICE_INCOMING_ALLOW allow, never widen it. Such a rule is a mistake, so it is reported.
 * @example policyConflicts(policy, { grants: ['video'], maxTtl: 3600, voiceIncomingAllow: false })
 */
export function policyConflicts(policy: TokenPolicy, limits: GlobalLimits): PolicyProblem[] {
  const problems = new ProblemList<PolicyProblem>();
  for (const rule of policy.rules) {
    const at = `rules[${rule.index}]`;
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
