/** checkDeployment and planVariableSync: what npm run deploy refuses before sending anything, and which variables it deletes. */
import { CONFIG_VARIABLES } from '../../src/lib/config/service-config';
import { checkDeployment, contextBytes, planVariableSync, TWILIO_VARIABLE_LIMITS } from '../../src/cli/project/deploy-checks';
import { environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';

let credentials: TestCredentials;
let valid: Record<string, string>;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  valid = await environmentFor(credentials);
});

const problemsFor = (variables: Record<string, string>, target = {}) =>
  checkDeployment(variables, {}, { serviceName: 'tokens', domainSuffix: 'dev', ...target });
const named = (variables: Record<string, string>, target = {}) => problemsFor(variables, target).map((problem) => problem.variable);

describe('checkDeployment: products the token region does not offer', () => {
  const syncThrottle = { THROTTLE_SYNC_SERVICE_SID: 'default' };

  it('refuses THROTTLE_SYNC_SERVICE_SID with TWILIO_REGION=ie1, saying Twilio has no Sync there and what to do', () => {
    const problems = problemsFor({
      ...valid,
      TOKEN_GRANTS: 'voice',
      VOICE_OUTGOING_APPLICATION_SID: newSid('AP'),
      ...syncThrottle,
      TWILIO_REGION: 'ie1',
    });
    expect(problems).toEqual([
      {
        variable: 'THROTTLE_SYNC_SERVICE_SID',
        message: expect.stringMatching(/Twilio offers no Sync in region ie1 \(TWILIO_REGION\)/),
        fix: expect.stringMatching(/unset THROTTLE_SYNC_SERVICE_SID/),
      },
    ]);
  });

  it('refuses sync and video grants (video is the default) outside us1, and nothing in us1 or without a region', () => {
    expect(named({ ...valid, TOKEN_GRANTS: 'sync', SYNC_SERVICE_SID: newSid('IS'), TWILIO_REGION: 'au1' })).toEqual(['TOKEN_GRANTS']);
    expect(named({ ...valid, TWILIO_REGION: 'ie1' })).toEqual(['TOKEN_GRANTS']);
    expect(named({ ...valid, ...syncThrottle, TOKEN_GRANTS: 'video,sync', SYNC_SERVICE_SID: newSid('IS'), TWILIO_REGION: 'us1' })).toEqual(
      [],
    );
    expect(named({ ...valid, ...syncThrottle })).toEqual([]);
    expect(named({ ...valid, ...syncThrottle, TWILIO_REGION: 'IE-1' })).toEqual(['TWILIO_REGION']);
  });
});

