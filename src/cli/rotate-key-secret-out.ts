/**
 * Where npm run rotate-key hands over the new key, so that the next deploy does not roll it back: the env file the key
 * came from, rewritten in place (atomic rename, owner-only mode), or, when the key came from the environment (CI), a
 * file the operator names or a file descriptor they opened, receiving the secret once. Checked before anything changes:
 * a destination that others could read is refused.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { DeployStop } from './deploy/output';

const KEY_SID = 'TWILIO_API_KEY_SID';
const KEY_SECRET = 'TWILIO_API_KEY_SECRET';
/** Group and other permission bits: any of them set lets someone else read or change the file. */
const NOT_OWNER_ONLY = 0o077;

export interface NewKey {
  readonly sid: string;
  readonly secret: string;
}

export interface SecretDestination {
  /** For the plan and the journal, e.g. "rewrite .env (TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET)". */
  readonly label: string;
  write(key: NewKey): void;
  /** What to tell the operator afterwards (never the secret). */
  readonly afterwards: readonly string[];
}

/** The env file rewritten: both lines replaced (or added), every other line kept byte for byte. */
export function envFileDestination(envPath: string, envName: string): SecretDestination {
  return {
    label: `rewrite ${envName} (${KEY_SID}, ${KEY_SECRET}; mode 0600)`,
    afterwards: [`rotate-key: ${envName} names the new key now; the next npm run deploy keeps it`],
    write(key) {
      const lines = readFileSync(envPath, 'utf8').split('\n');
      const set = new Set<string>();
      const next = lines.map((line) => {
        const name = /^\s*(TWILIO_API_KEY_SID|TWILIO_API_KEY_SECRET)\s*=/.exec(line)?.[1];
        if (!name) return line;
        set.add(name);
        return `${name}=${name === KEY_SID ? key.sid : key.secret}`;
      });
      const missing = [KEY_SID, KEY_SECRET]
        .filter((name) => !set.has(name))
        .map((name) => `${name}=${name === KEY_SID ? key.sid : key.secret}`);
      if (missing.length > 0 && next.at(-1) === '') next.splice(-1, 0, ...missing);
      else next.push(...missing);
      writeAtomically(envPath, next.join('\n'));
    },
  };
}

/**
 * Writes through a new file in the same folder (0600, created exclusively) and renames it over the target, so the file
 * is at every moment either wholly old or wholly new. Synchronous: a SIGINT or SIGTERM is handled only after it, so
 * only a SIGKILL or a crash can leave the temporary file (beside the .env, with the same owner-only mode) behind.
 */
function writeAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.rotate-key-${randomBytes(6).toString('hex')}`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * --secret-out FILE: a new file, created owner-only, or an existing empty regular file that only its owner may read
 * (e.g. made with `install -m 600 /dev/null FILE`); a symlink, a group- or world-readable file or one with content is
 * refused. The secret is written alone on one line.
 */
export function secretFileDestination(path: string): SecretDestination {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    stats = undefined;
  }
  if (!stats && !isFolder(dirname(path))) {
    throw new DeployStop(`--secret-out ${path}: its folder ${dirname(path)} does not exist: name a file in an existing folder`);
  }
  if (stats) {
    if (!stats.isFile()) throw new DeployStop(`--secret-out ${path} is not a regular file (a symlink or a folder): name a new file`);
    refuseIfOthersMayRead(
      stats,
      `--secret-out ${path} may be read by others`,
      `chmod 600 ${path}, or name a file that does not exist yet (it is created with mode 600)`,
    );
    if (stats.size > 0) throw new DeployStop(`--secret-out ${path} is not empty: name a new or empty file, so nothing is overwritten`);
  }
  return {
    label: `write the new secret to ${path} (mode 0600)`,
    afterwards: secretStoreLines(`the secret written to ${path}`),
    write(key) {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (stats ? 0 : constants.O_EXCL), 0o600);
      try {
        writeSync(fd, `${key.secret}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** A file whose mode lets its group or others read it would leak the new secret: refused, naming the mode and the fix. */
function refuseIfOthersMayRead(stats: Stats, what: string, fix: string): void {
  if ((stats.mode & NOT_OWNER_ONLY) !== 0) {
    throw new DeployStop(`${what} (mode ${(stats.mode & 0o777).toString(8)}): the new secret would leak\n  fix: ${fix}`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * --secret-fd N: an open file descriptor (a pipe into the secret store's own CLI, or a file the shell opened); a
 * regular file behind it that others may read is refused. The secret is written alone on one line.
 */
export function secretFdDestination(fd: number): SecretDestination {
  let stats;
  try {
    stats = fstatSync(fd);
  } catch {
    throw new DeployStop(
      `--secret-fd ${fd} is not an open file descriptor\n  fix: open it in the shell, e.g. npm run rotate-key -- --secret-fd 3 3>new-secret.txt`,
    );
  }
  if (stats.isFile()) {
    refuseIfOthersMayRead(
      stats,
      `--secret-fd ${fd} is a file others may read`,
      'chmod 600 it first, or pipe the descriptor into your secret store',
    );
  }
  return {
    label: `write the new secret to file descriptor ${fd}`,
    afterwards: secretStoreLines(`the secret written to file descriptor ${fd}`),
    write(key) {
      writeSync(fd, `${key.secret}\n`);
    },
  };
}

function secretStoreLines(where: string): string[] {
  return [
    'rotate-key: the key came from the environment: change these entries of your secret store (CI variables) before the next deploy, or it deploys the deleted key and is refused:',
    `    ${KEY_SID}     = the SID above (not a secret)`,
    `    ${KEY_SECRET}  = ${where} (shown nowhere else; delete that copy once stored)`,
  ];
}
