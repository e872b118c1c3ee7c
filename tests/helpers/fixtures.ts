/** Test configuration generated per run: random SIDs, secrets and users; never real credentials. */
import { randomBytes, scryptSync } from 'node:crypto';
import { secretDigest } from '../../src/lib/base/constant-time';
import { normaliseUserName, parseBasicUsers, type BasicUser, type BasicUserTable } from '../../src/lib/auth/basic-users';
import { hashPassword, unmatchableHash, type PasswordHash } from '../../src/lib/auth/password-hash';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export interface TestCredentials {
  accountSid: string;
  apiKeySid: string;
  apiKeySecret: string;
  sharedSecret: string;
  /** Plain passwords by user name, for the test to present. */
  passwords: Record<string, string>;
}

export function newSid(prefix: string): string {
  return `${prefix}${hex(16)}`;
}

export function newCredentials(userNames: string[] = ['alice', 'bob']): TestCredentials {
  const passwords: Record<string, string> = {};
  for (const name of userNames) passwords[name] = `pw-${randomBytes(9).toString('base64url')}:with colon`;
  return {
    accountSid: newSid('AC'),
    apiKeySid: newSid('SK'),
    apiKeySecret: randomBytes(24).toString('base64url'),
    sharedSecret: randomBytes(32).toString('base64url'),
    passwords,
  };
}

/** The environment (as .env keys) for these credentials, plus any overrides. */
export async function environmentFor(
  credentials: TestCredentials,
  overrides: Record<string, string | undefined> = {},
): Promise<Record<string, string>> {
  const users = await Promise.all(
    Object.entries(credentials.passwords).map(async ([name, password]) => `${name}:${await hashPassword(password)}`),
  );
  const env: Record<string, string | undefined> = {
    TWILIO_ACCOUNT_SID: credentials.accountSid,
    TWILIO_API_KEY_SID: credentials.apiKeySid,
    TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
    AUTH_SHARED_SECRETS: credentials.sharedSecret,
    AUTH_BASIC_USERS: users.join(' '),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** A Basic user table from name → PHC string, as AUTH_BASIC_USERS would give it; throws on a bad entry. */
export function basicUserTable(entries: Record<string, string>): BasicUserTable {
  const raw = Object.entries(entries)
    .map(([name, phc]) => `${name}:${phc}`)
    .join(' ');
  const parsed = parseBasicUsers(raw, () => undefined);
  if (!parsed.ok) throw new Error(parsed.problems[0]!.message);
  return parsed.table;
}

/** ln=10,r=8,p=1: about a millisecond a check, far below what parseBasicUsers accepts (ln=15,r=8,p=3 at least). */
const CHEAP_SCRYPT = { ln: 10, r: 8, p: 1 } as const;

/**
 * The table parseBasicUsers makes of these users (names in NFC, digests, the unmatchable hash of the costliest),
 * hashed with cheap scrypt parameters it would refuse: for suites about what the authenticator does with its checks,
 * not about what a check costs (password-hash.test.ts and every suite configured through AUTH_BASIC_USERS keep the
 * production cost). verifyPassword runs the real scrypt on them.
 */
export function cheapBasicUserTable(passwords: Record<string, string>): BasicUserTable {
  const users: BasicUser[] = Object.entries(passwords).map(([name, password]) => {
    const salt = randomBytes(16);
    const derived = scryptSync(Buffer.from(password.normalize('NFC'), 'utf8'), salt, 32, {
      N: 2 ** CHEAP_SCRYPT.ln,
      r: CHEAP_SCRYPT.r,
      p: CHEAP_SCRYPT.p,
    });
    const hash: PasswordHash = { ...CHEAP_SCRYPT, salt, hash: derived };
    const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
    const phc = `$scrypt$ln=${CHEAP_SCRYPT.ln},r=${CHEAP_SCRYPT.r},p=${CHEAP_SCRYPT.p}$${b64(salt)}$${b64(derived)}`;
    return { name: normaliseUserName(name), phc, hash };
  });
  return { users, nameDigests: users.map((user) => secretDigest(user.name)), unknownUserHash: unmatchableHash(CHEAP_SCRYPT) };
}

/**
 * A .env's lines for these variables, one `KEY=value` each. twilio-run reads .env with dotenv 6, one line per
 * entry, so a value holding a line break cannot be written: that throws rather than writing another setting.
 */
export function dotenvLines(variables: Record<string, string>): string[] {
  return Object.entries(variables).map(([key, value]) => {
    if (/[\r\n]/.test(value)) throw new Error(`${key} holds a line break, which a .env line cannot carry`);
    return `${key}=${value}`;
  });
}

/** The text of a .env file holding these variables (see dotenvLines). */
export function dotenvText(variables: Record<string, string>): string {
  return `${dotenvLines(variables).join('\n')}\n`;
}
