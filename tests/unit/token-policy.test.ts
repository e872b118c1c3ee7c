/** The token policy: validation that points at the entry, the most specific rule winning, and room patterns. */
import { parseConfig } from '../../src/lib/config/service-config';
import { ServiceError } from '../../src/lib/base/errors';
import { planToken } from '../../src/lib/policy/plan';
import { policyConflicts } from '../../src/lib/policy/conflicts';
import { policyLimitsFor, selectPolicyRule } from '../../src/lib/policy/decide';
import { parseTokenPolicy } from '../../src/lib/policy/parse';
import { matchesRoomPattern } from '../../src/lib/policy/room-pattern';
import type { PolicySubject, TokenPolicy, UserSignIn } from '../../src/lib/policy/types';
import { newCredentials } from '../helpers/fixtures';

function policyOf(document: unknown): TokenPolicy {
  const parsed = parseTokenPolicy(JSON.stringify(document));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

function problemsOf(document: unknown): string[] {
  const parsed = parseTokenPolicy(typeof document === 'string' ? document : JSON.stringify(document));
  return parsed.ok ? [] : parsed.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

const proven = (identity: string, roles: string[] = [], signIn: UserSignIn = 'basic'): PolicySubject => ({
  roles,
  user: { name: identity, signIn },
});

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ServiceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('validation points at the offending entry and never echoes a value', () => {
  it.each<[string, unknown, string]>([
    ['not JSON', '{"rules": [', '(policy): is not valid JSON (line 1, column 12)'],
    [
      'not JSON: a trailing comma on line 3',
      '{\n  "rules": [\n    {"match": {"any": true},}\n  ]\n}',
      '(policy): is not valid JSON (line 3, column 29)',
    ],
    ['not JSON: single quotes', "{'rules': []}", '(policy): is not valid JSON (line 1, column 2)'],
    ['not JSON: a comment', '{"rules": [] // none yet\n}', '(policy): is not valid JSON (line 1, column 14)'],
    ['not JSON: text after the object', '{"rules": []}\n{}', '(policy): is not valid JSON (line 2, column 1)'],
    ['not JSON: a bad escape, counted in characters', '{"comment": "café \\q"}', '(policy): is not valid JSON (line 1, column 19)'],
    ['not an object', '[]', '(policy): must be a JSON object'],
    ['an unknown top-level field', { rules: [], defualt: 'deny' }, '(policy): field 2 is not a policy field'],
    ['a bad default', { rules: [], default: 'maybe' }, 'default: must be "allow" or "deny"'],
    ['rules not a list', { rules: {} }, 'rules: must be a list'],
    ['a rule without match', { rules: [{ grants: ['video'] }] }, 'rules[0].match: must be exactly one of'],
    ['a match with two kinds', { rules: [{ match: { user: 'a', role: 'b' } }] }, 'rules[0].match: must be exactly one of'],
    ['any that is not true', { rules: [{ match: { any: 1 } }] }, 'rules[0].match.any: must be true'],
    ['an empty user name', { rules: [{ match: { user: '' } }] }, 'rules[0].match.user: must be a user name'],
    [
      'an unknown grant',
      { rules: [{ match: { any: true }, grants: ['video', 'fax'] }] },
      'rules[0].grants[1]: must be one of video, voice, chat, sync, taskrouter',
    ],
    ['an empty grant list', { rules: [{ match: { any: true }, grants: [] }] }, 'rules[0].grants: must be a non-empty list'],
    [
      'a room with a control character',
      { rules: [{ match: { any: true }, rooms: ['ok', 'bad\u0007'] }] },
      'rules[0].rooms[1]: must be a room name',
    ],
    [
      'rooms without the video grant',
      { rules: [{ match: { any: true }, grants: ['chat'], rooms: ['a'] }] },
      'rules[0].rooms: applies only to the video grant',
    ],
    [
      'a maxTtl that is a string',
      { rules: [{ match: { any: true }, maxTtl: '600' }] },
      'rules[0].maxTtl: must be whole seconds from 60 to 86400',
    ],
    ['a maxTtl beyond 24 h', { rules: [{ match: { any: true }, maxTtl: 90000 }] }, 'rules[0].maxTtl: must be whole seconds'],
    ['a typo in a rule field', { rules: [{ match: { any: true }, room: ['a'] }] }, 'rules[0]: field 2 is not a rule field'],
    [
      'a deny rule that also grants',
      { rules: [{ match: { user: 'eve' }, deny: true, grants: ['video'] }] },
      'rules[0].deny: a denying rule cannot also grant',
    ],
    [
      'two rules for one user',
      { rules: [{ match: { user: 'a' } }, { match: { user: 'a' } }] },
      'rules[1].match: matches the same callers as rules[0]',
    ],
    [
      'two any rules',
      { rules: [{ match: { any: true } }, { match: { role: 'x' } }, { match: { any: true } }] },
      'rules[2].match: matches the same callers as rules[0]',
    ],
  ])('%s', (_name, document, expected) => {
    const problems = problemsOf(document);
    expect(problems.some((problem) => problem.startsWith(expected))).toBe(true);
  });

  it('collects every problem, each with its own path', () => {
    const problems = problemsOf({
      rules: [
        { match: { any: true }, grants: ['fax'] },
        { match: { user: 'bob' }, rooms: [], maxTtl: 1 },
      ],
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['rules[0].grants[0]', 'rules[1].rooms', 'rules[1].maxTtl']);
  });

  it('names an unknown field by its position, never by the text the operator wrote (it may be a pasted secret)', () => {
    const problems = problemsOf({ rules: [{ match: { any: true }, 'sk-pasted-by-mistake': true }], 'Bearer abc123': 1 });
    expect(problems).toEqual([
      expect.stringMatching(/^\(policy\): field 2 is not a policy field/),
      expect.stringMatching(/^rules\[0\]: field 2 is not a rule field/),
    ]);
    expect(problems.join('\n')).not.toMatch(/pasted|abc123/);
  });

  it('does not quote the text around a JSON syntax error', () => {
    expect(problemsOf('{"rules": [], "secret-ish": tru}').join('\n')).not.toMatch(/secret-ish|tru/);
  });

  it('does not quote the offending value in the message', () => {
    const problems = problemsOf({ rules: [{ match: { user: 'x' }, grants: ['secret-grant-name'] }] });
    expect(problems.join('\n')).not.toMatch(/secret-grant-name/);
  });

  it('refuses a policy longer than 64 KiB before parsing it', () => {
    expect(problemsOf(' '.repeat(70_000))).toEqual(['(policy): is longer than 65536 characters']);
  });

  it('rules may only narrow the global configuration', () => {
    const policy = policyOf({ rules: [{ match: { role: 'x' }, grants: ['video', 'chat'], maxTtl: 7200, voiceIncoming: true }] });
    expect(
      policyConflicts(policy, { grants: ['video'], maxTtl: 3600, voiceIncomingAllow: false, userSignIns: ['basic'] }).map((p) => p.path),
    ).toEqual(['rules[0].grants[1]', 'rules[0].maxTtl', 'rules[0].voiceIncoming']);
  });
});

describe('the most specific rule wins: user, then role (first in file order), then any, then the default', () => {
  const policy = policyOf({
    default: 'deny',
    rules: [
      { match: { any: true }, grants: ['video'], rooms: ['lobby'] },
      { match: { role: 'student' }, rooms: ['class-*'], maxTtl: 900 },
      { match: { role: 'teacher' }, rooms: ['class-*', 'staff'] },
      { match: { user: 'alice' }, rooms: ['*'] },
      { match: { user: 'mallory' }, deny: true },
    ],
  });

  it('an exact user rule beats the roles the user also has', () => {
    expect(selectPolicyRule(policy, proven('alice', ['student']))?.index).toBe(3);
  });

  it('a role rule beats the any rule, and of two matching roles the earlier rule wins', () => {
    expect(selectPolicyRule(policy, proven('bob', ['teacher']))?.index).toBe(2);
    expect(selectPolicyRule(policy, proven('bob', ['teacher', 'student']))?.index).toBe(1);
  });

  it('the any rule catches everyone else', () => {
    expect(selectPolicyRule(policy, proven('carol'))?.index).toBe(0);
  });

  it('a deny rule refuses with policy_user_not_allowed naming the rule', () => {
    expect(refusal(() => policyLimitsFor(policy, proven('mallory', ['teacher'])))).toEqual({
      code: 'policy_user_not_allowed',
      message: 'policy rule rules[4] refuses this caller',
    });
  });

  it('user rules never match an identity a shared-secret caller merely names', () => {
    expect(selectPolicyRule(policy, { roles: [] })?.index).toBe(0);
    expect(policyLimitsFor(policy, { roles: [] }).rule).toBe('rules[0]');
  });

  it('user names match in NFC form and case-sensitively', () => {
    const accents = policyOf({ rules: [{ match: { user: 'jos\u00e9' }, maxTtl: 60 }] });
    expect(selectPolicyRule(accents, proven('jose\u0301'))?.index).toBe(0);
    expect(selectPolicyRule(accents, proven('JOS\u00c9'))).toBeUndefined();
  });

  it('with no matching rule, the default decides', () => {
    const deny = policyOf({ rules: [{ match: { user: 'alice' } }] });
    expect(refusal(() => policyLimitsFor(deny, proven('bob'))).code).toBe('policy_user_not_allowed');
    const allow = policyOf({ rules: [{ match: { user: 'alice' } }], default: 'allow' });
    expect(policyLimitsFor(allow, proven('bob'))).toEqual({ rule: 'default' });
  });

  it('the default is deny when the policy does not say', () => {
    expect(policyOf({ rules: [] }).defaultDecision).toBe('deny');
  });
});

describe('room patterns: * only, no regular expressions', () => {
  it.each<[string, string, boolean]>([
    ['standup', 'standup', true],
    ['standup', 'standup2', false],
    ['standup', 'Standup', false],
    ['class-*', 'class-7b', true],
    ['class-*', 'class-', true],
    ['class-*', 'klass-1', false],
    ['*-review', 'design-review', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*', 'anything', true],
    ['a.c', 'abc', false],
    ['(a+)+$', 'aaaa', false],
  ])('%s vs %s -> %s', (pattern, room, expected) => {
    expect(matchesRoomPattern(pattern, room)).toBe(expected);
  });

  it('stays fast on patterns that make backtracking regular expressions explode', () => {
    const started = process.hrtime.bigint();
    expect(matchesRoomPattern(`${'*a'.repeat(60)}b`, 'a'.repeat(128))).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });
});

describe('planToken with a rule: narrowing grants, rooms, lifetime and incoming calls', () => {
  const credentials = newCredentials([]);
  const parsed = parseConfig({
    TWILIO_ACCOUNT_SID: credentials.accountSid,
    TWILIO_API_KEY_SID: credentials.apiKeySid,
    TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
    AUTH_SHARED_SECRETS: credentials.sharedSecret,
    TOKEN_GRANTS: 'video,voice',
    VOICE_INCOMING_ALLOW: 'true',
    TOKEN_TTL: '3600',
    TOKEN_MAX_TTL: '7200',
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const config = parsed.config;

  it('without a grants request, the rule’s grants are the default', () => {
    expect(planToken(config, 'a', {}, { rule: 'rules[0]', grants: ['voice'] }).grants).toEqual(['voice']);
  });

  it('asking for a grant the rule does not list is policy_grant_denied', () => {
    expect(refusal(() => planToken(config, 'a', { grants: ['video', 'voice'] }, { rule: 'rules[0]', grants: ['voice'] })).code).toBe(
      'policy_grant_denied',
    );
  });

  it('a room outside the patterns is policy_room_denied; a video token without a room is too, unless the rule names one room', () => {
    const limits = { rule: 'rules[1]', rooms: ['class-*'] };
    expect(planToken(config, 'a', { grants: ['video'], room: 'class-1' }, limits).room).toBe('class-1');
    expect(refusal(() => planToken(config, 'a', { grants: ['video'], room: 'staff' }, limits)).code).toBe('policy_room_denied');
    expect(refusal(() => planToken(config, 'a', { grants: ['video'] }, limits)).code).toBe('policy_room_denied');
    expect(planToken(config, 'a', { grants: ['video'] }, { rule: 'rules[2]', rooms: ['standup'] }).room).toBe('standup');
    expect(planToken(config, 'a', { grants: ['voice'] }, limits).room).toBeUndefined();
  });

  it('maxTtl lowers both the default and the ceiling', () => {
    expect(planToken(config, 'a', { grants: ['voice'] }, { rule: 'r', maxTtl: 600 }).ttl).toBe(600);
    expect(planToken(config, 'a', { grants: ['voice'], ttl: 5000 }, { rule: 'r', maxTtl: 600 }).ttl).toBe(600);
    expect(planToken(config, 'a', { grants: ['voice'], ttl: 5000 }).ttl).toBe(5000);
  });

  it('voiceIncoming false turns incoming calls off for that caller only', () => {
    expect(planToken(config, 'a', { grants: ['voice'] }, { rule: 'r', voiceIncoming: false }).voiceIncoming).toBe(false);
    expect(planToken(config, 'a', { grants: ['voice'] }).voiceIncoming).toBeUndefined();
  });
});

describe('the policy in parseConfig', () => {
  const credentials = newCredentials([]);
  const base = {
    TWILIO_ACCOUNT_SID: credentials.accountSid,
    TWILIO_API_KEY_SID: credentials.apiKeySid,
    TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
    AUTH_SHARED_SECRETS: credentials.sharedSecret,
  };

  it('a broken TOKEN_POLICY is a configuration problem naming the entry', () => {
    const result = parseConfig({ ...base, TOKEN_POLICY: JSON.stringify({ rules: [{ match: { any: true }, grants: ['chat'] }] }) });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        variable: 'TOKEN_POLICY',
        message: 'TOKEN_POLICY rules[0].grants[0]: chat is not in TOKEN_GRANTS; a rule can only narrow it',
        fix: 'correct that entry; the policy format is described in docs/policy.md',
      },
    ]);
  });

  it('the asset is used when TOKEN_POLICY is unset; both at once is refused as ambiguous', () => {
    const text = JSON.stringify({ rules: [{ match: { any: true } }] });
    const fromAsset = parseConfig(base, { policyAsset: { text } });
    expect(fromAsset.ok && fromAsset.config.policy?.rules.length).toBe(1);
    const both = parseConfig({ ...base, TOKEN_POLICY: text }, { policyAsset: { text } });
    expect(!both.ok && both.problems.map((p) => p.variable)).toEqual(['TOKEN_POLICY']);
    const unreadable = parseConfig(base, { policyAsset: { unreadable: true } });
    expect(!unreadable.ok && unreadable.problems.map((p) => p.variable)).toEqual(['assets/policy.private.json']);
  });

  it('no policy leaves the global behaviour as it was', () => {
    const result = parseConfig(base);
    expect(result.ok && result.config.policy).toBeUndefined();
  });
});

describe('docs/policy.example.json', () => {
  it('is a valid policy for TOKEN_GRANTS=video,chat, with Basic users and an identity provider both on', () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const text = readFileSync(require('node:path').join(__dirname, '..', '..', 'docs', 'policy.example.json'), 'utf8');
    const parsed = parseTokenPolicy(text);
    expect(
      parsed.ok &&
        policyConflicts(parsed.policy, {
          grants: ['video', 'chat'],
          maxTtl: 3600,
          voiceIncomingAllow: false,
          userSignIns: ['basic', 'oidc'],
        }),
    ).toEqual([]);
  });
});

describe('user rules say which sign-in they match (issue 22: an identity-provider "admin" is not the Basic user admin)', () => {
  const both = { grants: ['video' as const], maxTtl: 3600, voiceIncomingAllow: false, userSignIns: ['basic', 'oidc'] as UserSignIn[] };
  const split = policyOf({
    rules: [
      { match: { user: 'admin', signIn: 'basic' }, maxTtl: 3600 },
      { match: { user: 'admin', signIn: 'oidc' }, maxTtl: 60 },
    ],
  });

  it('a rule matches only callers of its sign-in', () => {
    expect(selectPolicyRule(split, proven('admin', [], 'basic'))?.index).toBe(0);
    expect(selectPolicyRule(split, proven('admin', [], 'oidc'))?.index).toBe(1);
    expect(policyConflicts(split, both)).toEqual([]);
  });

  it('with Basic users and an identity provider both on, a user rule without signIn is a problem', () => {
    const vague = policyOf({ rules: [{ match: { user: 'admin' } }] });
    expect(policyConflicts(vague, both).map((p) => p.path)).toEqual(['rules[0].match']);
    expect(policyConflicts(vague, { ...both, userSignIns: ['oidc'] })).toEqual([]);
    expect(selectPolicyRule(vague, proven('admin', [], 'oidc'))?.index).toBe(0);
  });

  it('a signIn that is not configured, or not basic/oidc, is a problem', () => {
    expect(policyConflicts(split, { ...both, userSignIns: ['basic'] }).map((p) => p.path)).toEqual(['rules[1].match.signIn']);
    expect(problemsOf({ rules: [{ match: { user: 'admin', signIn: 'bearer' } }] })).toEqual([
      expect.stringMatching(/^rules\[0\]\.match\.signIn: must be "basic"/),
    ]);
    expect(problemsOf({ rules: [{ match: { role: 'admin', signIn: 'oidc' } }] })).toEqual([
      expect.stringMatching(/^rules\[0\]\.match: must be exactly one of/),
    ]);
  });
});
