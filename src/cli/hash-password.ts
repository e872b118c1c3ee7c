/** npm run --silent hash-password -- NAME: prints a `NAME:<scrypt hash>` entry for AUTH_BASIC_USERS (asks twice on a terminal). */
import { normaliseUserName } from '../lib/auth/basic-users';
import { GRANT_NAMES } from '../lib/token/grant-names';
import { validateIdentity } from '../lib/token/identity';
import { hashPassword } from '../lib/auth/password-hash';
import { hasControlCharacter, hasReplacementCharacter } from '../lib/base/text';
import { readPassword } from './read-password';

const MIN_PASSWORD_LENGTH = 8;

function fail(message: string): never {
  process.stderr.write(`hash-password: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const [rawName, ...extra] = process.argv.slice(2);
  if (rawName === undefined || extra.length > 0) {
    fail('usage: npm run --silent hash-password -- NAME   (the password is read from standard input)');
  }
  const name = normaliseUserName(rawName);
  if (name.includes(':')) fail('the user name must not contain a colon');
  try {
    validateIdentity(name, GRANT_NAMES);
  } catch (error) {
    fail(`the user name is not usable as a token identity: ${(error as Error).message}`);
  }
  const password = await readPassword(`Password for ${name}: `);
  if ([...password].length < MIN_PASSWORD_LENGTH) fail(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  // The service never matches such a password (scrypt would treat `pw` and `pw\0` alike): refuse it now.
  if (hasControlCharacter(password)) fail('the password must not contain control characters (NUL, tab, escape…)');
  if (hasReplacementCharacter(password)) fail('the password is not valid UTF-8 text');
  // Typed without echo, a typo would make a user who can never sign in: on a terminal, ask again. A pipe is read once.
  if (process.stdin.isTTY) {
    const again = await readPassword('The same password again: ');
    if (again !== password) fail('the two passwords differ; nothing was printed');
  }
  process.stdout.write(`${name}:${await hashPassword(password)}\n`);
}

main().catch((error: Error) => fail(error.message));
