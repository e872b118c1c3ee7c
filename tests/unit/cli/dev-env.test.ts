/** dev-env: writes a working development .env in its working directory, once, and never overwrites one. */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VARIABLES, parseConfig } from '../../../src/lib/config/service-config';
import { parsePasswordHash, verifyPassword } from '../../../src/lib/auth/password-hash';
import { environmentFor, newCredentials, dotenvText } from '../../helpers/fixtures';
import { copyProject } from '../../helpers/project-copy';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli';

const validEnvironment = () => environmentFor(newCredentials(['alice']));

/** KEY=value lines as dotenv 6 reads them here: no quotes, no inline comments. */
function parseDotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`not a KEY=value line: ${line}`);
    env[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return env;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-env-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const runDevEnv = () => runCli('dev-env', [], { cwd: dir, env: { ...process.env, PORT: '4567' } });

describe('dev-env', () => {
  it('writes a .env that parseConfig accepts, with placeholder SIDs and a demo user whose printed password verifies', async () => {
    const run = runDevEnv();
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const text = readFileSync(join(dir, '.env'), 'utf8');
    const env = parseDotEnv(text);

    const result = parseConfig(env);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.authSchemes).toEqual(['basic', 'bearer']);
    expect(result.config.grants.enabled).toEqual(['video']);

    expect(env['TWILIO_ACCOUNT_SID']).toBe(`AC${'0'.repeat(32)}`);
    expect(env['TWILIO_API_KEY_SID']).toBe(`SK${'0'.repeat(32)}`);
    expect(text).toMatch(/^# PLACEHOLDER credentials/m);
    expect(run.stdout).toContain('PLACEHOLDER Twilio credentials');

    const password = /Its password:\s+(\S+)/.exec(run.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(text).not.toContain(password!);
    const [name, phc] = [env['AUTH_BASIC_USERS']!.slice(0, 5), env['AUTH_BASIC_USERS']!.slice(5)];
    expect(name).toBe('demo:');
    await expect(verifyPassword(password!, parsePasswordHash(phc))).resolves.toBe(true);

    expect(run.stdout).toContain('http://localhost:4567/token');
    expect(run.stdout).not.toMatch(/problem/);
    // Valid, and said to be placeholders: the secret too, so no check takes it for a real one.
    expect(env['TWILIO_API_KEY_SECRET']).toMatch(/^placeholder-[A-Za-z0-9_-]{32}$/);
    expect(run.stdout).toContain(
      'warning: tokens are signed with placeholder credentials (TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET)',
    );
    expect(run.stdout).not.toContain(env['AUTH_SHARED_SECRETS']!);
    expect(run.stdout).not.toContain(env['TWILIO_API_KEY_SECRET']!);
  });

  it('lists every other setting of the service commented out, with its description from .env.example, ALLOWED_ORIGINS among them', () => {
    copyFileSync(join(PROJECT_ROOT, '.env.example'), join(dir, '.env.example'));
    expect(runDevEnv().status).toBe(0);
    const text = readFileSync(join(dir, '.env'), 'utf8');
    const set = Object.keys(parseDotEnv(text));
    const unset = CONFIG_VARIABLES.filter((name) => name !== 'ACCOUNT_SID' && !set.includes(name));
    expect(unset.length).toBeGreaterThan(10);
    for (const name of unset) expect(text).toMatch(new RegExp(`^# ${name}=`, 'm'));
    expect(text).toMatch(
      /^# Browser origins, other than the service's own, that may call \/token\. Others get 403\.\n(#.*\n)*# ALLOWED_ORIGINS=/m,
    );
    expect(text).toMatch(/localhost and 127\.0\.0\.1 are different origins/);
    // Commented out: twilio-run (and so the service) reads none of them.
    expect(set.filter((name) => unset.includes(name as (typeof unset)[number]))).toEqual([]);
  });

  it('makes the .env readable by its owner only', () => {
    expect(runDevEnv().status).toBe(0);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
  });

  it('writes different secrets and passwords on each fresh run', () => {
    runDevEnv();
    const first = parseDotEnv(readFileSync(join(dir, '.env'), 'utf8'));
    rmSync(join(dir, '.env'));
    runDevEnv();
    const second = parseDotEnv(readFileSync(join(dir, '.env'), 'utf8'));
    expect(second['AUTH_SHARED_SECRETS']).not.toBe(first['AUTH_SHARED_SECRETS']);
    expect(second['TWILIO_API_KEY_SECRET']).not.toBe(first['TWILIO_API_KEY_SECRET']);
    expect(second['AUTH_BASIC_USERS']).not.toBe(first['AUTH_BASIC_USERS']);
  });

  it('leaves an existing valid .env untouched and says so, and nothing else', async () => {
    const existing = `${dotenvText(await validEnvironment())}# keep me\n`;
    writeFileSync(join(dir, '.env'), existing);
    const run = runDevEnv();
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(existing);
    expect(run.stdout).toBe('dev-env: using the existing .env (delete it to get a fresh development one)\n');
  });

  it('stops npm start (exit 1) when the configuration makes every request fail, naming the problems, and leaves the file alone', async () => {
    const { TWILIO_API_KEY_SECRET: _missing, ...withoutSecret } = await validEnvironment();
    const existing = dotenvText(withoutSecret);
    writeFileSync(join(dir, '.env'), existing);
    const run = runDevEnv();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('dev-env: 1 problem(s) in the configuration; npm start stops here');
    expect(run.stdout).toContain('✗ TWILIO_API_KEY_SECRET: TWILIO_API_KEY_SECRET is not set\n  fix: ');
    expect(run.stdout).toMatch(/\/token would answer 500 server_misconfigured to every request/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(existing);
  });

  it('prints the problems that leave the service answering (an unreadable line, a misspelled setting) and starts', async () => {
    const env = await validEnvironment();
    writeFileSync(join(dir, '.env'), `${dotenvText(env)}export VIDEO_ROOM=lobby\nALLOWED_ORIGIN=https://app.example.com\nMY_NOTE=x\n`);
    const run = runDevEnv();
    expect(run.status).toBe(0);
    const line = Object.keys(env).length + 1;
    expect(run.stdout).toContain('dev-env: 2 problem(s) in the configuration\n');
    expect(run.stdout).toContain(`✗ .env line ${line}: VIDEO_ROOM starts with "export "`);
    expect(run.stdout).toContain('✗ ALLOWED_ORIGIN: ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS?');
    expect(run.stdout).toContain('warning: MY_NOTE is not a setting this service reads');
    expect(run.stdout).toContain('dev-env: starting anyway with what twilio-run reads; npm run deploy refuses these problems.');
    for (const value of ['lobby', 'app.example.com', env.TWILIO_API_KEY_SECRET!]) expect(run.stdout).not.toContain(value);
  });

  it("reads .env alone, as npm start's twilio-run does: the environment does not fill an empty value", async () => {
    const env = await validEnvironment();
    writeFileSync(join(dir, '.env'), dotenvText({ ...env, TWILIO_API_KEY_SECRET: '' }));
    const run = runCli('dev-env', [], { cwd: dir, env: { ...process.env, TWILIO_API_KEY_SECRET: env.TWILIO_API_KEY_SECRET! } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('✗ TWILIO_API_KEY_SECRET: TWILIO_API_KEY_SECRET is not set');
  });

  it('leaves its own earlier .env untouched on a second run', () => {
    runDevEnv();
    const written = readFileSync(join(dir, '.env'), 'utf8');
    const again = runDevEnv();
    expect(again.status).toBe(0);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(written);
    expect(again.stdout).not.toMatch(/password/i);
  });
});

describe('npm start in a clone of this project', () => {
  it('does not build or start the server when the configuration makes every request fail', async () => {
    const copy = copyProject();
    try {
      const { AUTH_SHARED_SECRETS: _a, AUTH_BASIC_USERS: _b, ...noAuthentication } = await validEnvironment();
      copy.writeFile('.env', dotenvText(noAuthentication));
      const run = await copy.npmRun('start', [], { PORT: '1' }, 60_000);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('✗ AUTH_SHARED_SECRETS: no authentication is configured');
      expect(run.stdout).toContain('npm start stops here');
      expect(copy.exists('dist')).toBe(false);
    } finally {
      copy.remove();
    }
  }, 90_000);
});
