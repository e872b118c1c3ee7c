/** Runs before npm start: writes a development .env on a fresh clone (never overwriting one) and says how to call the service. */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { hashPassword } from '../lib/password-hash';
import { generateSharedSecret } from '../lib/shared-secrets';

const ENV_FILE = '.env';
/** Valid in form, obviously fake: tokens signed with them decode, but Twilio refuses them. */
export const PLACEHOLDER_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const PLACEHOLDER_API_KEY_SID = `SK${'0'.repeat(32)}`;
const DEMO_USER = 'demo';

function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}

async function main(): Promise<void> {
  const port = process.env.PORT ?? '3000';
  if (existsSync(ENV_FILE)) {
    process.stdout.write(`dev-env: using the existing ${ENV_FILE} (delete it to get a fresh development one)\n`);
    return;
  }
  const sharedSecret = generateSharedSecret();
  const password = randomPassword();
  const userEntry = `${DEMO_USER}:${await hashPassword(password)}`;
  const lines = [
    '# Development configuration written by npm start. It is not committed (.gitignore).',
    '# PLACEHOLDER credentials: tokens decode but Twilio refuses them until you paste real values',
    '# from the Twilio Console (Account SID; API key SID and secret). See .env.example for every variable.',
    `TWILIO_ACCOUNT_SID=${PLACEHOLDER_ACCOUNT_SID}`,
    `TWILIO_API_KEY_SID=${PLACEHOLDER_API_KEY_SID}`,
    `TWILIO_API_KEY_SECRET=${randomBytes(24).toString('base64url')}`,
    '# A random shared secret for Authorization: Bearer',
    `AUTH_SHARED_SECRETS=${sharedSecret}`,
    `# The demo user "${DEMO_USER}"; its password was printed once when this file was written.`,
    '# Replace it with: npm run --silent hash-password -- NAME',
    `AUTH_BASIC_USERS=${userEntry}`,
    'TOKEN_GRANTS=video',
    'TOKEN_TTL=3600',
    'TOKEN_MAX_TTL=3600',
    '',
  ];
  writeFileSync(ENV_FILE, lines.join('\n'), { mode: 0o600, flag: 'wx' });
  process.stdout.write(
    [
      `dev-env: wrote ${ENV_FILE} for local development.`,
      '',
      '  PLACEHOLDER Twilio credentials: tokens will decode, but Twilio refuses them until you set',
      '  TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to real values in .env.',
      '',
      `  Demo user:     ${DEMO_USER}`,
      `  Its password:  ${password}      (shown only now; it is stored only as a scrypt hash)`,
      '  Shared secret: in .env as AUTH_SHARED_SECRETS',
      '',
      '  Try it once the server is up:',
      `    curl -u ${DEMO_USER} -X POST http://localhost:${port}/token`,
      `    curl -X POST -H "Authorization: Bearer $(grep ^AUTH_SHARED_SECRETS= .env | cut -d= -f2)" \\`,
      `         -H 'Content-Type: application/json' -d '{"identity":"alice"}' http://localhost:${port}/token`,
      `  Demo page: http://localhost:${port}/`,
      '',
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`dev-env: ${error.message}\n`);
  process.exit(1);
});
