/** The policy document: parse its JSON and check every rule, reporting each problem by the path of its entry. */
import { failed, ProblemList, type Checked } from '../base/problems';
import { isJsonObject } from '../base/json-object';
import { jsonSyntaxErrorAt } from '../base/json-syntax-error';
import { GRANT_NAMES, isGrantName, type GrantName } from '../token/grant-names';
import { isPlainText, isValidRoomName, MAX_ROOM_NAME_LENGTH, TTL_CEILING_SECONDS, TTL_FLOOR_SECONDS } from '../token/limits';
import type { PolicyMatch, PolicyProblem, PolicyRule, TokenPolicy } from './types';

/** Bounds on a policy's size, so a mistaken or hostile policy cannot make requests slow. */
const MAX_POLICY_CHARS = 64 * 1024;
const MAX_POLICY_RULES = 500;
const MAX_ROOMS_PER_RULE = 100;
const MAX_NAME_CHARS = 256;

const RULE_KEYS = new Set(['match', 'deny', 'grants', 'rooms', 'maxTtl', 'voiceIncoming', 'comment']);
const TOP_KEYS = new Set(['rules', 'default', 'comment']);

/** The parser's collector: each problem is the path of an entry and what is wrong with it. */
class PolicyProblems extends ProblemList<PolicyProblem> {
  report(path: string, message: string): void {
    this.add({ path, message });
  }
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.trim() === value && isPlainText(value, MAX_NAME_CHARS);
}

/**
 * Parses and validates a policy, collecting every problem with the path of the offending entry.
 * @example parseTokenPolicy('{"rules":[{"match":{"role":"teacher"},"rooms":["class-*"]}],"default":"deny"}')
 */
export function parseTokenPolicy(text: string): Checked<{ policy: TokenPolicy }, PolicyProblem> {
  if (text.length > MAX_POLICY_CHARS) return failed({ path: '(policy)', message: `is longer than ${MAX_POLICY_CHARS} characters` });
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse messages may quote the text: say only where it stops being JSON.
    const at = jsonSyntaxErrorAt(text);
    return failed({ path: '(policy)', message: at ? `is not valid JSON (line ${at.line}, column ${at.column})` : 'is not valid JSON' });
  }
  if (!isJsonObject(document)) return failed({ path: '(policy)', message: 'must be a JSON object with "rules" and "default"' });

  const problems = new PolicyProblems();
  // Unknown fields are named by position: /health shows these problems to anyone, and the key may be a pasted secret.
  Object.keys(document).forEach((key, i) => {
    if (!TOP_KEYS.has(key)) problems.report('(policy)', `${fieldNumber(i)} is not a policy field (allowed: rules, default, comment)`);
  });
  let defaultDecision: 'allow' | 'deny' = 'deny';
  if (document.default !== undefined) {
    if (document.default === 'allow' || document.default === 'deny') defaultDecision = document.default;
    else problems.report('default', 'must be "allow" or "deny"');
  }
  if (document.comment !== undefined && typeof document.comment !== 'string') problems.report('comment', 'must be a string');

  const rules: PolicyRule[] = [];
  if (!Array.isArray(document.rules)) {
    problems.report('rules', 'must be a list of rules');
  } else if (document.rules.length > MAX_POLICY_RULES) {
    problems.report('rules', `may hold at most ${MAX_POLICY_RULES} rules`);
  } else {
    const seen = new Map<string, number>();
    document.rules.forEach((entry, index) => {
      const rule = parseRule(entry, index, problems);
      if (!rule) return;
      const key =
        rule.match.kind === 'user'
          ? `user ${rule.match.signIn ?? ''} ${rule.match.user}`
          : rule.match.kind === 'role'
            ? `role ${rule.match.role}`
            : 'any';
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        problems.report(`rules[${index}].match`, `matches the same callers as rules[${earlier}]; merge the two rules`);
        return;
      }
      seen.set(key, index);
      rules.push(rule);
    });
  }
  return problems.result({ policy: { rules, defaultDecision } });
}

/** "field 2": an object's field by its position in the file (JSON.parse keeps the order of non-numeric keys). */
const fieldNumber = (index: number) => `field ${index + 1}`;

