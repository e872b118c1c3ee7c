/** parseConfig / loadConfig: every variable's accepted and refused forms, and that problems never echo a secret. */
import { randomBytes } from 'node:crypto';
import { CONFIG_VARIABLES, loadConfig, parseConfig, type ConfigResult } from '../../src/lib/config/service-config';
import type { Problem as ConfigProblem } from '../../src/lib/base/problems';
import type { Environment } from '../../src/lib/base/settings-reader';
import { normaliseOrigin } from '../../src/lib/http/origins';
import { hashPassword } from '../../src/lib/auth/password-hash';
import { environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';

const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const b64 = (bytes: number) => randomBytes(bytes).toString('base64').replace(/=+$/, '');

let credentials: TestCredentials;
/** TWILIO_ACCOUNT_SID, key SID and secret, AUTH_SHARED_SECRETS and AUTH_BASIC_USERS (alice, bob). */
let fullEnv: Record<string, string>;
/** The least that works: account, key, secret and one shared secret. */
let minimalEnv: Record<string, string>;

/** Every secret value any test hands to parseConfig; no problem text may contain one. */
const secretsSeen = new Set<string>();

function rememberSecrets(env: Environment): void {
  const add = (value: string) => {
    if (value.length >= 8) secretsSeen.add(value);
  };
  for (const name of ['TWILIO_API_KEY_SECRET', 'AUTH_SHARED_SECRETS', 'AUTH_BASIC_USERS']) {
    const value = env[name];
    if (typeof value !== 'string') continue;
    add(value.trim());
    for (const entry of value.split(/[\s,]+/)) {
      add(entry);
      const colon = entry.indexOf(':');
      if (name === 'AUTH_BASIC_USERS' && colon >= 0) {
        const afterName = entry.slice(colon + 1);
        add(afterName);
        // salt and hash of a PHC string (the parameter segment is public and appears in advice)
        const parts = afterName.split('$');
        if (parts.length >= 5) {
          add(parts[3]!);
          add(parts[4]!);
        }
      }
    }
  }
}

function expectNoSecretIn(problems: readonly ConfigProblem[]): void {
  for (const problem of problems) {
    const text = `${problem.variable}\n${problem.message}\n${problem.fix}`;
    for (const secret of secretsSeen) expect(text).not.toContain(secret);
  }
}

/** parseConfig with the secret scan applied to whatever it reports. */
function parse(env: Environment): ConfigResult {
  rememberSecrets(env);
  const result = parseConfig(env);
  if (!result.ok) expectNoSecretIn(result.problems);
  return result;
}

function problemsOf(env: Environment): ConfigProblem[] {
  const result = parse(env);
  if (result.ok) throw new Error('expected the configuration to be refused');
  for (const problem of result.problems) {
    expect(problem.message.length).toBeGreaterThan(0);
    expect(problem.fix.length).toBeGreaterThan(0);
  }
  return result.problems;
}

/** The variables named by the problems, sorted. */
function variablesOf(env: Environment): string[] {
  return problemsOf(env)
    .map((problem) => problem.variable)
    .sort();
}

function configOf(env: Environment) {
  const result = parse(env);
  if (!result.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(result.problems)}`);
  return result.config;
}

beforeAll(async () => {
  credentials = newCredentials(['alice', 'bob']);
  fullEnv = await environmentFor(credentials);
  minimalEnv = await environmentFor({ ...credentials, passwords: {} }, { AUTH_BASIC_USERS: undefined });
  rememberSecrets(fullEnv);
});

afterAll(() => {
  // The scan must have had something to look for.
  expect(secretsSeen.size).toBeGreaterThan(10);
});

describe('a valid configuration', () => {
  it('accepts the minimal set and applies the documented defaults', () => {
    const config = configOf(minimalEnv);
    expect(config.accountSid).toBe(credentials.accountSid);
    expect(config.apiKeySid).toBe(credentials.apiKeySid);
    expect(config.signingKey.export().toString('utf8')).toBe(credentials.apiKeySecret);
    expect(config.authSchemes).toEqual(['bearer']);
    expect(config.basicUsers).toBeUndefined();
    expect(config.sharedSecrets?.digests).toHaveLength(1);
    expect(config.defaultTtl).toBe(3600);
    expect(config.maxTtl).toBe(3600);
    expect(config.grants.enabled).toEqual(['video']);
    expect(config.grants.voiceIncomingAllow).toBe(false);
    expect(config.grants.videoRoom).toBeUndefined();
    expect([...config.allowedOrigins]).toEqual([]);
    expect(config.region).toBeUndefined();
  });

  it('offers Basic and Bearer when both user table and shared secrets are set', () => {
    const config = configOf(fullEnv);
    expect(config.authSchemes).toEqual(['basic', 'bearer']);
    expect(config.basicUsers?.users.map((user) => user.name)).toEqual(['alice', 'bob']);
  });

  it('offers only Basic when only AUTH_BASIC_USERS is set', () => {
    const config = configOf({ ...fullEnv, AUTH_SHARED_SECRETS: undefined } as Environment);
    expect(config.authSchemes).toEqual(['basic']);
    expect(config.sharedSecrets).toBeUndefined();
  });

  it('trims surrounding white space from values', () => {
    const config = configOf({ ...minimalEnv, TWILIO_ACCOUNT_SID: `  ${credentials.accountSid}\n`, TOKEN_TTL: ' 600 ' });
    expect(config.accountSid).toBe(credentials.accountSid);
    expect(config.defaultTtl).toBe(600);
  });

  it('takes the platform ACCOUNT_SID when TWILIO_ACCOUNT_SID is absent', () => {
    const config = configOf({ ...minimalEnv, TWILIO_ACCOUNT_SID: undefined, ACCOUNT_SID: credentials.accountSid } as Environment);
    expect(config.accountSid).toBe(credentials.accountSid);
  });

  it('accepts ACCOUNT_SID and TWILIO_ACCOUNT_SID when they agree', () => {
    expect(configOf({ ...minimalEnv, ACCOUNT_SID: credentials.accountSid }).accountSid).toBe(credentials.accountSid);
  });

  it('lists grants in canonical order whatever order and separators TOKEN_GRANTS uses', () => {
    const config = configOf({
      ...minimalEnv,
      TOKEN_GRANTS: 'sync chat,voice , video',
      VOICE_INCOMING_ALLOW: 'TRUE',
      CONVERSATIONS_SERVICE_SID: newSid('IS'),
    });
    expect(config.grants.enabled).toEqual(['video', 'voice', 'chat', 'sync']);
    expect(config.grants.voiceIncomingAllow).toBe(true);
  });

  it('keeps the optional SIDs, the pinned room and the region', () => {
    const env = {
      ...minimalEnv,
      TOKEN_GRANTS: 'video,voice,chat,sync',
      VIDEO_ROOM: 'daily standup',
      VOICE_OUTGOING_APPLICATION_SID: newSid('AP'),
      VOICE_PUSH_CREDENTIAL_SID: newSid('CR'),
      CONVERSATIONS_SERVICE_SID: newSid('IS'),
      SYNC_SERVICE_SID: newSid('IS'),
      TWILIO_REGION: 'ie1',
    };
    const config = configOf(env);
    expect(config.grants).toEqual({
      enabled: ['video', 'voice', 'chat', 'sync'],
      videoRoom: 'daily standup',
      voiceOutgoingApplicationSid: env.VOICE_OUTGOING_APPLICATION_SID,
      voiceIncomingAllow: false,
      voicePushCredentialSid: env.VOICE_PUSH_CREDENTIAL_SID,
      conversationsServiceSid: env.CONVERSATIONS_SERVICE_SID,
      syncServiceSid: env.SYNC_SERVICE_SID,
    });
    expect(config.region).toBe('ie1');
  });

  it('accepts TTLs at both ends of the range and TOKEN_TTL equal to TOKEN_MAX_TTL', () => {
    expect(configOf({ ...minimalEnv, TOKEN_TTL: '60', TOKEN_MAX_TTL: '86400' })).toMatchObject({ defaultTtl: 60, maxTtl: 86400 });
    expect(configOf({ ...minimalEnv, TOKEN_TTL: '7200', TOKEN_MAX_TTL: '7200' })).toMatchObject({ defaultTtl: 7200, maxTtl: 7200 });
  });

  it('normalises ALLOWED_ORIGINS to lower-case scheme://host[:port] without default ports', () => {
    const config = configOf({
      ...minimalEnv,
      ALLOWED_ORIGINS: 'HTTPS://App.Example.com:443, http://localhost:3000\nhttps://b.example.org/',
    });
    expect([...config.allowedOrigins].sort()).toEqual(['http://localhost:3000', 'https://app.example.com', 'https://b.example.org']);
  });

  it('treats empty and blank values as unset', () => {
    const config = configOf({ ...minimalEnv, TOKEN_TTL: '', TWILIO_REGION: '   ', ALLOWED_ORIGINS: '' });
    expect(config.defaultTtl).toBe(3600);
    expect(config.region).toBeUndefined();
  });
});

describe('SID variables', () => {
  const sidVariables: Array<[string, string]> = [
    ['TWILIO_ACCOUNT_SID', 'AC'],
    ['ACCOUNT_SID', 'AC'],
    ['TWILIO_API_KEY_SID', 'SK'],
    ['VOICE_OUTGOING_APPLICATION_SID', 'AP'],
    ['VOICE_PUSH_CREDENTIAL_SID', 'CR'],
    ['CONVERSATIONS_SERVICE_SID', 'IS'],
    ['SYNC_SERVICE_SID', 'IS'],
    ['TASKROUTER_WORKSPACE_SID', 'WS'],
  ];
  const malformed = (prefix: string): Array<[string, string]> => [
    ['the wrong prefix', `${prefix === 'SK' ? 'AC' : 'SK'}${hex(32)}`],
    ['a lower-case prefix', `${prefix.toLowerCase()}${hex(32)}`],
    ['31 hex characters', `${prefix}${hex(31)}`],
    ['33 hex characters', `${prefix}${hex(33)}`],
    ['a non-hex character', `${prefix}${hex(31)}g`],
    ['only the prefix', prefix],
  ];

  // ACCOUNT_SID is tested alone: with TWILIO_ACCOUNT_SID also set, a valid but different value is a mismatch.
  const baseFor = (variable: string): Environment =>
    variable === 'ACCOUNT_SID' ? { ...minimalEnv, TWILIO_ACCOUNT_SID: undefined } : minimalEnv;

  for (const [variable, prefix] of sidVariables) {
    for (const [what, value] of malformed(prefix)) {
      it(`reports ${variable} with ${what}, naming that variable only`, () => {
        expect(variablesOf({ ...baseFor(variable), [variable]: value })).toEqual([variable]);
      });
    }
    it(`accepts ${variable} with ${prefix} and 32 upper-case hex characters`, () => {
      expect(parse({ ...baseFor(variable), [variable]: `${prefix}${hex(32).toUpperCase()}` }).ok).toBe(true);
    });
  }

  it.each(['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY_SID'])('reports a missing %s', (variable) => {
    const problems = problemsOf({ ...minimalEnv, [variable]: undefined });
    expect(problems.map((problem) => problem.variable)).toEqual([variable]);
    expect(problems[0]!.message).toBe(`${variable} is not set`);
  });

  it('reports a blank TWILIO_API_KEY_SID as not set', () => {
    expect(problemsOf({ ...minimalEnv, TWILIO_API_KEY_SID: '  ' })[0]!.message).toBe('TWILIO_API_KEY_SID is not set');
  });

  it('reports a value that is not text, naming the variable', () => {
    const problems = problemsOf({ ...minimalEnv, TOKEN_TTL: 600 as unknown as string });
    expect(problems).toEqual([{ variable: 'TOKEN_TTL', message: 'TOKEN_TTL must be text', fix: 'set TOKEN_TTL as a plain string' }]);
  });

  it('reports TWILIO_ACCOUNT_SID when it names a different account than the platform ACCOUNT_SID', () => {
    const problems = problemsOf({ ...minimalEnv, ACCOUNT_SID: newSid('AC') });
    expect(problems.map((problem) => problem.variable)).toEqual(['TWILIO_ACCOUNT_SID']);
    expect(problems[0]!.message).toBe(
      'TWILIO_ACCOUNT_SID names another account than ACCOUNT_SID, the account the service runs in (Twilio sets ACCOUNT_SID when deployed)',
    );
  });
});

describe('TWILIO_API_KEY_SECRET', () => {
  it('reports it when missing', () => {
    expect(variablesOf({ ...minimalEnv, TWILIO_API_KEY_SECRET: undefined })).toEqual(['TWILIO_API_KEY_SECRET']);
  });

  it.each([
    ['31 characters', () => b64(30).slice(0, 31)],
    ['an inner space', () => `${b64(20)} ${b64(20)}`],
    ['a non-ASCII character', () => `${b64(30)}é`],
  ])('refuses a secret with %s, without echoing it', (_what, make) => {
    const secret = make();
    expect(variablesOf({ ...minimalEnv, TWILIO_API_KEY_SECRET: secret })).toEqual(['TWILIO_API_KEY_SECRET']);
  });

  it('accepts exactly 32 printable characters', () => {
    expect(parse({ ...minimalEnv, TWILIO_API_KEY_SECRET: b64(30).slice(0, 32) }).ok).toBe(true);
  });
});

describe('AUTH_SHARED_SECRETS', () => {
  it.each([
    ['a dictionary-like password', 'password123'],
    ['a long run of one letter', 'a'.repeat(40)],
    ['a 16-character hex string', hex(16)],
    ['a list with one weak entry after a strong one', `${randomBytes(32).toString('base64url')}, Zx-weak-Zx-1`],
    ['only separators', ' , ,'],
  ])('refuses %s, naming AUTH_SHARED_SECRETS without echoing it', (_what, value) => {
    expect(variablesOf({ ...minimalEnv, AUTH_SHARED_SECRETS: value })).toEqual(['AUTH_SHARED_SECRETS']);
  });

  it('says which entry is weak by position only', () => {
    const strong = randomBytes(32).toString('base64url');
    const [problem] = problemsOf({ ...minimalEnv, AUTH_SHARED_SECRETS: `${strong},${strong.slice(0, 10)}` });
    expect(problem!.message).toBe('AUTH_SHARED_SECRETS entry 2 of 2 is too weak (needs at least 128 bits of entropy)');
  });

  it('reports no authentication at all when neither scheme is configured', () => {
    const problems = problemsOf({ ...minimalEnv, AUTH_SHARED_SECRETS: undefined });
    expect(problems.map((problem) => problem.variable)).toEqual(['AUTH_SHARED_SECRETS']);
    expect(problems[0]!.message).toMatch(/^no authentication is configured/);
  });

  it('reports no authentication when both are blank', () => {
    expect(problemsOf({ ...minimalEnv, AUTH_SHARED_SECRETS: ' ', AUTH_BASIC_USERS: '' })[0]!.message).toMatch(
      /^no authentication is configured/,
    );
  });
});

describe('AUTH_BASIC_USERS', () => {
  const phcWith = (params: string, saltBytes = 16, hashBytes = 32) => `$scrypt$${params}$${b64(saltBytes)}$${b64(hashBytes)}`;
  let aliceEntry: string;
  beforeAll(() => {
    aliceEntry = fullEnv.AUTH_BASIC_USERS!.split(' ')[0]!;
  });

  const refuse = (value: string) => {
    const problems = problemsOf({ ...minimalEnv, AUTH_BASIC_USERS: value });
    expect(problems.map((problem) => problem.variable)).toEqual(['AUTH_BASIC_USERS']);
    return problems[0]!.message;
  };

  it('refuses a plaintext password without echoing it', () => {
    const password = `Plain-${randomBytes(6).toString('hex')}`;
    expect(refuse(`carol:${password}`)).toBe('AUTH_BASIC_USERS entry 1 is not a password hash; plaintext passwords are refused');
  });

  it('refuses a plaintext password that contains a colon without echoing any of it', () => {
    const password = `Plain-${randomBytes(6).toString('hex')}:and-more-${randomBytes(4).toString('hex')}`;
    secretsSeen.add(password.split(':')[1]!);
    refuse(`carol:${password}`);
  });

  it('refuses an entry without a user name or without a colon', () => {
    const phc = aliceEntry.slice('alice:'.length);
    expect(refuse(`:${phc}`)).toBe('AUTH_BASIC_USERS entry 1 must look like name:<hash> (made by npm run hash-password)');
    expect(refuse(`${aliceEntry} ${phc}`)).toBe('AUTH_BASIC_USERS entry 2 must look like name:<hash> (made by npm run hash-password)');
  });

  it.each([
    ['a truncated PHC string', () => '$scrypt$ln=15,r=8,p=3$onlysalt'],
    ['another algorithm', () => `$argon2id$v=19$m=65536,t=3,p=4$${b64(16)}$${b64(32)}`],
    ['a salt shorter than 16 bytes', () => phcWith('ln=15,r=8,p=3', 8)],
    ['a hash shorter than 32 bytes', () => phcWith('ln=15,r=8,p=3', 16, 16)],
    ['base64 padding characters', () => `$scrypt$ln=15,r=8,p=3$${randomBytes(16).toString('base64')}$${b64(32)}`],
    ['weak scrypt parameters ln=14,p=1', () => phcWith('ln=14,r=8,p=1')],
    ['block size below 8', () => phcWith('ln=15,r=4,p=3')],
    ['parameters too costly to run (ln=18,r=8)', () => phcWith('ln=18,r=8,p=1')],
  ])('refuses %s, naming the entry but neither the user (shown by /health) nor the hash', (_what, make) => {
    const message = refuse(`carol:${make()}`);
    expect(message).not.toMatch(/carol/);
    expect(message).toMatch(/^AUTH_BASIC_USERS entry 1: /);
  });

  it('refuses a repeated user name, also when the repeat is the decomposed form of the same name', () => {
    const phc = aliceEntry.slice('alice:'.length);
    expect(refuse(`alice:${phc} alice:${phc}`)).toBe('AUTH_BASIC_USERS entry 2 repeats the user name of an earlier entry');
    expect(refuse(`Jos\u00e9:${phc} Jose\u0301:${phc}`)).toBe('AUTH_BASIC_USERS entry 2 repeats the user name of an earlier entry');
  });

  it('refuses a user name that is not a usable identity for the configured grants', () => {
    const phc = aliceEntry.slice('alice:'.length);
    expect(refuse(`al\u200bice:${phc}`)).toMatch(/^AUTH_BASIC_USERS entry 1 has an unusable user name: /);
    const problems = problemsOf({
      ...minimalEnv,
      TOKEN_GRANTS: 'voice',
      VOICE_INCOMING_ALLOW: 'true',
      AUTH_BASIC_USERS: `team#1:${phc}`,
    });
    expect(problems.map((problem) => problem.variable)).toEqual(['AUTH_BASIC_USERS']);
  });

  it('accepts the scrypt parameters at the OWASP minimum and at the memory ceiling', () => {
    const env = {
      ...minimalEnv,
      AUTH_BASIC_USERS: `a:${phcWith('ln=15,r=8,p=3')} b:${phcWith('ln=13,r=8,p=10')} c:${phcWith('ln=16,r=8,p=2')}`,
    };
    expect(configOf(env).basicUsers?.users.map((user) => [user.name, user.hash.ln, user.hash.p])).toEqual([
      ['a', 15, 3],
      ['b', 13, 10],
      ['c', 16, 2],
    ]);
  });

  it('reports a hash costlier than the service can afford (ln=17, 128 MiB a check) as a problem of that entry', () => {
    const problems = problemsOf({ ...minimalEnv, AUTH_BASIC_USERS: `a:${phcWith('ln=15,r=8,p=3')} b:${phcWith('ln=17,r=8,p=1')}` });
    expect(problems).toEqual([
      expect.objectContaining({ variable: 'AUTH_BASIC_USERS', message: expect.stringMatching(/^AUTH_BASIC_USERS entry 2: .*too costly/) }),
    ]);
  });

  it('keeps the names in NFC form', async () => {
    const entry = `Jose\u0301:${await hashPassword('pw-irrelevant')}`;
    expect(configOf({ ...minimalEnv, AUTH_BASIC_USERS: entry }).basicUsers?.users[0]!.name).toBe('Jos\u00e9');
  });
});

