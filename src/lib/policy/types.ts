/** The policy's vocabulary: checked rules, who asks, what a rule allows, what is wrong, what was decided. */
import type { ServiceError } from '../base/errors';
import type { GrantName } from '../token/grant-names';

/** The sign-ins that prove a user name: a Basic user name, or an identity provider's identity claim. */
export type UserSignIn = 'basic' | 'oidc';

/**
 * Whom a rule is for: one user of one sign-in, one role, or anyone. `signIn` may be left out only while one sign-in
 * proves user names (policyConflicts checks), so a Basic user and an identity-provider user never share a rule.
 */
export type PolicyMatch =
  | { readonly kind: 'user'; readonly user: string; readonly signIn?: UserSignIn }
  | { readonly kind: 'role'; readonly role: string }
  | { readonly kind: 'any' };

/** One entry of `rules`, checked. Absent fields leave the global configuration as it is. */
export interface PolicyRule {
  /** Position in `rules`, for messages and logs ("rules[2]"). */
  readonly index: number;
  readonly match: PolicyMatch;
  /** A rule that refuses the callers it matches. */
  readonly deny: boolean;
  /** Grants the caller may get; a subset of TOKEN_GRANTS. */
  readonly grants?: readonly GrantName[];
  /** Video room names or `*` patterns the caller may join. */
  readonly rooms?: readonly string[];
  /** Longest lifetime, in seconds; at most TOKEN_MAX_TTL. */
  readonly maxTtl?: number;
  /** false removes incoming calls from voice grants; true only where VOICE_INCOMING_ALLOW=true. */
  readonly voiceIncoming?: boolean;
}

export interface TokenPolicy {
  readonly rules: readonly PolicyRule[];
  /** What happens to a caller no rule matches. Default `deny`. */
  readonly defaultDecision: 'allow' | 'deny';
}

/** One thing wrong with a policy: where (a JSON path such as `rules[2].rooms[0]`) and what. Never a value. */
export interface PolicyProblem {
  readonly path: string;
  readonly message: string;
}

/** What the global configuration allows, which a policy may only narrow. */
export interface GlobalLimits {
  readonly grants: readonly GrantName[];
  readonly maxTtl: number;
  readonly voiceIncomingAllow: boolean;
  /** The sign-ins configured that prove a user name (AUTH_BASIC_USERS, OIDC_ISSUER). */
  readonly userSignIns: readonly UserSignIn[];
}

/** Who is asking, as the policy sees it. */
export interface PolicySubject {
  readonly roles: readonly string[];
  /**
   * The user name the credential proves and by which sign-in (a Basic user name; an identity provider's claim,
   * without OIDC_IDENTITY_PREFIX). Absent for a shared-secret caller, who names any identity it likes: user rules
   * never match it, only `any` rules and the default do.
   */
  readonly user?: { readonly name: string; readonly signIn: UserSignIn };
}

/** The narrowing a matched rule applies; `rule` names it for logs ("rules[2]", or "default"). */
export interface PolicyLimits {
  readonly rule: string;
  readonly grants?: readonly GrantName[];
  readonly rooms?: readonly string[];
  readonly maxTtl?: number;
  readonly voiceIncoming?: boolean;
}

/**
 * What the policy decided for one caller. `rule` names the deciding rule either way ("rules[2]", or "default"),
 * for the log; an allowed caller gets the rule's limits, a refused one the 403 to answer with.
 */
export type PolicyDecision =
  | { readonly allowed: true; readonly rule: string; readonly limits: PolicyLimits }
  | { readonly allowed: false; readonly rule: string; readonly refusal: ServiceError };