/** A checked rule, or undefined after adding its problems to `problems`. */
function parseRule(entry: unknown, index: number, problems: PolicyProblems): PolicyRule | undefined {
  const at = `rules[${index}]`;
  const before = problems.all.length;
  if (!isJsonObject(entry)) {
    problems.report(at, 'must be an object with "match"');
    return undefined;
  }
  Object.keys(entry).forEach((key, i) => {
    if (!RULE_KEYS.has(key))
      problems.report(at, `${fieldNumber(i)} is not a rule field (allowed: match, deny, grants, rooms, maxTtl, voiceIncoming, comment)`);
  });
  const match = parseMatch(entry.match, `${at}.match`, problems);

  let deny = false;
  if (entry.deny !== undefined) {
    if (typeof entry.deny !== 'boolean') problems.report(`${at}.deny`, 'must be true or false');
    else deny = entry.deny;
  }
  if (deny && ['grants', 'rooms', 'maxTtl', 'voiceIncoming'].some((key) => entry[key] !== undefined)) {
    problems.report(`${at}.deny`, 'a denying rule cannot also grant anything; remove grants, rooms, maxTtl and voiceIncoming');
  }
  if (entry.comment !== undefined && typeof entry.comment !== 'string') problems.report(`${at}.comment`, 'must be a string');

  let grants: GrantName[] | undefined;
  if (entry.grants !== undefined) {
    if (!Array.isArray(entry.grants) || entry.grants.length === 0) {
      problems.report(`${at}.grants`, `must be a non-empty list of ${GRANT_NAMES.join(', ')}; to refuse a caller use "deny": true`);
    } else {
      grants = [];
      entry.grants.forEach((grant: unknown, i: number) => {
        if (typeof grant !== 'string' || !isGrantName(grant))
          problems.report(`${at}.grants[${i}]`, `must be one of ${GRANT_NAMES.join(', ')}`);
        else if (grants!.includes(grant)) problems.report(`${at}.grants[${i}]`, 'repeats a grant');
        else grants!.push(grant);
      });
    }
  }

  let rooms: string[] | undefined;
  if (entry.rooms !== undefined) {
    if (!Array.isArray(entry.rooms) || entry.rooms.length === 0 || entry.rooms.length > MAX_ROOMS_PER_RULE) {
      problems.report(
        `${at}.rooms`,
        `must be a list of 1 to ${MAX_ROOMS_PER_RULE} room names or patterns; to refuse video, leave it out of grants`,
      );
    } else {
      rooms = [];
      entry.rooms.forEach((room: unknown, i: number) => {
        if (typeof room !== 'string' || !isValidRoomName(room)) {
          problems.report(
            `${at}.rooms[${i}]`,
            `must be a room name of 1 to ${MAX_ROOM_NAME_LENGTH} characters, where * matches any characters`,
          );
        } else rooms!.push(room);
      });
    }
    if (grants !== undefined && !grants.includes('video'))
      problems.report(`${at}.rooms`, 'applies only to the video grant, which this rule does not list');
  }

  let maxTtl: number | undefined;
  if (entry.maxTtl !== undefined) {
    const value = entry.maxTtl;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < TTL_FLOOR_SECONDS || value > TTL_CEILING_SECONDS) {
      problems.report(`${at}.maxTtl`, `must be whole seconds from ${TTL_FLOOR_SECONDS} to ${TTL_CEILING_SECONDS}`);
    } else maxTtl = value;
  }

  let voiceIncoming: boolean | undefined;
  if (entry.voiceIncoming !== undefined) {
    if (typeof entry.voiceIncoming !== 'boolean') problems.report(`${at}.voiceIncoming`, 'must be true or false');
    else voiceIncoming = entry.voiceIncoming;
  }

  if (!match || problems.all.length !== before) return undefined;
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

const MATCH_SHAPES = 'must be exactly one of {"user": NAME} (with "signIn": "basic" or "oidc"), {"role": NAME} or {"any": true}';

function parseUserMatch(value: Record<string, unknown>, at: string, problems: PolicyProblems): PolicyMatch | undefined {
  const { user, signIn, ...others } = value;
  if (Object.keys(others).length > 0) {
    problems.report(at, MATCH_SHAPES);
    return undefined;
  }
  if (signIn !== undefined && signIn !== 'basic' && signIn !== 'oidc') {
    problems.report(`${at}.signIn`, 'must be "basic" (a user of AUTH_BASIC_USERS) or "oidc" (the identity claim of OIDC_ISSUER\'s tokens)');
    return undefined;
  }
  if (!isName(user)) {
    problems.report(`${at}.user`, `must be a user name of 1 to ${MAX_NAME_CHARS} characters without surrounding spaces`);
    return undefined;
  }
  return { kind: 'user', user: user.normalize('NFC'), ...(signIn !== undefined && { signIn }) };
}

function parseMatch(value: unknown, at: string, problems: PolicyProblems): PolicyMatch | undefined {
  if (isJsonObject(value) && 'user' in value) return parseUserMatch(value, at, problems);
  if (!isJsonObject(value) || Object.keys(value).length !== 1) {
    problems.report(at, MATCH_SHAPES);
    return undefined;
  }
  if ('role' in value) {
    if (!isName(value.role))
      problems.report(`${at}.role`, `must be a role name of 1 to ${MAX_NAME_CHARS} characters without surrounding spaces`);
    else return { kind: 'role', role: value.role };
  } else if ('any' in value) {
    if (value.any !== true) problems.report(`${at}.any`, 'must be true');
    else return { kind: 'any' };
  } else {
    problems.report(at, MATCH_SHAPES);
  }
  return undefined;
}