describe('the users file (assets/basic-users.private.txt) instead of AUTH_BASIC_USERS', () => {
  let entries: string[];
  beforeAll(() => {
    entries = fullEnv.AUTH_BASIC_USERS!.split(' ');
  });
  const withFile = (text: string, env: Environment = minimalEnv) => {
    rememberSecrets({ AUTH_BASIC_USERS: text.replace(/\n/g, ' ') });
    const result = parseConfig(env, { basicUsersAsset: { text } });
    if (!result.ok) expectNoSecretIn(result.problems);
    return result;
  };

  it('reads one entry a line, skipping blank lines and # comments, with Windows line endings too', () => {
    const result = withFile(`# staff\r\n${entries[0]}\r\n\r\n  # contractors\n${entries[1]}\n`);
    expect(result.ok && result.config.basicUsers?.users.map((user) => user.name)).toEqual(['alice', 'bob']);
    expect(result.ok && result.config.authSchemes).toEqual(['basic', 'bearer']);
  });

  it('is enough on its own: no AUTH_SHARED_SECRETS or AUTH_BASIC_USERS needed', () => {
    const { AUTH_SHARED_SECRETS: _none, ...withoutSecrets } = minimalEnv;
    const result = withFile(entries[0]!, withoutSecrets);
    expect(result.ok && result.config.authSchemes).toEqual(['basic']);
  });

  it('names a bad entry by its line number, never by its text', () => {
    const result = withFile(`# users\n${entries[0]}\ncarol:plaintext-password\n`);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      expect.objectContaining({
        variable: 'assets/basic-users.private.txt',
        message: 'assets/basic-users.private.txt line 3 is not a password hash; plaintext passwords are refused',
      }),
    ]);
    expect(JSON.stringify(result)).not.toContain('carol');
  });

  it('refuses two entries on one line, and a file with no user', () => {
    const twoOnALine = withFile(`${entries[0]} ${entries[1]}\n`);
    expect(!twoOnALine.ok && twoOnALine.problems[0]!.message).toBe(
      'assets/basic-users.private.txt line 1 must hold one name:<hash> entry (made by npm run hash-password)',
    );
    const empty = withFile('# nobody yet\n\n');
    expect(!empty.ok && empty.problems[0]!.message).toBe('assets/basic-users.private.txt is set but holds no user');
  });

  it('refuses the file and AUTH_BASIC_USERS together: which list counts would be a guess', () => {
    const result = withFile(entries[0]!, fullEnv);
    expect(!result.ok && result.problems.map((problem) => [problem.variable, problem.fix])).toEqual([
      ['AUTH_BASIC_USERS', 'remove AUTH_BASIC_USERS or delete assets/basic-users.private.txt'],
    ]);
  });

  it('fails closed when the file exists but cannot be read', () => {
    const result = parseConfig(minimalEnv, { basicUsersAsset: { unreadable: true } });
    expect(!result.ok && result.problems.map((problem) => problem.variable)).toEqual(['assets/basic-users.private.txt']);
  });

  it('loadConfig notices a changed file (a redeploy) and parses again', () => {
    const first = loadConfig(minimalEnv, { basicUsersAsset: { text: entries[0]! } });
    const again = loadConfig(minimalEnv, { basicUsersAsset: { text: entries[0]! } });
    const changed = loadConfig(minimalEnv, { basicUsersAsset: { text: entries[1]! } });
    expect(again).toBe(first);
    expect(changed.ok && changed.config.basicUsers?.users[0]!.name).toBe('bob');
  });
});

