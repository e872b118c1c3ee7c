/**
 * npm run doctor -- --online with placeholder credentials: it asks Twilio nothing (the loopback stand-in for Twilio,
 * reached through HTTP_PROXY as the real one would be, records every request), and says why. With a real-shaped key
 * the same run does reach the stand-in, so the silence above is the check's doing, not a broken proxy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio';
import { dotenvText, environmentFor, newCredentials } from '../helpers/fixtures';
import { PROJECT_ROOT } from '../helpers/run-cli';

let fake: FakeTwilio;
let dir: string;

beforeAll(async () => {
  fake = await startFakeTwilio();
}, 60_000);
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-online-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function doctorOnline(shell: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(PROJECT_ROOT, 'scripts', 'run-ts.mjs'), 'src/cli/doctor.ts', '--online'],
      { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...shell, ...fake.env }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

it.each([
  ['the SIDs npm start writes', { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_API_KEY_SID: `SK${'0'.repeat(32)}` }],
  ['a secret in words', { TWILIO_API_KEY_SECRET: 'your_api_key_secret_goes_here_xxxxxxxx' }],
])(
  'with %s it sends nothing to Twilio and exits 1 saying why',
  async (_what, placeholders) => {
    const env = await environmentFor(newCredentials(['alice']), placeholders);
    writeFileSync(join(dir, '.env'), dotenvText(env));
    const before = fake.requests().length;
    const refusedBefore = fake.refusals().length;
    const result = await doctorOnline();
    expect(result.code).toBe(1);
    expect(fake.refusals()).toHaveLength(refusedBefore);
    expect(result.stdout).toMatch(/tokens are signed with PLACEHOLDER credentials that Twilio refuses/);
    expect(result.stdout).toMatch(
      /✗ TWILIO_\w+: --online asks Twilio nothing while TWILIO_\w+(, TWILIO_\w+)* (is a placeholder|are placeholders)/,
    );
    expect(fake.requests()).toHaveLength(before);
    for (const value of Object.values(placeholders)) expect(result.stdout).not.toContain(value);
  },
  90_000,
);

it('with a real-shaped key of another account it does ask Twilio (one GET), which refuses it', async () => {
  writeFileSync(join(dir, '.env'), dotenvText(await environmentFor(newCredentials(['alice']))));
  const before = fake.requests().length;
  const result = await doctorOnline();
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/✗ TWILIO_API_KEY_SID: Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET/);
  expect(
    fake
      .requests()
      .slice(before)
      .map((request) => `${request.method} ${request.host}`),
  ).toEqual(['GET api.twilio.com']);
}, 90_000);

describe('with THROTTLE_SYNC_SERVICE_SID it checks the Sync Service with the service’s own key', () => {
  async function withSync(serviceSid: string, shell: NodeJS.ProcessEnv = {}) {
    const credentials = newCredentials(['alice']);
    fake.addApiKey(credentials.apiKeySid, credentials.apiKeySecret);
    const env = await environmentFor(credentials, {
      TWILIO_ACCOUNT_SID: fake.credentials.accountSid,
      THROTTLE_SYNC_SERVICE_SID: serviceSid,
    });
    writeFileSync(join(dir, '.env'), dotenvText(env));
    return { result: await doctorOnline(shell), credentials };
  }

  it('a Service without the Maps: reachable, lists the missing Maps, exits 0 (npm run deploy creates them)', async () => {
    const { result, credentials } = await withSync(fake.sync.credentials.serviceSid);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ {2}online: {3}Twilio accepts TWILIO_API_KEY_SID/);
    expect(result.stdout).toMatch(/sync: {5}Sync Service IS[0-9a-f]{32} reachable with TWILIO_API_KEY_SID/);
    expect(result.stdout).toMatch(
      /⚠ THROTTLE_SYNC_SERVICE_SID: 36 of 36 Maps missing \(token-service-throttle-0, .*token-service-revocations-3\)/,
    );
    expect(result.stdout).not.toContain(credentials.apiKeySecret);
  }, 90_000);

  it("asks the project's region (US1 here), not the TWILIO_REGION the shell has from another project", async () => {
    const refused = fake.refusals().length;
    const { result } = await withSync(fake.sync.credentials.serviceSid, { TWILIO_REGION: 'ie1' });
    expect(result.stdout).toMatch(/sync: {5}Sync Service IS[0-9a-f]{32} reachable with TWILIO_API_KEY_SID/);
    expect(result.code).toBe(0);
    // The stand-in's proxy refuses every host but the default ones: sync.dublin.ie1.twilio.com would be a refusal.
    expect(fake.refusals().slice(refused)).toEqual([]);
  }, 90_000);

  it('a Service that does not exist: ✗ and exit 1', async () => {
    const { result } = await withSync(`IS${'ab'.repeat(16)}`);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ THROTTLE_SYNC_SERVICE_SID: no Sync Service IS(ab){16} on account AC/);
  }, 90_000);
});
