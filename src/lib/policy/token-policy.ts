/** Per-user and per-role token policy: parse and validate its JSON, then decide what one caller may get. */
import { isPlainText, isValidRoomName, MAX_ROOM_NAME_LENGTH, TTL_CEILING_SECONDS, TTL_FLOOR_SECONDS } from '../token/limits';
import { ServiceError } from '../base/errors';
import { GRANT_NAMES, isGrantName, type GrantName } from '../token/grant-names';
import { jsonSyntaxErrorAt } from '../base/json-syntax-error';
import { isJsonObject } from '../base/json-object';

/** Bounds on a policy's size, so a mistaken or hostile policy cannot make requests slow. */
const MAX_POLICY_CHARS = 64 * 1024;
const MAX_POLICY_RULES = 500;
const MAX_ROOMS_PER_RULE = 100;
const MAX_NAME_CHARS = 256;

type PolicyMatch =
  { readonly kind: 'user'; readonly user: string } | { readonly kind: 'role'; readonly role: string } | { readonly kind: 'any' };

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

export type PolicyParseResult = { ok: true; policy: TokenPolicy } | { ok: false; problems: PolicyProblem[] };

/** What the global configuration allows, which a policy may only narrow. */
export interface GlobalLimits {
  readonly grants: readonly GrantName[];
  readonly maxTtl: number;
  readonly voiceIncomingAllow: boolean;
}

/** Who is asking, as the policy sees it. */
export interface PolicySubject {
  readonly identity: string;
  readonly roles: readonly string[];
  /**
   * Whether the credential proves the identity (Basic user name, OIDC claim). A shared-secret caller
   * names any identity it likes, so user rules never match it: only `any` rules and the default do.
   */
  readonly identityIsProven: boolean;
}

/** The narrowing a matched rule applies; `rule` names it for logs ("rules[2]", or "default"). */
export interface PolicyLimits {
  readonly rule: string;
  readonly grants?: readonly GrantName[];
  readonly rooms?: readonly string[];
  readonly maxTtl?: number;
  readonly voiceIncoming?: boolean;
}

const RULE_KEYS = new Set(['match', 'deny', 'grants', 'rooms', 'maxTtl', 'voiceIncoming', 'comment']);
const TOP_KEYS = new Set(['rules', 'default', 'comment']);

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.trim() === value && isPlainText(value, MAX_NAME_CHARS);
}

/**
 * Parses and validates a policy, collecting every problem with the path of the offending entry.
 * @example parseTokenPolicy('{"rules":[{"match":{"role":"teacher"},"rooms":["class-*"]}],"default":"deny"}')
 */
export function parseTokenPolicy(text: string): PolicyParseResult {
  const problems: PolicyProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (text.length > MAX_POLICY_CHARS)
    return { ok: false, problems: [{ path: '(policy)', message: `is longer than ${MAX_POLICY_CHARS} characters` }] };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse messages may quote the text: say only where it stops being JSON.
    const at = jsonSyntaxErrorAt(text);
    return {
      ok: false,
      problems: [{ path: '(policy)', message: at ? `is not valid JSON (line ${at.line}, column ${at.column})` : 'is not valid JSON' }],
    };
  }
  if (!isJsonObject(document))
    return { ok: false, problems: [{ path: '(policy)', message: 'must be a JSON object with "rules" and "default"' }] };

  // Unknown fields are named by position: /health shows these problems to anyone, and the key may be a pasted secret.
  Object.keys(document).forEach((key, i) => {
    if (!TOP_KEYS.has(key)) problem('(policy)', `${fieldNumber(i)} is not a policy field (allowed: rules, default, comment)`);
  });
  let defaultDecision: 'allow' | 'deny' = 'deny';
  if (document.default !== undefined) {
    if (document.default === 'allow' || document.default === 'deny') defaultDecision = document.default;
    else problem('default', 'must be "allow" or "deny"');
  }
  if (document.comment !== undefined && typeof document.comment !== 'string') problem('comment', 'must be a string');

  const rules: PolicyRule[] = [];
  if (!Array.isArray(document.rules)) {
    problem('rules', 'must be a list of rules');
  } else if (document.rules.length > MAX_POLICY_RULES) {
    problem('rules', `may hold at most ${MAX_POLICY_RULES} rules`);
  } else {
    const seen = new Map<string, number>();
    document.rules.forEach((entry, index) => {
      const rule = parseRule(entry, index, problems);
      if (!rule) return;
      const key = rule.match.kind === 'user' ? `user ${rule.match.user}` : rule.match.kind === 'role' ? `role ${rule.match.role}` : 'any';
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        problem(`rules[${index}].match`, `matches the same callers as rules[${earlier}]; merge the two rules`);
        return;
      }
      seen.set(key, index);
      rules.push(rule);
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy: { rules, defaultDecision } };
}