describe('TOKEN_GRANTS and grant settings', () => {
  it.each(['video,screen', 'Video', 'video;chat', ','])('refuses TOKEN_GRANTS=%j', (value) => {
    expect(variablesOf({ ...minimalEnv, TOKEN_GRANTS: value })).toEqual(['TOKEN_GRANTS']);
  });

  it('refuses the voice grant without an outgoing TwiML App or incoming calls', () => {
    const problems = problemsOf({ ...minimalEnv, TOKEN_GRANTS: 'voice' });
    expect(problems.map((problem) => problem.variable)).toEqual(['VOICE_OUTGOING_APPLICATION_SID']);
    expect(problems[0]!.message).toMatch(/^the voice grant needs VOICE_OUTGOING_APPLICATION_SID or VOICE_INCOMING_ALLOW=true/);
  });

  it('refuses the voice grant with VOICE_INCOMING_ALLOW=false and no outgoing app', () => {
    expect(variablesOf({ ...minimalEnv, TOKEN_GRANTS: 'voice', VOICE_INCOMING_ALLOW: 'false' })).toEqual([
      'VOICE_OUTGOING_APPLICATION_SID',
    ]);
  });

  it('accepts the voice grant with only an outgoing app', () => {
    expect(parse({ ...minimalEnv, TOKEN_GRANTS: 'voice', VOICE_OUTGOING_APPLICATION_SID: newSid('AP') }).ok).toBe(true);
  });

  it.each(['yes', '1', 'on'])('refuses VOICE_INCOMING_ALLOW=%s', (value) => {
    expect(variablesOf({ ...minimalEnv, VOICE_INCOMING_ALLOW: value })).toEqual(['VOICE_INCOMING_ALLOW']);
  });

  it('refuses the chat grant without CONVERSATIONS_SERVICE_SID', () => {
    const problems = problemsOf({ ...minimalEnv, TOKEN_GRANTS: 'chat' });
    expect(problems.map((problem) => problem.variable)).toEqual(['CONVERSATIONS_SERVICE_SID']);
    expect(problems[0]!.message).toBe('CONVERSATIONS_SERVICE_SID is not set');
  });

  it('refuses the taskrouter grant without TASKROUTER_WORKSPACE_SID, and accepts it with one', () => {
    const problems = problemsOf({ ...minimalEnv, TOKEN_GRANTS: 'video,taskrouter' });
    expect(problems.map((problem) => problem.variable)).toEqual(['TASKROUTER_WORKSPACE_SID']);
    expect(problems[0]!.message).toBe('TASKROUTER_WORKSPACE_SID is not set');
    expect(problems[0]!.fix).toMatch(/WS followed by 32 hex/);
    const workspaceSid = newSid('WS');
    const config = configOf({ ...minimalEnv, TOKEN_GRANTS: 'taskrouter,video', TASKROUTER_WORKSPACE_SID: workspaceSid });
    expect(config.grants).toMatchObject({ enabled: ['video', 'taskrouter'], taskrouterWorkspaceSid: workspaceSid });
  });

  it('accepts the sync grant without SYNC_SERVICE_SID (the default service)', () => {
    expect(configOf({ ...minimalEnv, TOKEN_GRANTS: 'sync' }).grants.enabled).toEqual(['sync']);
  });

  it.each([
    ['129 characters', 'r'.repeat(129)],
    ['a control character', 'room\u0007'],
    ['a bidi override', 'room\u202e'],
  ])('refuses VIDEO_ROOM with %s', (_what, value) => {
    expect(variablesOf({ ...minimalEnv, VIDEO_ROOM: value })).toEqual(['VIDEO_ROOM']);
  });

  it('accepts VIDEO_ROOM of exactly 128 characters', () => {
    expect(configOf({ ...minimalEnv, VIDEO_ROOM: 'r'.repeat(128) }).grants.videoRoom).toBe('r'.repeat(128));
  });
});

