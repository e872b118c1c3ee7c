/** AUTH_BASIC_USERS or the users file: the user table, and constant-time lookup of a user by name. */
import { indexOfDigest, secretDigest } from '../base/constant-time';
import { failed, type Checked } from '../base/problems';
import { PasswordHashFormatError, parsePasswordHash, scryptWork, unmatchableHash, type PasswordHash } from './password-hash';

export interface BasicUser {
  /** The user name, which is also the token identity. */
  readonly name: string;
  /** The PHC string as configured: part of the verified-credentials cache key, so a change invalidates it. */
  readonly phc: string;
  readonly hash: PasswordHash;
}

export interface BasicUserTable {
  readonly users: readonly BasicUser[];
  readonly nameDigests: readonly Buffer[];
  /** Verified against when the name is unknown, so unknown and known users cost the same work. */
  readonly unknownUserHash: PasswordHash;
}

/** User names are compared in NFC form, so composed and decomposed accents name the same user. */
export function normaliseUserName(name: string): string {
  return name.normalize('NFC');
}

/** The users file in src/assets: for more users than fit in a variable (Twilio allows 450 bytes a value). */
export const BASIC_USERS_ASSET_NAME = 'basic-users.private.txt';
const USERS_FILE = `assets/${BASIC_USERS_ASSET_NAME}`;
const USERS_FIX = 'make each entry with: npm run --silent hash-password -- NAME';

/** Why a user name cannot be used, or undefined when it can. */
export type NameCheck = (name: string) => string | undefined;

export type ParsedUsers = Checked<{ table: BasicUserTable }>;

interface LabelledEntry {
  /** How a problem names the entry: by position only ("entry 3", "line 12"), never by its text. */
  readonly where: string;
  readonly text: string;
}

/**
 * Parses whitespace-separated `name:<scrypt PHC>` entries (AUTH_BASIC_USERS). Returns the reason a list was
 * refused, naming the entry by position only: /health shows problems without authentication, so neither
 * user names nor hashes appear.
 * @example parseBasicUsers('alice:$scrypt$ln=15,r=8,p=3$…$…')
 */
export function parseBasicUsers(raw: string, checkName: NameCheck): ParsedUsers {
  const entries = raw.split(/\s+/).filter((entry) => entry.length > 0);
  return parseEntries(
    'AUTH_BASIC_USERS',
    entries.map((text, index) => ({ where: `entry ${index + 1}`, text })),
    checkName,
  );
}

/**
 * Parses the users file (`assets/basic-users.private.txt`): one `name:<scrypt PHC>` entry a line; blank
 * lines and lines starting with `#` are ignored. Problems name the line number.
 * @example parseBasicUsersFile('# staff\nalice:$scrypt$ln=15,r=8,p=3$…$…\n')
 */
export function parseBasicUsersFile(text: string, checkName: NameCheck): ParsedUsers {
  const entries: LabelledEntry[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (/\s/.test(trimmed)) return refused(USERS_FILE, `line ${index + 1} must hold one name:<hash> entry (made by npm run hash-password)`);
    entries.push({ where: `line ${index + 1}`, text: trimmed });
  }
  return parseEntries(USERS_FILE, entries, checkName);
}

/** A refused list, named by where it came from and never by its text. */
const refused = (source: string, what: string) => failed({ variable: source, message: `${source} ${what}`, fix: USERS_FIX });

function parseEntries(source: string, entries: readonly LabelledEntry[], checkName: NameCheck): ParsedUsers {
  const problem = (what: string) => refused(source, what);
  if (entries.length === 0) return problem('is set but holds no user');
  const users: BasicUser[] = [];
  const seen = new Set<string>();
  for (const { where, text: entry } of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) return problem(`${where} must look like name:<hash> (made by npm run hash-password)`);
    const name = normaliseUserName(entry.slice(0, colon));
    const phc = entry.slice(colon + 1);
    const nameProblem = checkName(name);
    if (nameProblem !== undefined) return problem(`${where} has an unusable user name: ${nameProblem}`);
    if (seen.has(name)) return problem(`${where} repeats the user name of an earlier entry`);
    seen.add(name);
    if (!phc.startsWith('$')) {
      return problem(`${where} is not a password hash; plaintext passwords are refused`);
    }
    try {
      users.push({ name, phc, hash: parsePasswordHash(phc) });
    } catch (error) {
      if (error instanceof PasswordHashFormatError) return problem(`${where}: ${error.message}`);
      throw error;
    }
  }
  const strongest = users.reduce((a, b) => (scryptWork(b.hash) > scryptWork(a.hash) ? b : a));
  return {
    ok: true,
    table: { users, nameDigests: users.map((user) => secretDigest(user.name)), unknownUserHash: unmatchableHash(strongest.hash) },
  };
}

/**
 * The configured user with this name, or undefined; compares against every entry in constant time.
 * @example findBasicUser(table, 'alice')?.name // 'alice'
 */
export function findBasicUser(table: BasicUserTable, name: string): BasicUser | undefined {
  const index = indexOfDigest(normaliseUserName(name), table.nameDigests);
  return index === -1 ? undefined : table.users[index];
}
