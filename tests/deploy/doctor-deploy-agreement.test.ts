/**
 * npm run doctor -- --deploy passes exactly when npm run deploy's own checks pass, on the same files and the
 * same environment: both are run in a clone of this project and print the same problems. Nothing can leave the
 * machine: HTTP_PROXY points at a loopback listener that counts connections and closes them, so a deploy that
 * gets past its checks is seen trying to reach Twilio there, and fails.
 */
import { createServer, type Server } from 'node:net';
import { dotenvText, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { copyProject, type CommandResult, type ProjectCopy } from '../helpers/project-copy';

const TIMEOUT_MS = 180_000;

let copy: ProjectCopy;
let credentials: TestCredentials;
let valid: Record<string, string>;
let sink: Server;
let connections = 0;
let proxy: string;

beforeAll(async () => {
  copy = copyProject();
  credentials = newCredentials(['alice']);
  valid = await environmentFor(credentials);
  sink = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const address = sink.address();
  proxy = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  copy?.remove();
  await new Promise((resolve) => sink?.close(resolve));
});

/** A CI job's environment: credentials of the account .env names, and the loopback sink as the proxy. */
const ciEnvironment = (extra: Record<string, string> = {}) => ({
  TWILIO_ACCOUNT_SID: credentials.accountSid,
  TWILIO_AUTH_TOKEN: 'a'.repeat(32),
  HTTP_PROXY: proxy,
  ...extra,
});
const problemLines = (result: CommandResult) =>
  result.stdout.split('\n').filter((line) => line.startsWith('✗ ') || line.startsWith('  fix: '));

interface Both {
  doctor: CommandResult;
  deploy: CommandResult;
  deployTriedTwilio: boolean;
}

async function both(args: { doctor: string[]; deploy: string[] }, env: Record<string, string>): Promise<Both> {
  const doctor = await copy.npmRun('doctor', [...args.doctor, '--deploy'], env, TIMEOUT_MS);
  const before = connections;
  const deploy = await copy.npmRun('deploy', [...args.deploy, '--no-smoke'], env, TIMEOUT_MS);
  return { doctor, deploy, deployTriedTwilio: connections > before };
}

function expectBothRefuse(result: Both): void {
  expect(result.doctor.code).toBe(1);
  expect(result.deploy.code).toBe(1);
  expect(result.deploy.stdout).toMatch(/deploy: refused; nothing was sent to Twilio/);
  expect(result.deployTriedTwilio).toBe(false);
  expect(problemLines(result.deploy)).toEqual(problemLines(result.doctor));
  expect(problemLines(result.doctor).length).toBeGreaterThan(0);
}

function expectBothAccept(result: Both): void {
  expect(result.doctor.code).toBe(0);
  expect(result.doctor.stdout).toMatch(/ready to deploy/);
  expect(result.deploy.stdout).not.toMatch(/refused/);
  expect(result.deployTriedTwilio).toBe(true); // past every check, stopped only by the closed proxy
  expect(result.deploy.code).not.toBe(0);
}

const plain = { doctor: [], deploy: [] };

describe('the doctor and the deploy agree', () => {
  it(
    'on a valid .env: both go ahead',
    async () => {
      copy.writeFile('.env', dotenvText(valid));
      expectBothAccept(await both(plain, ciEnvironment()));
    },
    TIMEOUT_MS,
  );

  it(
    'on a near miss of a setting and on lines twilio-run cannot read: both refuse, with the same problems',
    async () => {
      // Each alone leaves a valid configuration, so only these checks stand between them and the service.
      copy.writeFile(
        '.env',
        `${dotenvText(valid)}ALLOWED_ORIGIN=https://app.example.com\nexport VIDEO_ROOM=lobby\nVIDEO_ROOM=team # the default room\n`,
      );
      const result = await both(plain, ciEnvironment());
      expectBothRefuse(result);
      const line = Object.keys(valid).length;
      expect(problemLines(result.doctor).filter((text) => text.startsWith('✗ '))).toEqual([
        `✗ .env line ${line + 2}: VIDEO_ROOM starts with "export "; twilio-run (dotenv 6) skips the whole line, so VIDEO_ROOM is not set`,
        `✗ .env line ${line + 3}: VIDEO_ROOM's value has what looks like an inline comment; twilio-run (dotenv 6) keeps it as part of the value`,
        '✗ ALLOWED_ORIGIN: ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS?',
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    'on a CI template filled from the environment with --load-system-env: both go ahead; without the values, both refuse',
    async () => {
      copy.writeFile(
        '.env.ci',
        '# values come from CI secrets\nTWILIO_ACCOUNT_SID=\nTWILIO_API_KEY_SID=\nTWILIO_API_KEY_SECRET=\nAUTH_SHARED_SECRETS=\nTOKEN_TTL=600\n',
      );
      const secrets = {
        TWILIO_API_KEY_SID: credentials.apiKeySid,
        TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
        AUTH_SHARED_SECRETS: credentials.sharedSecret,
      };
      const args = { doctor: ['--env', '.env.ci', '--load-system-env'], deploy: ['--env', '.env.ci', '--load-system-env'] };
      expectBothAccept(await both(args, ciEnvironment(secrets)));
      const { TWILIO_API_KEY_SECRET: _missing, ...withoutSecret } = secrets;
      expectBothRefuse(await both(args, ciEnvironment(withoutSecret)));
    },
    TIMEOUT_MS * 2,
  );

  it(
    'without a .env: both say there is none, and nothing else',
    async () => {
      copy.removeFile('.env');
      const result = await both(plain, ciEnvironment());
      expectBothRefuse(result);
      expect(problemLines(result.doctor)[0]).toMatch(/^✗ \.env: there is no \.env/);
    },
    TIMEOUT_MS,
  );

  it(
    'on a TWILIO_ACCOUNT_SID of another account than the deploy credentials: both refuse it, naming the deploy account',
    async () => {
      copy.writeFile('.env', dotenvText(valid));
      const result = await both(plain, ciEnvironment({ TWILIO_ACCOUNT_SID: newSid('AC') }));
      expect([result.doctor.code, result.deploy.code]).toEqual([1, 1]);
      for (const run of [result.doctor, result.deploy]) {
        expect(run.stdout).toMatch(/✗ TWILIO_ACCOUNT_SID: TWILIO_ACCOUNT_SID names another account than the one npm run deploy deploys to/);
        expect(run.stdout).not.toMatch(/name different accounts/);
      }
      expect(result.deployTriedTwilio).toBe(false);
    },
    TIMEOUT_MS,
  );
});