describe('TOKEN_TTL and TOKEN_MAX_TTL', () => {
  const badTtls = ['59', '0', '86401', '-1', '1.5', '1e3', '3600s', 'one hour', '0x100', '1234567'];
  for (const variable of ['TOKEN_TTL', 'TOKEN_MAX_TTL']) {
    it.each(badTtls)(`refuses ${variable}=%j`, (value) => {
      const problems = problemsOf({ ...minimalEnv, TOKEN_MAX_TTL: '86400', [variable]: value });
      expect(problems.map((problem) => problem.variable)).toEqual([variable]);
      expect(problems[0]!.message).toBe(`${variable} must be whole seconds from 60 to 86400`);
    });
  }

  it('refuses TOKEN_TTL above TOKEN_MAX_TTL', () => {
    const problems = problemsOf({ ...minimalEnv, TOKEN_TTL: '7200', TOKEN_MAX_TTL: '3600' });
    expect(problems.map((problem) => problem.variable)).toEqual(['TOKEN_TTL']);
    expect(problems[0]!.message).toBe('TOKEN_TTL is above TOKEN_MAX_TTL (3600)');
  });

  it('refuses TOKEN_TTL above the default maximum when TOKEN_MAX_TTL is unset', () => {
    expect(variablesOf({ ...minimalEnv, TOKEN_TTL: '3601' })).toEqual(['TOKEN_TTL']);
  });
});

