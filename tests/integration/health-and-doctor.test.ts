/** GET /health through the real twilio-run server, and `npm run doctor` as a child process: same checks, no values. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicHeader, dotenvText, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { send } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const root = join(__dirname, '..', '..');
/** Broken twice: an empty room, and a misplaced field whose name is a pasted credential (never shown by /health). */
const PASTED_KEY = 'Bearer pasted-by-mistake-7c1f';
const BROKEN_POLICY = JSON.stringify({ rules: [{ match: { role: 'teacher' }, rooms: ['class-1', ''], [PASTED_KEY]: true }] });

let credentials: TestCredentials;
let good: RunningServer;
let broken: RunningServer;
let goodEnv: Record<string, string>;
let brokenEnv: Record<string, string>;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  goodEnv = await environmentFor(credentials, {
    TOKEN_GRANTS: 'video',
    OIDC_ISSUER: 'https://id.example.com',
    OIDC_AUDIENCE: 'app',
    OIDC_IDENTITY_PREFIX: 'idp:',
  });
  brokenEnv = await environmentFor(credentials, {
    TWILIO_API_KEY_SID: 'SKnot-a-sid',
    OIDC_ISSUER: 'http://id.example.com',
    TOKEN_POLICY: BROKEN_POLICY,
    THROTTLE_SYNC_SERVICE_SID: 'my-sync-service',
  });
  [good, broken] = await Promise.all([startServer(goodEnv), startServer(brokenEnv)]);
}, 60_000);

afterAll(async () => {
  await good?.stop();
  await broken?.stop();
});

/** Every configured value that must never appear in /health or doctor output. */
function secretValues(env: Record<string, string>): string[] {
  return [
    credentials.apiKeySecret,
    credentials.sharedSecret,
    credentials.accountSid,
    ...Object.values(credentials.passwords),
    env.AUTH_BASIC_USERS!,
    env.TWILIO_API_KEY_SID!,
  ];
}

describe('GET /health', () => {
  it('200 with the modes and grants of a valid configuration, no-store, no authentication needed', async () => {
    for (const method of ['GET', 'POST']) {
      const answer = await send(`${good.url}/health`, { method, ...(method === 'POST' && { json: {} }) });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ status: 'ok', authSchemes: ['basic', 'bearer', 'oidc'], grants: ['video'], oidc: true, policy: false });
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      for (const value of secretValues(goodEnv)) expect(answer.text.includes(value)).toBe(false);
    }
  });

  it('503 with every problem and its fix when the configuration is broken, never a value', async () => {
    const answer = await send(`${broken.url}/health`, { method: 'GET' });
    expect(answer.status).toBe(503);
    expect(answer.json.status).toBe('misconfigured');
    expect(answer.json.problems).toEqual(
      expect.arrayContaining([
        {
          variable: 'TWILIO_API_KEY_SID',
          message: 'TWILIO_API_KEY_SID must be SK followed by 32 hexadecimal digits (0-9, a-f)',
          fix: expect.any(String),
        },
        expect.objectContaining({ variable: 'OIDC_AUDIENCE' }),
        expect.objectContaining({ variable: 'OIDC_ISSUER', message: expect.stringMatching(/only https is allowed/) }),
        expect.objectContaining({ variable: 'TOKEN_POLICY', message: expect.stringMatching(/^TOKEN_POLICY rules\[0\]\.rooms\[1\]: /) }),
        expect.objectContaining({
          variable: 'TOKEN_POLICY',
          message: expect.stringMatching(/^TOKEN_POLICY rules\[0\]: field 3 is not a rule field/),
        }),
      ]),
    );
    expect(answer.text).not.toContain('pasted-by-mistake');
    for (const problem of answer.json.problems) expect(Object.keys(problem).sort()).toEqual(['fix', 'message', 'variable']);
    for (const value of [...secretValues(brokenEnv), 'id.example.com', BROKEN_POLICY]) expect(answer.text.includes(value)).toBe(false);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('/token fails closed on the same configuration: 500 server_misconfigured naming the variables, no token', async () => {
    const answer = await send(`${broken.url}/token`, {
      json: { identity: 'a' },
      headers: { authorization: `Bearer ${credentials.sharedSecret}` },
    });
    expect({ status: answer.status, code: answer.json.error.code }).toEqual({ status: 500, code: 'server_misconfigured' });
    expect(answer.json.error.message).toMatch(/TOKEN_POLICY/);
    expect(answer.json.error.message).toMatch(/OIDC_AUDIENCE/);
    expect(answer.json.token).toBeUndefined();
  });
});