type ProblemSink = (path: string, message: string) => void;

/** "field 2": an object's field by its position in the file (JSON.parse keeps the order of non-numeric keys). */
const fieldNumber = (index: number) => `field ${index + 1}`;

/** A checked rule, or undefined after adding its problems to `problems`. */
function parseRule(entry: unknown, index: number, problems: PolicyProblem[]): PolicyRule | undefined {
  const at = `rules[${index}]`;
  const before = problems.length;
  const problem: ProblemSink = (path, message) => problems.push({ path, message });
  if (!isJsonObject(entry)) {
    problem(at, 'must be an object with "match"');
    return undefined;
  }
  Object.keys(entry).forEach((key, i) => {
    if (!RULE_KEYS.has(key))
      problem(at, `${fieldNumber(i)} is not a rule field (allowed: match, deny, grants, rooms, maxTtl, voiceIncoming, comment)`);
  });
  const match = parseMatch(entry.match, `${at}.match`, problem);

  let deny = false;
  if (entry.deny !== undefined) {
    if (typeof entry.deny !== 'boolean') problem(`${at}.deny`, 'must be true or false');
    else deny = entry.deny;
  }
  if (deny && ['grants', 'rooms', 'maxTtl', 'voiceIncoming'].some((key) => entry[key] !== undefined)) {
    problem(`${at}.deny`, 'a denying rule cannot also grant anything; remove grants, rooms, maxTtl and voiceIncoming');
  }
  if (entry.comment !== undefined && typeof entry.comment !== 'string') problem(`${at}.comment`, 'must be a string');

  let grants: GrantName[] | undefined;
  if (entry.grants !== undefined) {
    if (!Array.isArray(entry.grants) || entry.grants.length === 0) {
      problem(`${at}.grants`, `must be a non-empty list of ${GRANT_NAMES.join(', ')}; to refuse a caller use "deny": true`);
    } else {
      grants = [];
      entry.grants.forEach((grant: unknown, i: number) => {
        if (typeof grant !== 'string' || !isGrantName(grant)) problem(`${at}.grants[${i}]`, `must be one of ${GRANT_NAMES.join(', ')}`);
        else if (grants!.includes(grant)) problem(`${at}.grants[${i}]`, 'repeats a grant');
        else grants!.push(grant);
      });
    }
  }

  let rooms: string[] | undefined;
  if (entry.rooms !== undefined) {
    if (!Array.isArray(entry.rooms) || entry.rooms.length === 0 || entry.rooms.length > MAX_ROOMS_PER_RULE) {
      problem(
        `${at}.rooms`,
        `must be a list of 1 to ${MAX_ROOMS_PER_RULE} room names or patterns; to refuse video, leave it out of grants`,
      );
    } else {
      rooms = [];
      entry.rooms.forEach((room: unknown, i: number) => {
        if (typeof room !== 'string' || !isValidRoomName(room)) {
          problem(`${at}.rooms[${i}]`, `must be a room name of 1 to ${MAX_ROOM_NAME_LENGTH} characters, where * matches any characters`);
        } else rooms!.push(room);
      });
    }
    if (grants !== undefined && !grants.includes('video'))
      problem(`${at}.rooms`, 'applies only to the video grant, which this rule does not list');
  }

  let maxTtl: number | undefined;
  if (entry.maxTtl !== undefined) {
    const value = entry.maxTtl;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < TTL_FLOOR_SECONDS || value > TTL_CEILING_SECONDS) {
      problem(`${at}.maxTtl`, `must be whole seconds from ${TTL_FLOOR_SECONDS} to ${TTL_CEILING_SECONDS}`);
    } else maxTtl = value;
  }

  let voiceIncoming: boolean | undefined;
  if (entry.voiceIncoming !== undefined) {
    if (typeof entry.voiceIncoming !== 'boolean') problem(`${at}.voiceIncoming`, 'must be true or false');
    else voiceIncoming = entry.voiceIncoming;
  }

  if (!match || problems.length !== before) return undefined;
  return {
    index,
    match,
    deny,
    ...(grants && { grants }),
    ...(rooms && { rooms }),
    ...(maxTtl !== undefined && { maxTtl }),
    ...(voiceIncoming !== undefined && { voiceIncoming }),
  };
}

