// Generates placeholder Twilio credentials for the bench (never real ones) and the .env file
// twilio-run reads them from.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Fresh random credentials in a new private temp dir: `AC…`/`SK…` SIDs (32 hex), a 32-char API key
 * secret, a 64-hex bearer secret, and an `.env` there holding them. Call `remove()` when done.
 * @example const creds = createThrowawayCredentials({ room: 'bench-room' }); … creds.remove();
 */
export function createThrowawayCredentials({ room }) {
  const dir = mkdtempSync(join(tmpdir(), 'token-bench-'));
  const creds = {
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    apiKeySid: `SK${randomBytes(16).toString('hex')}`,
    apiKeySecret: randomBytes(16).toString('hex'),
    sharedSecret: randomBytes(32).toString('hex'),
  };
  // What the Twilio Function is configured with; dotenv 6 takes no inline comments or bare spaces.
  const functionEnv = {
    ACCOUNT_SID: creds.accountSid,
    TWILIO_API_KEY_SID: creds.apiKeySid,
    TWILIO_API_KEY_SECRET: creds.apiKeySecret,
    AUTH_SHARED_SECRETS: creds.sharedSecret,
    TOKEN_GRANTS: 'video',
    VIDEO_ROOM: room,
  };
  const envFile = join(dir, '.env');
  writeFileSync(envFile, Object.entries(functionEnv).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  return { ...creds, functionEnv, envFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