describe('the users file (basic-users.private.txt) served by twilio-run as a private asset', () => {
  let assets: string;
  let server: RunningServer;
  let users: TestCredentials;
  beforeAll(async () => {
    users = newCredentials(['ann', 'ben']);
    const { AUTH_BASIC_USERS: entries, ...env } = await environmentFor(users);
    assets = mkdtempSync(join(tmpdir(), 'users-assets-'));
    writeFileSync(join(assets, 'basic-users.private.txt'), `# two users\n${entries!.split(' ').join('\n')}\n`);
    server = await startServer(env, { assetsFolder: assets });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(assets, { recursive: true, force: true });
  });

  it('signs its users in, shows basic in /health, and is not served by URL', async () => {
    const health = await send(`${server.url}/health`, { method: 'GET' });
    expect(health.json).toMatchObject({ status: 'ok', authSchemes: ['basic', 'bearer'] });
    const token = await send(`${server.url}/token`, {
      json: {},
      headers: { authorization: basicHeader('ben', users.passwords.ben!) },
    });
    expect(token.status).toBe(200);
    expect(token.json.identity).toBe('ben');
    for (const path of ['/basic-users.private.txt', '/basic-users.txt']) {
      const answer = await send(`${server.url}${path}`, { method: 'GET' });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.text).not.toMatch(/\$scrypt\$/);
    }
  });
});

