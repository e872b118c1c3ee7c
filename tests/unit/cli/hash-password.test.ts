/** hash-password NAME: reads the password from a pipe and prints an AUTH_BASIC_USERS entry, or refuses with exit code 2. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/lib/config/service-config';
import { parsePasswordHash, verifyPassword } from '../../../src/lib/auth/password-hash';
import { newCredentials } from '../../helpers/fixtures';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli';
import { missingToolsFailTheRun } from '../../helpers/tool-availability';

const ENTRY = /^([^:\n]+):(\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)\n$/;

function hashPasswordCli(name: string, input: string | Buffer) {
  return runCli('hash-password', [name], { input });
}

function entryOf(stdout: string): { name: string; phc: string } {
  const match = ENTRY.exec(stdout);
  if (!match) throw new Error(`unexpected output: ${JSON.stringify(stdout)}`);
  return { name: match[1]!, phc: match[2]! };
}

describe('hash-password', () => {
  it('prints NAME:<scrypt hash> that verifies the piped password and that parseConfig accepts', async () => {
    const password = `pw ${randomBytes(6).toString('base64url')}:with colon and caf\u00e9`;
    const run = hashPasswordCli('alice', `${password}\n`);
    expect(run.status).toBe(0);
    const { name, phc } = entryOf(run.stdout);
    expect(name).toBe('alice');
    expect(run.stdout).not.toContain(password);
    await expect(verifyPassword(password, parsePasswordHash(phc))).resolves.toBe(true);
    await expect(verifyPassword(`${password}\n`, parsePasswordHash(phc))).resolves.toBe(false);

    const credentials = newCredentials([]);
    const result = parseConfig({
      TWILIO_ACCOUNT_SID: credentials.accountSid,
      TWILIO_API_KEY_SID: credentials.apiKeySid,
      TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
      AUTH_BASIC_USERS: run.stdout.trim(),
    });
    expect(result.ok && result.config.basicUsers?.users.map((user) => user.name)).toEqual(['alice']);
  });

  it('strips a Windows line ending from the piped password', async () => {
    const run = hashPasswordCli('bob', 'long-enough-pw\r\n');
    expect(run.status).toBe(0);
    await expect(verifyPassword('long-enough-pw', parsePasswordHash(entryOf(run.stdout).phc))).resolves.toBe(true);
  });

  it('hashes only the first line of a pipe, as documented', async () => {
    const run = hashPasswordCli('bob', 'first-line-pw\nsecond line\n');
    expect(run.status).toBe(0);
    await expect(verifyPassword('first-line-pw', parsePasswordHash(entryOf(run.stdout).phc))).resolves.toBe(true);
  });

  it('prints the user name in NFC form', () => {
    const run = hashPasswordCli('Jose\u0301', 'long-enough-pw');
    expect(run.status).toBe(0);
    expect(entryOf(run.stdout).name).toBe('Jos\u00e9');
  });

  it('refuses a password shorter than 8 characters: exit code 2 and nothing on stdout', () => {
    const run = hashPasswordCli('alice', 'seven77\n');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('hash-password: the password must have at least 8 characters\n');
  });

  it('counts characters, not bytes, toward the minimum length', () => {
    expect(hashPasswordCli('alice', '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9').status).toBe(2);
  });

  it.each([
    ['NUL', 'long-enough-pw\u0000'],
    ['a tab', 'long\tenough-pw'],
    ['an escape sequence (an arrow key)', 'long-enough\u001b[A'],
  ])('refuses a password with %s (the service never matches one): exit 2, nothing on stdout', (_what, password) => {
    const run = hashPasswordCli('alice', `${password}\n`);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('hash-password: the password must not contain control characters (NUL, tab, escape…)\n');
  });

  it('refuses a piped password that is not valid UTF-8', () => {
    const run = hashPasswordCli('alice', Buffer.from([0x6c, 0x6f, 0x6e, 0x67, 0xff, 0x65, 0x6e, 0x6f, 0x75, 0x67, 0x68, 0x0a]));
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('hash-password: the password is not valid UTF-8 text\n');
  });

  it('refuses an empty password', () => {
    const run = hashPasswordCli('alice', '');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
  });

  it('refuses a user name with a colon: exit code 2 and nothing on stdout', () => {
    const run = hashPasswordCli('ali:ce', 'long-enough-pw\n');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('hash-password: the user name must not contain a colon\n');
  });

  it.each([
    ['a space', 'alice smith'],
    ['a zero-width space', 'ali\u200bce'],
    ['more than 128 bytes', 'n'.repeat(129)],
  ])('refuses a user name with %s that cannot be a token identity', (_what, name) => {
    const run = hashPasswordCli(name, 'long-enough-pw\n');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^hash-password: the user name is not usable as a token identity: /);
  });

  it('refuses to run without a name or with extra arguments', () => {
    for (const args of [[], ['alice', 'extra']]) {
      const run = runCli('hash-password', args, { input: 'long-enough-pw\n' });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^hash-password: usage: /);
    }
  });
});

/** hash-password with its standard input on a terminal (a pty): each answer is typed at a prompt. */
function hashPasswordOnTerminal(name: string, answers: string[]): { status: number; stdout: string; stderr: string; timedOut: boolean } {
  const run = spawnSync(
    '/usr/bin/python3',
    [
      join(PROJECT_ROOT, 'tests', 'helpers', 'on-terminal.py'),
      '20',
      process.execPath,
      join(PROJECT_ROOT, 'scripts', 'run-ts.mjs'),
      'src/cli/hash-password.ts',
      name,
    ],
    { input: answers.map((answer) => `${answer}\n`).join(''), encoding: 'utf8', timeout: 30_000 },
  );
  if (run.status !== 0) throw new Error(`on-terminal.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

// The pty comes from Debian's python3 (.ci/run installs it): skipped without it locally, run (and failing) in CI.
const describeWithPython = existsSync('/usr/bin/python3') || missingToolsFailTheRun() ? describe : describe.skip;

describeWithPython('hash-password on a terminal asks twice', () => {
  it('the same password twice: prints the entry, which verifies it', async () => {
    const run = hashPasswordOnTerminal('alice', ['typed-twice-pw', 'typed-twice-pw']);
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toBe('Password for alice: \nThe same password again: \n');
    expect(run.status).toBe(0);
    await expect(verifyPassword('typed-twice-pw', parsePasswordHash(entryOf(run.stdout).phc))).resolves.toBe(true);
  });

  it('a typo in the second: exit 2, nothing on stdout (a user who could never sign in is not made)', () => {
    const run = hashPasswordOnTerminal('alice', ['typed-twice-pw', 'typed-twice-pq']);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/hash-password: the two passwords differ; nothing was printed\n$/);
  });

  it('a password refused by the rules is refused before it is asked again', () => {
    const run = hashPasswordOnTerminal('alice', ['short']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('Password for alice: \nhash-password: the password must have at least 8 characters\n');
  });
});