describe('ALLOWED_ORIGINS', () => {
  it.each([
    ['a path', 'https://app.example.com/app'],
    ['a wildcard host', 'https://*.example.com'],
    ['a bare wildcard', '*'],
    ['null', 'null'],
    ['no scheme', 'app.example.com'],
    ['a non-http scheme', 'ftp://app.example.com'],
    ['credentials', 'https://user@app.example.com'],
    ['a query', 'https://app.example.com?x=1'],
    ['a fragment', 'https://app.example.com#top'],
  ])('refuses an entry with %s', (_what, value) => {
    expect(variablesOf({ ...minimalEnv, ALLOWED_ORIGINS: `https://ok.example.com, ${value}` })).toEqual(['ALLOWED_ORIGINS']);
  });

  it('normaliseOrigin refuses what it cannot send back as an Access-Control-Allow-Origin value', () => {
    expect(normaliseOrigin('https://ok.example.com:8443')).toBe('https://ok.example.com:8443');
    expect(normaliseOrigin('http://LOCALHOST:80')).toBe('http://localhost');
    expect(normaliseOrigin('null')).toBeUndefined();
    expect(normaliseOrigin('https://a.example.com/*')).toBeUndefined();
  });
});

describe('TWILIO_REGION', () => {
  it.each(['US1', 'us', 'us-1', 'useast1', '11'])('refuses TWILIO_REGION=%s', (value) => {
    expect(variablesOf({ ...minimalEnv, TWILIO_REGION: value })).toEqual(['TWILIO_REGION']);
  });

  it.each(['us1', 'ie1', 'au1'])('accepts TWILIO_REGION=%s', (value) => {
    expect(configOf({ ...minimalEnv, TWILIO_REGION: value }).region).toBe(value);
  });
});