describe('npm run doctor', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function doctor(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
    // A users file of the developer's own in src/assets must not change what these tests see.
    const users = args.includes('--users-asset') || cwd !== root ? [] : ['--users-asset', join(dir, 'no-users.txt')];
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'scripts', 'run-ts.mjs'), 'src/cli/doctor.ts', ...args, ...users],
        { cwd },
        (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }
  const writeEnv = (name: string, env: Record<string, string>, extra = '') => {
    const path = join(dir, name);
    writeFileSync(path, `# written by the test\n${dotenvText(env)}${extra}`);
    return path;
  };

  it('exits 0 with a short summary for a valid file', async () => {
    const result = await doctor([writeEnv('good.env', goodEnv), '--policy-asset', join(dir, 'none.json')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^doctor: OK/);
    expect(result.stdout).toMatch(/grants: +video/);
    expect(result.stdout).toMatch(/oidc: +on/);
    for (const value of secretValues(goodEnv)) expect(result.stdout.includes(value)).toBe(false);
  }, 30_000);

  it('exits 1 and prints each problem with its fix, never a value', async () => {
    const result = await doctor([writeEnv('broken.env', brokenEnv), '--policy-asset', join(dir, 'none.json')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '✗ TWILIO_API_KEY_SID: TWILIO_API_KEY_SID must be SK followed by 32 hexadecimal digits (0-9, a-f)\n  fix: ',
    );
    expect(result.stdout).toMatch(/✗ TOKEN_POLICY: TOKEN_POLICY rules\[0\]\.rooms\[1\]: .*\n {2}fix: /);
    expect(result.stdout).toMatch(/✗ OIDC_AUDIENCE: /);
    expect(result.stdout).toMatch(/✗ THROTTLE_SYNC_SERVICE_SID: THROTTLE_SYNC_SERVICE_SID must be a Sync Service SID .*\n {2}fix: /);
    for (const value of [...secretValues(brokenEnv), 'id.example.com', BROKEN_POLICY, 'my-sync-service'])
      expect(result.stdout.includes(value)).toBe(false);
  }, 30_000);

  it('warns (exit 0) about policy rules that can match no caller: a user who does not exist, a role while OIDC is off', async () => {
    const { OIDC_ISSUER: _issuer, OIDC_AUDIENCE: _audience, ...withoutOidc } = goodEnv;
    const policy = JSON.stringify({
      default: 'deny',
      rules: [
        { match: { user: 'alice' }, grants: ['video'] },
        { match: { user: 'zed-who-is-not-a-user' }, grants: ['video'] },
        { match: { role: 'teacher-role' }, grants: ['video'] },
      ],
    });
    const result = await doctor([writeEnv('warn.env', { ...withoutOidc, TOKEN_POLICY: policy }), '--policy-asset', join(dir, 'none.json')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^doctor: OK/);
    const warnings = result.stdout.split('\n').filter((line) => line.startsWith('⚠'));
    expect(warnings).toEqual([
      '⚠ TOKEN_POLICY rules[1].match.user: names no Basic user and OIDC is off, so this rule matches no caller',
      '⚠ TOKEN_POLICY rules[2].match.role: roles come only from OIDC, which is off, so this rule matches no caller',
    ]);
    expect(result.stdout).not.toMatch(/zed-who|teacher-role/);
    // With OIDC on, a rule for identity-provider users may name anyone there, and roles work: no warning. User rules
    // must then say which sign-in they are for.
    const both = JSON.stringify({
      default: 'deny',
      rules: [
        { match: { user: 'alice', signIn: 'basic' }, grants: ['video'] },
        { match: { user: 'zed-who-is-not-a-user', signIn: 'oidc' }, grants: ['video'] },
        { match: { role: 'teacher-role' }, grants: ['video'] },
      ],
    });
    const withOidc = await doctor([writeEnv('no-warn.env', { ...goodEnv, TOKEN_POLICY: both }), '--policy-asset', join(dir, 'none.json')]);
    expect(withOidc.code).toBe(0);
    expect(withOidc.stdout).not.toMatch(/⚠/);
  }, 30_000);

  it('checks the policy asset too, and refuses it alongside TOKEN_POLICY', async () => {
    const asset = join(dir, 'policy.private.json');
    writeFileSync(asset, JSON.stringify({ rules: [{ match: { user: 'alice', signIn: 'basic' }, maxTtl: 600 }] }));
    const ok = await doctor([writeEnv('asset.env', goodEnv), '--policy-asset', asset]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`policy:   ${asset}`);
    const both = await doctor([writeEnv('both.env', { ...goodEnv, TOKEN_POLICY: '{"rules":[]}' }), '--policy-asset', asset]);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/✗ TOKEN_POLICY: TOKEN_POLICY is set and assets\/policy.private.json exists/);
  }, 30_000);

  it('checks the users file (basic-users.private.txt), and refuses it alongside AUTH_BASIC_USERS', async () => {
    const users = join(dir, 'basic-users.private.txt');
    writeFileSync(users, `# the team\n${goodEnv.AUTH_BASIC_USERS}\n`);
    const { AUTH_BASIC_USERS: _inFile, ...withoutUsers } = goodEnv;
    const ok = await doctor([writeEnv('users.env', withoutUsers), '--policy-asset', join(dir, 'none.json'), '--users-asset', users]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`sign-in:  Basic (${users})`);
    const both = await doctor([writeEnv('users-both.env', goodEnv), '--policy-asset', join(dir, 'none.json'), '--users-asset', users]);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/✗ AUTH_BASIC_USERS: AUTH_BASIC_USERS is set and assets\/basic-users.private.txt exists/);
  }, 30_000);

  it("--deploy adds the checks npm run deploy makes: Twilio's 450-byte limit and development placeholders", async () => {
    const ready = await doctor([writeEnv('ready.env', goodEnv), '--policy-asset', join(dir, 'none.json'), '--deploy']);
    expect(ready.code).toBe(0);
    expect(ready.stdout).toMatch(/ready to deploy/);
    const placeholder = await doctor([
      writeEnv('placeholder.env', { ...goodEnv, TWILIO_API_KEY_SID: `SK${'0'.repeat(32)}` }),
      '--policy-asset',
      join(dir, 'none.json'),
      '--deploy',
    ]);
    expect(placeholder.code).toBe(1);
    expect(placeholder.stdout).toMatch(
      /✗ TWILIO_API_KEY_SID: TWILIO_API_KEY_SID is a placeholder \(a sample value, or the development \.env that npm start writes\)/,
    );
    expect(placeholder.stdout).toMatch(/npm run deploy refuses to deploy/);
    const long = await doctor([
      writeEnv('long.env', {
        ...goodEnv,
        VIDEO_ROOM: 'r'.repeat(100),
        ALLOWED_ORIGINS: Array.from({ length: 20 }, (_, i) => `https://app${i}.example.com`).join(','),
      }),
      '--policy-asset',
      join(dir, 'none.json'),
      '--deploy',
    ]);
    expect(long.code).toBe(1);
    expect(long.stdout).toMatch(/✗ ALLOWED_ORIGINS: ALLOWED_ORIGINS is \d+ bytes; Twilio refuses a value over 450/);
    // Without --deploy the same file is a valid local configuration.
    expect((await doctor([join(dir, 'placeholder.env'), '--policy-asset', join(dir, 'none.json')])).code).toBe(0);
  }, 60_000);

  it('reads the file with twilio-run’s rules: an inline comment is part of the value', async () => {
    const path = writeEnv('comment.env', { ...goodEnv, TOKEN_TTL: '600 # ten minutes' });
    const result = await doctor([path, '--policy-asset', join(dir, 'none.json')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ TOKEN_TTL: TOKEN_TTL must be whole seconds from 60 to 86400');
  }, 30_000);

  it('defaults to .env in the current directory and says how to create a missing one', async () => {
    const result = await doctor([], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ \.env: there is no \.env\b.*\n {2}fix: cp \.env\.example \.env and fill it in, or run npm start once/);
  }, 30_000);
});