describe('checkDeployment', () => {
  it('passes a valid configuration', () => {
    expect(problemsFor(valid)).toEqual([]);
  });

  it.each(['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY_SID', 'CONVERSATIONS_SERVICE_SID'])(
    'refuses the development placeholder in %s',
    (name) => {
      const prefix = { TWILIO_ACCOUNT_SID: 'AC', TWILIO_API_KEY_SID: 'SK', CONVERSATIONS_SERVICE_SID: 'IS' }[name]!;
      const extra: Record<string, string> = name === 'CONVERSATIONS_SERVICE_SID' ? { TOKEN_GRANTS: 'chat' } : {};
      const problems = problemsFor({ ...valid, ...extra, [name]: `${prefix}${'0'.repeat(32)}` });
      expect(problems).toContainEqual(
        expect.objectContaining({
          variable: name,
          message: `${name} is a placeholder (a sample value, or the development .env that npm start writes), which Twilio refuses`,
        }),
      );
    },
  );

  it.each([
    ['a secret in words', 'TWILIO_API_KEY_SECRET', 'your_api_key_secret_goes_here_xxxxxxxx'],
    ['a SID of x', 'TWILIO_ACCOUNT_SID', `AC${'x'.repeat(32)}`],
    ['a key SID of X', 'TWILIO_API_KEY_SID', `SK${'X'.repeat(32)}`],
  ])('refuses %s (%s) as a placeholder, never echoing it', (_what, name, value) => {
    const problems = problemsFor({ ...valid, [name]: value });
    expect(problems).toContainEqual(expect.objectContaining({ variable: name, message: expect.stringMatching(/ is a placeholder /) }));
    for (const problem of problems) expect(JSON.stringify(problem)).not.toContain(value);
  });

  it('names a loopback allowed origin as written: 127.0.0.1 is not called localhost', () => {
    const [problem] = problemsFor({ ...valid, ALLOWED_ORIGINS: 'https://app.example.com,http://127.0.0.1:4917' });
    expect(problem).toEqual(
      expect.objectContaining({
        variable: 'ALLOWED_ORIGINS',
        message: expect.stringMatching(/^ALLOWED_ORIGINS lists http:\/\/127\.0\.0\.1:4917, on this machine \(loopback\)/),
      }),
    );
    expect(problem!.message).not.toContain('localhost');
  });

  it('counts bytes, not characters, against the 450-byte value limit, and says where a large value can go', () => {
    const room = 'é'.repeat(100); // 100 characters, 200 bytes: fine
    expect(named({ ...valid, VIDEO_ROOM: room })).toEqual([]);
    const secrets = Array.from({ length: 11 }, () => credentials.sharedSecret).join(',');
    const problems = problemsFor({ ...valid, AUTH_SHARED_SECRETS: secrets });
    expect(problems).toContainEqual({
      variable: 'AUTH_SHARED_SECRETS',
      message: `AUTH_SHARED_SECRETS is ${Buffer.byteLength(secrets)} bytes; Twilio refuses a value over 450`,
      fix: expect.stringMatching(/^keep fewer secrets/),
    });
  });

  it('checks THROTTLE_SYNC_SERVICE_SID like the service does: a Sync Service SID or default, nothing else', () => {
    expect(named({ ...valid, THROTTLE_SYNC_SERVICE_SID: `IS${'1f'.repeat(16)}` })).toEqual([]);
    expect(named({ ...valid, THROTTLE_SYNC_SERVICE_SID: 'default' })).toEqual([]);
    expect(named({ ...valid, THROTTLE_SYNC_SERVICE_SID: `ZS${'1f'.repeat(16)}` })).toEqual(['THROTTLE_SYNC_SERVICE_SID']);
  });

  it('accepts a value of exactly 450 bytes and refuses 451', () => {
    const own = { DEPLOY_OWN_VARIABLES: 'NOTE' };
    expect(named({ ...valid, ...own, NOTE: 'n'.repeat(TWILIO_VARIABLE_LIMITS.valueBytes) })).toEqual([]);
    expect(named({ ...valid, ...own, NOTE: 'n'.repeat(TWILIO_VARIABLE_LIMITS.valueBytes + 1) })).toEqual(['NOTE']);
  });

  it('refuses a variable name over 128 characters', () => {
    expect(problemsFor({ ...valid, ['K'.repeat(129)]: 'x' })[0]!.message).toMatch(/longer than Twilio's 128 characters/);
  });

  it('refuses a context over 3 KB (error 82006) even when every value is under 450 bytes, naming the largest', () => {
    const notes: Record<string, string> = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`NOTE_${i}`, 'n'.repeat(400 + i)]));
    notes['DEPLOY_OWN_VARIABLES'] = Object.keys(notes).join(',');
    expect(contextBytes({ ...valid, ...notes }, {})).toBeGreaterThan(TWILIO_VARIABLE_LIMITS.contextBytes);
    const problems = problemsFor({ ...valid, ...notes });
    expect(problems).toEqual([expect.objectContaining({ variable: 'NOTE_6', message: expect.stringContaining('error 82006') })]);
  });

  it('counts the domain name (service name and suffix) in the context', () => {
    expect(
      contextBytes({}, { serviceName: 'a'.repeat(40), domainSuffix: 'staging' }) - contextBytes({}, { serviceName: 'a', domainSuffix: '' }),
    ).toBe(39 + 8);
  });

  it('refuses an identity provider and allowed origins on loopback, which a deployed service cannot use', () => {
    expect(named({ ...valid, OIDC_ISSUER: 'http://localhost:8080', OIDC_AUDIENCE: 'app' })).toContain('OIDC_ISSUER');
    expect(
      named({ ...valid, OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'app', OIDC_JWKS_URL: 'http://127.0.0.1:9/keys' }),
    ).toContain('OIDC_JWKS_URL');
    expect(named({ ...valid, ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173' })).toEqual(['ALLOWED_ORIGINS']);
    expect(
      named({
        ...valid,
        ALLOWED_ORIGINS: 'https://app.example.com',
        OIDC_ISSUER: 'https://id.example.com',
        OIDC_AUDIENCE: 'app',
        OIDC_IDENTITY_PREFIX: 'idp:',
      }),
    ).toEqual([]);
  });

  it("runs the service's own checks with the platform's ACCOUNT_SID, so a TWILIO_ACCOUNT_SID of another account is refused", () => {
    expect(named(valid, { accountSid: newSid('AC') })).toEqual(['TWILIO_ACCOUNT_SID']);
    expect(problemsFor(valid, { accountSid: newSid('AC'), accountSource: 'TWILIO_ACCOUNT_SID in the environment' })).toEqual([
      {
        variable: 'TWILIO_ACCOUNT_SID',
        message: 'TWILIO_ACCOUNT_SID names another account than the one npm run deploy deploys to (TWILIO_ACCOUNT_SID in the environment)',
        fix: expect.stringMatching(
          /^deploy with credentials of the account TWILIO_ACCOUNT_SID names, or set TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET/,
        ),
      },
    ]);
    expect(JSON.stringify(problemsFor(valid, { accountSid: newSid('AC') }))).not.toMatch(
      /ACCOUNT_SID name different accounts|remove TWILIO_ACCOUNT_SID/,
    );
    expect(named(valid, { accountSid: credentials.accountSid })).toEqual([]);
    const { TWILIO_ACCOUNT_SID: _provided, ...withoutAccount } = valid;
    expect(named(withoutAccount, { accountSid: credentials.accountSid })).toEqual([]);
  });

  it('refuses a near miss of a setting, which would leave the setting it meant unset, and a far name unless it is listed as your own', () => {
    expect(problemsFor({ ...valid, ALLOWED_ORIGIN: 'https://app.example.com' })).toEqual([
      {
        variable: 'ALLOWED_ORIGIN',
        message: 'ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS?',
        fix: expect.stringMatching(/^rename ALLOWED_ORIGIN to ALLOWED_ORIGINS/),
      },
    ]);
    expect(named({ ...valid, Token_Ttl: '600', AUTH_BASIC_USER: 'x' })).toEqual(['Token_Ttl', 'AUTH_BASIC_USER']);
    expect(named({ ...valid, MY_OWN_NOTE: 'x' })).toEqual(['MY_OWN_NOTE']);
    expect(named({ ...valid, MY_OWN_NOTE: 'x', DEPLOY_OWN_VARIABLES: 'MY_OWN_NOTE' })).toEqual([]);
  });

  it('never puts a value in a problem', () => {
    const problems = problemsFor({
      ...valid,
      AUTH_SHARED_SECRETS: `${credentials.sharedSecret},short`,
      NOTE: credentials.apiKeySecret.repeat(20),
      DEPLOY_OWN_VARIABLES: credentials.apiKeySecret,
    });
    expect(problems.length).toBeGreaterThan(0);
    const text = JSON.stringify(problems);
    for (const secret of [credentials.sharedSecret, credentials.apiKeySecret, credentials.passwords.alice!])
      expect(text).not.toContain(secret);
  });
});

describe('planVariableSync', () => {
  const existing = [
    { key: 'TWILIO_API_KEY_SID', sid: 'ZV1' },
    { key: 'AUTH_SHARED_SECRETS', sid: 'ZV2' },
    { key: 'VIDEO_ROOM', sid: 'ZV3' },
    { key: 'SET_BY_HAND', sid: 'ZV4' },
    { key: 'AUTH_BASIC_USER', sid: 'ZV5' }, // a typo of AUTH_BASIC_USERS
  ];

  it('deletes the variables this service reads that .env no longer sets, and lists the others as unread', () => {
    expect(planVariableSync(existing, { TWILIO_API_KEY_SID: 'SK…' })).toEqual({
      remove: [
        { key: 'AUTH_SHARED_SECRETS', sid: 'ZV2' },
        { key: 'VIDEO_ROOM', sid: 'ZV3' },
      ],
      unread: ['SET_BY_HAND', 'AUTH_BASIC_USER'],
    });
  });

  it('deletes nothing when .env sets everything the service has', () => {
    expect(planVariableSync(existing.slice(0, 3), { TWILIO_API_KEY_SID: 'a', AUTH_SHARED_SECRETS: 'b', VIDEO_ROOM: 'c' }).remove).toEqual(
      [],
    );
  });

  it('knows every variable the configuration reads, except ACCOUNT_SID, which Twilio provides and no deploy uploads', () => {
    const all = CONFIG_VARIABLES.map((key, i) => ({ key, sid: `ZV${i}` }));
    expect(planVariableSync(all, {}).remove.map((variable) => variable.key)).toEqual(
      CONFIG_VARIABLES.filter((key) => key !== 'ACCOUNT_SID'),
    );
    expect(planVariableSync(all, {}).unread).toEqual(['ACCOUNT_SID']);
  });

  it("deletes the user's own variables (DEPLOY_OWN_VARIABLES) that .env no longer sets, and leaves other names alone", () => {
    expect(planVariableSync(existing, { TWILIO_API_KEY_SID: 'SK…' }, ['SET_BY_HAND']).remove.map((variable) => variable.key)).toEqual([
      'AUTH_SHARED_SECRETS',
      'VIDEO_ROOM',
      'SET_BY_HAND',
    ]);
  });
});