describe('THROTTLE_SYNC_SERVICE_SID', () => {
  it('is unset by default: each instance counts failures alone', () => {
    expect(configOf(minimalEnv).throttleSyncServiceSid).toBeUndefined();
  });

  it.each([`IS${'0a'.repeat(16)}`, 'default'])('accepts %s', (value) => {
    expect(configOf({ ...minimalEnv, THROTTLE_SYNC_SERVICE_SID: ` ${value} ` }).throttleSyncServiceSid).toBe(value);
  });

  it.each([
    ['another kind of SID', `ZS${'0a'.repeat(16)}`],
    ['a short SID', `IS${'0a'.repeat(15)}`],
    ['Default in capitals', 'Default'],
    ['a unique name', 'my-sync-service'],
  ])('refuses %s, naming the variable and not the value', (_what, value) => {
    const problems = problemsOf({ ...minimalEnv, THROTTLE_SYNC_SERVICE_SID: value });
    expect(problems).toEqual([expect.objectContaining({ variable: 'THROTTLE_SYNC_SERVICE_SID' })]);
    expect(JSON.stringify(problems)).not.toContain(value);
  });

  it('is one of CONFIG_VARIABLES, so a change reloads the configuration and the deploy knows the service reads it', () => {
    expect(CONFIG_VARIABLES).toContain('THROTTLE_SYNC_SERVICE_SID');
  });
});

