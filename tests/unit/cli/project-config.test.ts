/**
 * readProjectConfiguration and its two checks: the one way npm start, npm run doctor and npm run deploy read
 * the configuration. What it says twilio-run uploads is compared with twilio-run's own deploy configuration.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkDeployConfiguration,
  checkLocalConfiguration,
  deployTargetFor,
  readProjectConfiguration,
} from '../../../src/cli/project/config';
import { ProjectConfigurationError } from '../../../src/cli/project/env-values';
import { checkDeployment } from '../../../src/cli/project/deploy-checks';
import { twilioRunDeployConfig } from '../../helpers/twilio-run-deploy-config';
import { dotenvLines, environmentFor, newCredentials, newSid, type TestCredentials } from '../../helpers/fixtures';
import { PROJECT_ROOT } from '../../helpers/run-cli';

let credentials: TestCredentials;
let valid: Record<string, string>;
let dir: string;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  valid = await environmentFor(credentials);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'project-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, lines: string[]) => {
  writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return name;
};
const read = (options: Parameters<typeof readProjectConfiguration>[0] = {}) =>
  readProjectConfiguration({ cwd: dir, systemEnv: {}, ...options });
const target = { serviceName: 'tokens', domainSuffix: 'dev' };
const variablesOf = (problems: readonly { variable: string }[]) => problems.map((problem) => problem.variable);

describe('readProjectConfiguration', () => {
  it('reads .env in the project folder, and the private assets there, naming them relative to it', () => {
    write('.env', dotenvLines(valid));
    const project = read();
    expect(project).toMatchObject({ envFile: '.env', envFileExists: true, values: valid, files: ['.env'], sources: {} });
    expect(checkLocalConfiguration(project)).toMatchObject({ problems: [], warnings: [] });
  });

  it('--load-system-env fills only the empty KEY= lines the file lists, from the environment, as twilio-run does', () => {
    write('.env.ci', ['TWILIO_API_KEY_SECRET=', 'TOKEN_TTL=600', 'VIDEO_ROOM=']);
    const systemEnv = { TWILIO_API_KEY_SECRET: 'from-ci', TOKEN_TTL: '900', AUTH_SHARED_SECRETS: 'not-listed' };
    expect(read({ envFile: '.env.ci', loadSystemEnv: true, systemEnv }).values).toEqual({
      TWILIO_API_KEY_SECRET: 'from-ci',
      TOKEN_TTL: '600',
      VIDEO_ROOM: '',
    });
    const without = read({ envFile: '.env.ci', systemEnv });
    expect(without.values).toEqual({ TWILIO_API_KEY_SECRET: '', TOKEN_TTL: '600', VIDEO_ROOM: '' });
    expect(without.fillableFromEnvironment).toEqual(['TWILIO_API_KEY_SECRET']);
  });

  it('refuses --load-system-env without a named file, as twilio-run does', () => {
    expect(() => read({ loadSystemEnv: true })).toThrow(ProjectConfigurationError);
    expect(() => read({ loadSystemEnv: true })).toThrow(/--load-system-env needs the env file named/);
  });

  it('uploads what twilio-run deploy uploads: no empty values, no ACCOUNT_SID or AUTH_TOKEN', () => {
    write('.env', [...dotenvLines(valid), 'VIDEO_ROOM=', `ACCOUNT_SID=${credentials.accountSid}`, `AUTH_TOKEN=${'a'.repeat(32)}`]);
    expect(read().deployVariables).toEqual(valid);
  });

  it('agrees with twilio-run’s own deploy configuration on a CI template with --load-system-env', async () => {
    const file = join(dir, '.env.ci');
    writeFileSync(
      file,
      [
        '# CI',
        'TWILIO_ACCOUNT_SID=',
        'TWILIO_API_KEY_SID=',
        'TWILIO_API_KEY_SECRET=',
        `AUTH_SHARED_SECRETS=${credentials.sharedSecret}`,
        'VIDEO_ROOM=',
        'TOKEN_TTL=600 # note',
        'export X=1',
        'AUTH_TOKEN=',
      ].join('\n'),
    );
    const fromCi = {
      TWILIO_ACCOUNT_SID: credentials.accountSid,
      TWILIO_API_KEY_SID: credentials.apiKeySid,
      TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
      AUTH_TOKEN: 'ci-token',
    };
    const saved = { ...process.env };
    Object.assign(process.env, fromCi);
    try {
      const twilioRun = await twilioRunDeployConfig(['--env', file, '--load-system-env'], PROJECT_ROOT);
      const ours = readProjectConfiguration({ cwd: PROJECT_ROOT, envFile: file, loadSystemEnv: true });
      expect(ours.deployVariables).toEqual(twilioRun['env']);
      expect(ours.deployVariables['TWILIO_API_KEY_SECRET']).toBe(credentials.apiKeySecret);
    } finally {
      for (const key of Object.keys(fromCi)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('checkLocalConfiguration and checkDeployConfiguration', () => {
  it('a missing .env is one problem saying so and how to make one, not a list of unset variables', () => {
    for (const report of [checkLocalConfiguration(read()), checkDeployConfiguration(read(), target)]) {
      expect(report.problems).toEqual([
        {
          variable: '.env',
          message: expect.stringMatching(/^there is no \.env/),
          fix: 'cp .env.example .env and fill it in, or run npm start once: its prestart writes a development .env',
        },
      ]);
    }
    expect(checkDeployConfiguration(read({ envFile: '.env.ci' }), target).problems).toEqual([
      { variable: '.env.ci', message: 'there is no .env.ci', fix: 'check the name, or make it from the template: cp .env.example .env.ci' },
    ]);
  });

  it('an env file that exists but cannot be read is one problem saying so', () => {
    mkdirSync(join(dir, '.env'));
    const project = read();
    for (const report of [checkLocalConfiguration(project), checkDeployConfiguration(project, target)]) {
      expect(report.problems).toEqual([
        { variable: '.env', message: '.env exists but cannot be read', fix: 'make it a file readable by this user (chmod 600 .env)' },
      ]);
    }
  });

  it('both report unreadable lines first, then near misses, then the service’s own problems', () => {
    write('.env', [...dotenvLines(valid), 'export TOKEN_POLICY={"rules":[],"default":"deny"}', 'TOKEN_GRANT=video', 'TOKEN_TTL=5']);
    const local = checkLocalConfiguration(read());
    expect(variablesOf(local.problems)).toEqual([`.env line ${Object.keys(valid).length + 1}`, 'TOKEN_GRANT', 'TOKEN_TTL']);
    expect(local.config).toBeUndefined();
    expect(variablesOf(checkDeployConfiguration(read(), target).problems)).toEqual(variablesOf(local.problems));
  });

  it('sets config when the service would answer, even with file problems (npm start then starts and prints them)', () => {
    write('.env', [...dotenvLines(valid), 'ALLOWED_ORIGIN=https://app.example.com']);
    const local = checkLocalConfiguration(read());
    expect(variablesOf(local.problems)).toEqual(['ALLOWED_ORIGIN']);
    expect(local.config?.authSchemes).toEqual(['basic', 'bearer']);
  });

  it('the deploy check also refuses a near miss left empty (not uploaded), which leaves the setting meant unset', () => {
    write('.env', [...dotenvLines(valid), 'ALLOWED_ORIGIN=']);
    expect(checkDeployConfiguration(read(), target).problems).toEqual([
      expect.objectContaining({ variable: 'ALLOWED_ORIGIN', message: 'ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS?' }),
    ]);
  });

  it('the deploy check is checkDeployment on what twilio-run uploads, plus the file: nothing more', () => {
    write('.env', [...dotenvLines(valid), `TWILIO_REGION=${'x'.repeat(500)}`, 'NOTE=far from any setting']);
    const project = read();
    const problems = checkDeployConfiguration(project, target).problems;
    expect(problems).toEqual(checkDeployment(project.deployVariables, project.sources, target));
    // Not an empty list on both sides: the 500-byte region is refused by Twilio's limit and by the service's check, and
    // NOTE because it is neither a setting nor listed in DEPLOY_OWN_VARIABLES.
    expect(problems.map((problem) => problem.variable)).toEqual(['TWILIO_REGION', 'NOTE', 'TWILIO_REGION']);
    expect(checkDeployConfiguration(project, target).warnings).toEqual([]);
    // Locally, the same name is only a warning: npm start serves with it.
    expect(checkLocalConfiguration(project).warnings).toEqual([
      {
        variable: 'NOTE',
        message: expect.stringMatching(/^NOTE is not a setting this service reads; npm run deploy refuses it/),
        fix: expect.any(String),
      },
    ]);
  });

  it('warns about a key set twice and about empty values the environment would fill', () => {
    write('.env', [...dotenvLines(valid), 'TOKEN_TTL=600', 'VIDEO_ROOM=', 'TOKEN_TTL=900']);
    const warnings = checkLocalConfiguration(read({ envFile: '.env', systemEnv: { VIDEO_ROOM: 'lobby' } })).warnings;
    expect(warnings.map((warning) => warning.message)).toEqual([
      `TOKEN_TTL is set on lines ${Object.keys(valid).length + 1} and ${Object.keys(valid).length + 3} of .env; twilio-run uses the last one`,
      'VIDEO_ROOM is empty in .env but set in the environment: add --load-system-env to read it from there, as npm run deploy -- --env .env --load-system-env does',
    ]);
    expect(JSON.stringify(warnings)).not.toContain('lobby');
  });
});

describe('deployTargetFor', () => {
  it('takes the account from .env’s ACCOUNT_SID/AUTH_TOKEN (twilio-run’s credentials), else TWILIO_ACCOUNT_SID in the environment', () => {
    const other = newSid('AC');
    write('.env', [...dotenvLines(valid), `ACCOUNT_SID=${other}`, `AUTH_TOKEN=${'a'.repeat(32)}`]);
    writeFileSync(join(dir, 'package.json'), '{"name":"my-tokens"}');
    expect(deployTargetFor(read(), { systemEnv: {}, cwd: dir })).toEqual({
      accountSid: other,
      accountSource: "ACCOUNT_SID in .env, twilio-run's deploy credentials",
      serviceName: 'my-tokens',
      domainSuffix: 'dev',
    });
    write('.env', dotenvLines(valid));
    expect(deployTargetFor(read(), { systemEnv: { TWILIO_ACCOUNT_SID: other }, cwd: dir })).toMatchObject({
      accountSid: other,
      accountSource: 'TWILIO_ACCOUNT_SID in the environment',
    });
    expect(deployTargetFor(read(), { systemEnv: {}, cwd: dir })).toEqual({ serviceName: 'my-tokens', domainSuffix: 'dev' });
  });

  it('with .env’s ACCOUNT_SID of another account, the problem names it as the deploy credentials', () => {
    write('.env', [...dotenvLines(valid), `ACCOUNT_SID=${newSid('AC')}`, `AUTH_TOKEN=${'a'.repeat(32)}`]);
    const project = read();
    expect(checkDeployConfiguration(project, deployTargetFor(project, { systemEnv: {}, cwd: dir })).problems).toEqual([
      expect.objectContaining({
        variable: 'TWILIO_ACCOUNT_SID',
        message:
          "TWILIO_ACCOUNT_SID names another account than the one npm run deploy deploys to (ACCOUNT_SID in .env, twilio-run's deploy credentials)",
      }),
    ]);
  });
});