function parseMatch(value: unknown, at: string, problem: ProblemSink): PolicyMatch | undefined {
  if (!isJsonObject(value) || Object.keys(value).length !== 1) {
    problem(at, 'must be exactly one of {"user": NAME}, {"role": NAME} or {"any": true}');
    return undefined;
  }
  if ('user' in value) {
    if (!isName(value.user)) problem(`${at}.user`, `must be a user name of 1 to ${MAX_NAME_CHARS} characters without surrounding spaces`);
    else return { kind: 'user', user: value.user.normalize('NFC') };
  } else if ('role' in value) {
    if (!isName(value.role)) problem(`${at}.role`, `must be a role name of 1 to ${MAX_NAME_CHARS} characters without surrounding spaces`);
    else return { kind: 'role', role: value.role };
  } else if ('any' in value) {
    if (value.any !== true) problem(`${at}.any`, 'must be true');
    else return { kind: 'any' };
  } else {
    problem(at, 'must be exactly one of {"user": NAME}, {"role": NAME} or {"any": true}');
  }
  return undefined;
}

/**
 * Problems that appear only next to the global configuration: a rule may narrow what TOKEN_GRANTS,
 * TOKEN_MAX_TTL and VOICE_INCOMING_ALLOW allow, never widen it. Such a rule is a mistake, so it is reported.
 * @example policyConflicts(policy, { grants: ['video'], maxTtl: 3600, voiceIncomingAllow: false })
 */
export function policyConflicts(policy: TokenPolicy, limits: GlobalLimits): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const rule of policy.rules) {
    const at = `rules[${rule.index}]`;
    rule.grants?.forEach((grant, i) => {
      if (!limits.grants.includes(grant))
        problems.push({ path: `${at}.grants[${i}]`, message: `${grant} is not in TOKEN_GRANTS; a rule can only narrow it` });
    });
    if (rule.maxTtl !== undefined && rule.maxTtl > limits.maxTtl) {
      problems.push({ path: `${at}.maxTtl`, message: `is above TOKEN_MAX_TTL (${limits.maxTtl}); a rule can only lower it` });
    }
    if (rule.voiceIncoming === true && !limits.voiceIncomingAllow) {
      problems.push({
        path: `${at}.voiceIncoming`,
        message: 'is true but VOICE_INCOMING_ALLOW is not; a rule can only turn incoming calls off',
      });
    }
  }
  return problems;
}

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

/**
 * Whether a room name matches a pattern in which `*` matches any run of characters (none included) and
 * every other character matches itself, case-sensitively. Greedy with one backtrack point, so the time is
 * at most pattern length × room length: no regular expression is built from configuration (no ReDoS).
 * @example matchesRoomPattern('class-*', 'class-7b') // true
 */
export function matchesRoomPattern(pattern: string, room: string): boolean {
  let p = 0;
  let r = 0;
  let star = -1;
  let resume = 0;
  while (r < room.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = r;
    } else if (p < pattern.length && pattern[p] === room[r]) {
      p++;
      r++;
    } else if (star !== -1) {
      p = star + 1;
      r = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