describe('collecting problems', () => {
  it('reports every broken variable at once, not only the first', () => {
    expect(
      variablesOf({
        ...fullEnv,
        TWILIO_API_KEY_SID: 'SKnope',
        TOKEN_TTL: 'soon',
        TWILIO_REGION: 'mars',
        AUTH_SHARED_SECRETS: 'password123',
      }),
    ).toEqual(['AUTH_SHARED_SECRETS', 'TOKEN_TTL', 'TWILIO_API_KEY_SID', 'TWILIO_REGION']);
  });

  it('never echoes any secret, hash or password in a message or fix when everything is wrong together', () => {
    const password = `Pw-${randomBytes(8).toString('hex')}`;
    const problems = problemsOf({
      ...fullEnv,
      TWILIO_API_KEY_SECRET: `short-${randomBytes(4).toString('hex')}`,
      AUTH_SHARED_SECRETS: `${credentials.sharedSecret}, weak-${randomBytes(3).toString('hex')}`,
      AUTH_BASIC_USERS: `${fullEnv.AUTH_BASIC_USERS} carol:${password}`,
    });
    expect(problems.map((problem) => problem.variable).sort()).toEqual([
      'AUTH_BASIC_USERS',
      'AUTH_SHARED_SECRETS',
      'TWILIO_API_KEY_SECRET',
    ]);
    const allText = problems.map((problem) => `${problem.message} ${problem.fix}`).join('\n');
    expect(allText).not.toContain(password);
    expect(allText).not.toContain(credentials.sharedSecret);
  });
});

