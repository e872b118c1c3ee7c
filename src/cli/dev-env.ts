/**
 * Runs before npm start: writes a development .env on a fresh clone (never overwriting one), says how to call
 * the service, then checks the configuration as npm run doctor does. It stops npm start (exit 1) when the
 * configuration would make /token answer 500 to every request; other problems (unreadable lines, a misspelled
 * setting) are printed and the server starts, since it still answers with what twilio-run read.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hashPassword } from '../lib/auth/password-hash';
import { generateSharedSecret } from '../lib/auth/shared-secrets';
import { CONFIG_VARIABLES } from '../lib/config/service-config';
import { checkLocalConfiguration, formatReport, readProjectConfiguration } from './project/config';

const ENV_FILE = '.env';
/** Valid in form, obviously fake: tokens signed with them decode, but Twilio refuses them. */
export const PLACEHOLDER_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const PLACEHOLDER_API_KEY_SID = `SK${'0'.repeat(32)}`;
const DEMO_USER = 'demo';
/** Says what it is, so every check (doctor, deploy, /health, the demo page) calls it a placeholder. */
const PLACEHOLDER_SECRET_PREFIX = 'placeholder-';

/**
 * The settings the development .env leaves unset, in the service's own order: the one list to repoint when the
 * settings move (ACCOUNT_SID is the platform's own on Twilio, and TWILIO_ACCOUNT_SID is written above).
 */
function optionalSettingNames(written: readonly string[]): string[] {
  return CONFIG_VARIABLES.filter((name) => name !== 'ACCOUNT_SID' && !written.includes(name));
}

/** `# description:` of each setting in .env.example (Twilio's function-templates convention), when the file is there. */
function descriptionsFromExample(): Map<string, string> {
  const descriptions = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync('.env.example', 'utf8');
  } catch {
    return descriptions;
  }
  let description: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const said = /^# description: (.*)$/.exec(line);
    if (said) description = said[1];
    const setting = /^([A-Z][A-Z0-9_]*)=/.exec(line);
    if (setting && description !== undefined) {
      descriptions.set(setting[1]!, description);
      description = undefined;
    }
  }
  return descriptions;
}

/** Every optional setting, commented out, each with its description, ready to uncomment. */
function optionalSettingLines(written: readonly string[]): string[] {
  const descriptions = descriptionsFromExample();
  return optionalSettingNames(written).flatMap((name) => [
    ...(descriptions.has(name) ? [`# ${descriptions.get(name)}`] : []),
    ...(name === 'ALLOWED_ORIGINS'
      ? ["# localhost and 127.0.0.1 are different origins: list the one in your browser's address bar (or both)."]
      : []),
    `# ${name}=${name === 'ALLOWED_ORIGINS' ? 'http://localhost:5173' : ''}`,
  ]);
}

function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}

async function main(): Promise<number> {
  if (existsSync(ENV_FILE)) process.stdout.write(`dev-env: using the existing ${ENV_FILE} (delete it to get a fresh development one)\n`);
  else await writeDevelopmentEnv(process.env.PORT ?? '3000');
  return checkBeforeStart();
}

/** npm start's twilio-run reads .env alone (no --load-system-env), so the environment plays no part. */
function checkBeforeStart(): number {
  const report = checkLocalConfiguration(readProjectConfiguration({ envFile: ENV_FILE, systemEnv: {} }));
  if (report.problems.length === 0 && report.warnings.length === 0) return 0;
  const fatal = report.config === undefined;
  const head = report.problems.length > 0 ? `${report.problems.length} problem(s) in the configuration` : 'the configuration is valid';
  process.stdout.write(`\ndev-env: ${head}${fatal ? '; npm start stops here' : ''}\n\n${formatReport(report)}\n`);
  if (fatal) {
    process.stdout.write(
      'dev-env: /token would answer 500 server_misconfigured to every request. Fix the above (npm run doctor checks again), then npm start.\n',
    );
    return 1;
  }
  if (report.problems.length > 0)
    process.stdout.write('dev-env: starting anyway with what twilio-run reads; npm run deploy refuses these problems.\n');
  return 0;
}

async function writeDevelopmentEnv(port: string): Promise<void> {
  const sharedSecret = generateSharedSecret();
  const password = randomPassword();
  const userEntry = `${DEMO_USER}:${await hashPassword(password)}`;
  const lines = [
    '# Development configuration written by npm start. It is not committed (.gitignore).',
    '# PLACEHOLDER credentials: tokens decode but Twilio refuses them until you paste real values',
    '# from the Twilio Console (Account SID; API key SID and secret). See .env.example for every variable.',
    `TWILIO_ACCOUNT_SID=${PLACEHOLDER_ACCOUNT_SID}`,
    `TWILIO_API_KEY_SID=${PLACEHOLDER_API_KEY_SID}`,
    `TWILIO_API_KEY_SECRET=${PLACEHOLDER_SECRET_PREFIX}${randomBytes(24).toString('base64url')}`,
    '# A random shared secret for Authorization: Bearer',
    `AUTH_SHARED_SECRETS=${sharedSecret}`,
    `# The demo user "${DEMO_USER}"; its password was printed once when this file was written.`,
    '# Replace it with: npm run --silent hash-password -- NAME',
    `AUTH_BASIC_USERS=${userEntry}`,
    'TOKEN_GRANTS=video',
    'TOKEN_TTL=3600',
    'TOKEN_MAX_TTL=3600',
  ];
  const written = lines.flatMap((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []);
  lines.push(
    '',
    '# Every other setting, unset. Uncomment one and set it; npm start restarts the server when this file changes.',
    '# Each is described in full in .env.example and docs/configuration.md.',
    ...optionalSettingLines(written),
    '',
  );
  writeFileSync(ENV_FILE, lines.join('\n'), { mode: 0o600, flag: 'wx' });
  process.stdout.write(
    [
      `dev-env: wrote ${ENV_FILE} for local development.`,
      '',
      '  PLACEHOLDER Twilio credentials: tokens will decode, but Twilio refuses them until you set',
      '  TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to real values in .env',
      '  (README, "Real Twilio credentials"). The demo page and npm run doctor say so until then.',
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

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`dev-env: ${error.message}\n`);
    process.exitCode = 1;
  },
);
