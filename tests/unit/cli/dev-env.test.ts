/** dev-env: writes a working development .env in its working directory, once, and never overwrites one. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/lib/config';
import { parsePasswordHash, verifyPassword } from '../../../src/lib/password-hash';
import { runCli } from '../../helpers/run-cli';

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
    expect(run.stdout).not.toContain(env['AUTH_SHARED_SECRETS']!);
    expect(run.stdout).not.toContain(env['TWILIO_API_KEY_SECRET']!);
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

  it('leaves an existing .env untouched and says so', () => {
    const existing = 'TWILIO_ACCOUNT_SID=mine\n# keep me\n';
    writeFileSync(join(dir, '.env'), existing);
    const run = runDevEnv();
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(existing);
    expect(run.stdout).toBe('dev-env: using the existing .env (delete it to get a fresh development one)\n');
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
