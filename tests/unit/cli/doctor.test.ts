/**
 * npm run doctor as a child process, in a folder of its own (no src/assets of this checkout): it reads the
 * configuration the way twilio-run and npm run deploy do, and says what is wrong by line and name, never by value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dotenvLines, environmentFor, newCredentials, newSid, type TestCredentials } from '../../helpers/fixtures';
import { runCli } from '../../helpers/run-cli';

let credentials: TestCredentials;
let valid: Record<string, string>;
let dir: string;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  valid = await environmentFor(credentials);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A process environment without the developer's own Twilio or service settings. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return { ...env, ...extra };
}

function writeEnvFile(name: string, content: string[]): string {
  writeFileSync(join(dir, name), `${content.join('\n')}\n`);
  return name;
}
const doctor = (args: string[], env = cleanEnvironment()) => runCli('doctor', args, { cwd: dir, env });
const secrets = () => [credentials.apiKeySecret, credentials.sharedSecret, credentials.passwords.alice!, valid.AUTH_BASIC_USERS!];

describe('npm run doctor reads the configuration as npm run deploy does', () => {
  it('--load-system-env fills the empty KEY= lines of a CI template from the environment, as twilio-run deploy does', () => {
    const template = writeEnvFile('.env.ci', [
      '# CI template: values come from the CI secrets',
      'TWILIO_ACCOUNT_SID=',
      'TWILIO_API_KEY_SID=',
      'TWILIO_API_KEY_SECRET=',
      'AUTH_SHARED_SECRETS=',
      'TOKEN_TTL=600',
    ]);
    const fromCi = cleanEnvironment({
      TWILIO_ACCOUNT_SID: credentials.accountSid,
      TWILIO_API_KEY_SID: credentials.apiKeySid,
      TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
      AUTH_SHARED_SECRETS: credentials.sharedSecret,
    });
    const accepted = doctor([template, '--deploy', '--load-system-env'], fromCi);
    expect({ status: accepted.status, stderr: accepted.stderr }).toEqual({ status: 0, stderr: '' });
    expect(accepted.stdout).toMatch(/^doctor: OK, \.env\.ci is valid and ready to deploy/);
    expect(doctor(['--env', template, '--deploy', '--load-system-env'], fromCi).status).toBe(0);
    for (const value of secrets()) expect(accepted.stdout).not.toContain(value);

    // Without the flag the template's values are empty, and the doctor says where they could come from.
    const refused = doctor([template, '--deploy'], fromCi);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('✗ TWILIO_API_KEY_SECRET: TWILIO_API_KEY_SECRET is not set');
    expect(refused.stdout).toMatch(/TWILIO_API_KEY_SECRET is empty in \.env\.ci but set in the environment: add --load-system-env/);
  });

  it('refuses --load-system-env without a named file, as twilio-run does', () => {
    writeEnvFile('.env', dotenvLines(valid));
    const run = doctor(['--load-system-env']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--load-system-env needs the env file named/);
  });

  it('says there is no .env, and how to make one, instead of listing every variable as not set', () => {
    const run = doctor([]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('✗ .env: there is no .env');
    expect(run.stdout).toMatch(/fix: cp \.env\.example \.env and fill it in, or run npm start once/);
    expect(run.stdout).not.toMatch(/is not set/);
    const deploy = doctor(['--deploy']);
    expect(deploy.stdout).toContain('✗ .env: there is no .env');
    expect(deploy.stdout).not.toMatch(/is not set/);
  });
});

describe('npm run doctor reports lines twilio-run cannot read, by number and reason', () => {
  it('an export prefix, a line without =, a line separator inside a value, an inline comment', () => {
    const file = writeEnvFile('.env', [
      ...dotenvLines(valid),
      'export VIDEO_ROOM=lobby',
      'TOKEN_GRANTS video',
      `TOKEN_POLICY={"rules":[],"default":"deny"\u2028}`,
      'TOKEN_TTL=600 # ten minutes',
    ]);
    const base = dotenvLines(valid).length;
    const run = doctor([file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `✗ .env line ${base + 1}: VIDEO_ROOM starts with "export "; twilio-run (dotenv 6) skips the whole line, so VIDEO_ROOM is not set`,
    );
    expect(run.stdout).toContain(`✗ .env line ${base + 2}: the line has no "="; twilio-run (dotenv 6) skips it`);
    expect(run.stdout).toContain(
      `✗ .env line ${base + 3}: TOKEN_POLICY's value contains a line separator (U+2028); twilio-run (dotenv 6) skips the whole line, so TOKEN_POLICY is not set`,
    );
    expect(run.stdout).toContain(
      `✗ .env line ${base + 4}: TOKEN_TTL's value has what looks like an inline comment; twilio-run (dotenv 6) keeps it as part of the value`,
    );
    expect(run.stdout).not.toContain('lobby');
    expect(run.stdout).not.toContain('ten minutes');
    expect(doctor([file, '--deploy']).stdout).toContain(`✗ .env line ${base + 1}: VIDEO_ROOM starts with "export "`);
  });
});

describe('npm run doctor refuses a name close to a setting', () => {
  it('ALLOWED_ORIGIN is a problem naming ALLOWED_ORIGINS, with and without --deploy; a far name is a warning locally and a problem for deploying', () => {
    const file = writeEnvFile('.env', [...dotenvLines(valid), 'ALLOWED_ORIGIN=https://app.example.com', 'MY_OWN_NOTE=x']);
    for (const args of [[file], [file, '--deploy']]) {
      const run = doctor(args);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('✗ ALLOWED_ORIGIN: ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS?');
      expect(run.stdout).toMatch(
        args.includes('--deploy')
          ? /✗ MY_OWN_NOTE: MY_OWN_NOTE is not a setting of this service, and DEPLOY_OWN_VARIABLES does not list it/
          : /warning: MY_OWN_NOTE is not a setting this service reads/,
      );
      expect(run.stdout).not.toContain('app.example.com');
    }
  });

  it('does not take the names twilio-run reads (ACCOUNT_SID, AUTH_TOKEN) for typos', () => {
    const file = writeEnvFile('.env', [...dotenvLines(valid), `ACCOUNT_SID=${credentials.accountSid}`, `AUTH_TOKEN=${'a'.repeat(32)}`]);
    const run = doctor([file, '--deploy']);
    expect(run.stdout).not.toMatch(/AUTH_TOKEN is not a setting/);
    expect(run.status).toBe(0);
  });
});

describe('npm run doctor -- --deploy names the account that differs', () => {
  it('blames the deploy account, not an ACCOUNT_SID the user never set', () => {
    const file = writeEnvFile('.env', dotenvLines(valid));
    const run = doctor(
      [file, '--deploy'],
      cleanEnvironment({ TWILIO_ACCOUNT_SID: newSid('AC'), TWILIO_API_KEY: newSid('SK'), TWILIO_API_SECRET: 'x'.repeat(32) }),
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /✗ TWILIO_ACCOUNT_SID: TWILIO_ACCOUNT_SID names another account than the one npm run deploy deploys to \(TWILIO_ACCOUNT_SID in the environment\)/,
    );
    expect(run.stdout).not.toMatch(/ACCOUNT_SID name different accounts/);
  });
});

describe('npm run doctor says when tokens are signed with placeholder credentials', () => {
  it('the development .env of npm start is valid for local use, but the summary and a warning say its SIDs are placeholders', () => {
    writeEnvFile('.env', dotenvLines({ ...valid, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_API_KEY_SID: `SK${'0'.repeat(32)}` }));
    const result = doctor([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^doctor: \.env is valid for local use, but tokens are signed with PLACEHOLDER credentials that Twilio refuses/,
    );
    expect(result.stdout).not.toMatch(/doctor: OK/);
    expect(result.stdout).toContain(
      'warning: tokens are signed with placeholder credentials (TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID): they decode, but Twilio refuses them',
    );
    expect(result.stdout).toMatch(/API keys & tokens/);
  });

  it('--deploy refuses a secret in words (your_api_key_secret_goes_here_xxxxxxxx), never echoing it', () => {
    const secret = 'your_api_key_secret_goes_here_xxxxxxxx';
    writeEnvFile('.env', dotenvLines({ ...valid, TWILIO_API_KEY_SECRET: secret }));
    const result = doctor(['--deploy']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('✗ TWILIO_API_KEY_SECRET: TWILIO_API_KEY_SECRET is a placeholder');
    expect(result.stdout).not.toContain(secret);
  });

  it('a real-shaped configuration gets no placeholder warning', () => {
    writeEnvFile('.env', dotenvLines(valid));
    const result = doctor([]);
    expect(result.stdout).toMatch(/^doctor: OK, \.env is valid/);
    expect(result.stdout).not.toMatch(/placeholder/i);
  });
});
