// Generates placeholder Twilio credentials for the bench (never real ones) and the .env file
// twilio-run reads them from.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A `NAME:<scrypt hash>` entry made by the project's own hash-password tool, as a user would. */
function basicUserEntry(name, password) {
  return execFileSync(process.execPath, [join(projectRoot, 'scripts/run-ts.mjs'), 'src/cli/hash-password.ts', name], {
    cwd: projectRoot,
    input: password,
  })
    .toString()
    .trim();
}

/**
 * Writes `KEY=value` lines for twilio-run to read, readable by this user alone (it holds secrets).
 * @example writeEnvFile(join(dir, '.env'), { TOKEN_GRANTS: 'video' })
 */
export function writeEnvFile(path, variables) {
  writeFileSync(
    path,
    Object.entries(variables)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    { mode: 0o600 },
  );
}

/**
 * Fresh random credentials in a new private temp dir: `AC…`/`SK…` SIDs (32 hex), a 32-char API key
 * secret, a 64-hex bearer secret, and an `.env` there holding them. Call `remove()` when done.
 * `basicUser: false` leaves out the Basic user (its hash costs a scrypt and a tool run; the guard needs none).
 * @example const creds = createThrowawayCredentials({ room: 'bench-room' }); … creds.remove();
 */
export function createThrowawayCredentials({ room, basicUser = true }) {
  const dir = mkdtempSync(join(tmpdir(), 'token-bench-'));
  const creds = {
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    apiKeySid: `SK${randomBytes(16).toString('hex')}`,
    apiKeySecret: randomBytes(16).toString('hex'),
    sharedSecret: randomBytes(32).toString('hex'),
    basicUser: 'bench-user',
    basicPassword: randomBytes(12).toString('base64url'),
  };
  // What the Twilio Function is configured with; dotenv 6 takes no inline comments or bare spaces.
  const functionEnv = {
    ACCOUNT_SID: creds.accountSid,
    TWILIO_API_KEY_SID: creds.apiKeySid,
    TWILIO_API_KEY_SECRET: creds.apiKeySecret,
    AUTH_SHARED_SECRETS: creds.sharedSecret,
    ...(basicUser && { AUTH_BASIC_USERS: basicUserEntry(creds.basicUser, creds.basicPassword) }),
    TOKEN_GRANTS: 'video',
    VIDEO_ROOM: room,
  };
  const envFile = join(dir, '.env');
  writeEnvFile(envFile, functionEnv);
  return { ...creds, functionEnv, envFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