describe('loadConfig', () => {
  it('returns the same result object for the same values, even in a different environment object', () => {
    const first = loadConfig({ ...minimalEnv });
    const second = loadConfig({ ...minimalEnv });
    expect(first.ok).toBe(true);
    expect(second).toBe(first);
  });

  it('parses again when any value changes, and when it changes back', () => {
    const first = loadConfig({ ...minimalEnv });
    const changed = loadConfig({ ...minimalEnv, TOKEN_TTL: '600' });
    expect(changed).not.toBe(first);
    expect(changed.ok && changed.config.defaultTtl).toBe(600);
    const back = loadConfig({ ...minimalEnv });
    expect(back).not.toBe(changed);
    expect(back.ok && back.config.defaultTtl).toBe(3600);
  });

  it('parses again when a variable goes from set to unset', () => {
    const withRegion = loadConfig({ ...minimalEnv, TWILIO_REGION: 'ie1' });
    const without = loadConfig({ ...minimalEnv });
    expect(without).not.toBe(withRegion);
    expect(without.ok && without.config.region).toBeUndefined();
  });

  it('ignores variables it does not read', () => {
    const first = loadConfig({ ...minimalEnv, DOMAIN_NAME: 'a.twil.io' });
    expect(loadConfig({ ...minimalEnv, DOMAIN_NAME: 'b.twil.io' })).toBe(first);
  });
});

describe('OIDC beside other sign-ins needs OIDC_IDENTITY_PREFIX (issue 22: identities from different sign-ins never collide)', () => {
  const oidc = { OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'app' };

  it.each([
    ['Basic users', { AUTH_SHARED_SECRETS: undefined }],
    ['shared secrets', { AUTH_BASIC_USERS: undefined }],
    ['both', {}],
  ])('beside %s, no prefix is refused naming OIDC_IDENTITY_PREFIX; a prefix is accepted', async (_what, without) => {
    const env = await environmentFor(newCredentials(['admin']), { ...oidc, ...without });
    expect(problemsOf(env).map((p) => p.variable)).toEqual(['OIDC_IDENTITY_PREFIX']);
    const result = parse({ ...env, OIDC_IDENTITY_PREFIX: 'idp:' });
    expect(result.ok && result.config.oidc?.identityPrefix).toBe('idp:');
  });

  it('OIDC alone needs no prefix', async () => {
    const env = await environmentFor(newCredentials([]), { ...oidc, AUTH_SHARED_SECRETS: undefined, AUTH_BASIC_USERS: undefined });
    const result = parse(env);
    expect(result.ok && result.config.oidc?.identityPrefix).toBeUndefined();
  });
});
