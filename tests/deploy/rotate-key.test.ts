/**
 * npm run rotate-key against the loopback stand-in of Twilio, in a throwaway clone deployed once by the real npm run
 * deploy: the plan first, a rotation that ends every token the old key signed, the hand-over (the env file rewritten,
 * or the secret written once for CI), refusals that change nothing, and convergence after a cut at every request.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { callDeployed } from '../helpers/fake-twilio/call-deployed';
import { useDeployHarness } from '../helpers/deploy-harness';
import { environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import type { CommandResult, ProjectCopy } from '../helpers/project-copy';
import { verifyTwilioToken } from '../helpers/token-verifier';
import type { FaultAction } from '../helpers/fake-twilio';

const DEPLOY_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 60_000;
const SERVICE = 'rotating-tokens';
const LABEL = `${SERVICE}/dev`;

const harness = useDeployHarness();
let copy: ProjectCopy;
let credentials: TestCredentials;

/** Account credentials, as the rotation needs (a CI job's secrets). */
const accountEnv = () => harness.ciEnvironment('account');

function rotate(args: readonly string[] = [], env: NodeJS.ProcessEnv = accountEnv()): Promise<CommandResult> {
  return copy.npmRun('rotate-key', args, env, RUN_TIMEOUT_MS);
}

function envFile(): Record<string, string> {
  return Object.fromEntries(
    copy
      .read('.env')
      .split('\n')
      .flatMap((line) => (/^[A-Z_]+=/.test(line) ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]] : [])),
  );
}

function live() {
  const service = harness.fake.state.service(SERVICE)!;
  const environment = harness.fake.state.environments(service.sid)[0]!;
  const variables = Object.fromEntries(harness.fake.state.variables(environment.sid).map(({ key, value }) => [key, value]));
  return { environment, variables };
}

/** The account's keys this rotation made for the service (by the name it gives them). */
const rotationKeys = () => harness.fake.apiKeys().filter((key) => key.friendlyName.startsWith(`${LABEL} `));
const keyExists = (sid: string) => harness.fake.apiKeys().some((key) => key.sid === sid);

/** The invariant at every moment: a live key SID names a key that exists, with exactly the live secret. */
function expectLiveKeyValid(): void {
  const { TWILIO_API_KEY_SID: sid, TWILIO_API_KEY_SECRET: secret } = live().variables;
  if (sid === undefined) return; // cut between the secret and the SID: the service signs nothing (fails closed)
  const key = harness.fake.apiKeys().find((candidate) => candidate.sid === sid);
  expect(key?.secret).toBe(secret);
}

const mutations = (since: number) =>
  harness.fake
    .requests()
    .slice(since)
    .filter((request) => request.method !== 'GET');

beforeAll(async () => {
  copy = harness.newCopy();
  credentials = harness.registeredCredentials([]);
  const env = await environmentFor(credentials, { TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid, AUTH_BASIC_USERS: undefined });
  copy.writeEnv(env);
  const deployed = await copy.npmRun('deploy', ['--no-smoke', '--service-name', SERVICE], accountEnv(), DEPLOY_TIMEOUT_MS);
  expect(deployed.code).toBe(0);
}, DEPLOY_TIMEOUT_MS);

describe('refused with the fix, changing nothing', () => {
  it(
    'without credentials that may manage keys (a Standard key), or with none at all',
    async () => {
      const before = harness.fake.requests().length;
      const envBefore = copy.read('.env');
      const standard = await rotate([], harness.ciEnvironment('apiKey'));
      expect(standard.code).toBe(1);
      expect(standard.stdout).toMatch(
        /✗ TWILIO_API_KEY\/TWILIO_API_SECRET: Twilio refused to list the account's API keys .*\(error 20003\): only the account's credentials or a Main key may manage keys[^\n]*\n {2}fix: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/,
      );
      const none = await rotate([], { ...harness.fake.env });
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(
        /rotate-key: no Twilio credentials: set TWILIO_API_KEY and TWILIO_API_SECRET \(or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN\)/,
      );
      expect(mutations(before)).toEqual([]);
      expect(copy.read('.env')).toBe(envBefore);
      harness.expectNoSecretIn(standard.output + none.output, [credentials.apiKeySecret]);
    },
    2 * RUN_TIMEOUT_MS,
  );

  it(
    'with a signing key the account does not own',
    async () => {
      const before = harness.fake.requests().length;
      const saved = copy.read('.env');
      const other = newCredentials([]);
      harness.fake.addApiKey(other.apiKeySid, other.apiKeySecret, { accountSid: other.accountSid });
      copy.writeEnv({ ...envFile(), TWILIO_API_KEY_SID: other.apiKeySid, TWILIO_API_KEY_SECRET: other.apiKeySecret });
      const result = await rotate();
      copy.writeFile('.env', saved);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/✗ TWILIO_API_KEY_SID: /);
      expect(mutations(before)).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'on a service that was never deployed',
    async () => {
      const fresh = harness.newCopy();
      fresh.writeEnv(envFile());
      const before = harness.fake.requests().length;
      const result = await fresh.npmRun('rotate-key', ['--service-name', 'never-deployed-tokens'], accountEnv(), RUN_TIMEOUT_MS);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /✗ service: never-deployed-tokens \(environment dev\) was never deployed: there is no live key to replace\n {2}fix: run npm run deploy first/,
      );
      expect(mutations(before)).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('a rotation from a laptop (the key in .env)', () => {
  it(
    '--plan reads with GETs only and names each step; the run rotates, rewrites .env (0600), and the old key’s tokens die',
    async () => {
      const oldSid = envFile()['TWILIO_API_KEY_SID']!;
      const before = harness.fake.requests().length;
      const plan = await rotate(['--plan']);
      expect(plan.code).toBe(2);
      expect(mutations(before)).toEqual([]);
      expect(plan.stdout).toContain(
        `  + API key "${LABEL} ${new Date().toISOString().slice(0, 10)} replaces ${oldSid.slice(0, 14)}" created (Standard, on api.twilio.com)`,
      );
      // In the settings registry's order, each with what it does to access (issue 21), then the order of the writes.
      expect(plan.stdout).toMatch(
        /~ variable TWILIO_API_KEY_SID changed — access unchanged[^\n]*\n {2}~ variable TWILIO_API_KEY_SECRET changed — access unchanged/,
      );
      expect(plan.stdout).toMatch(
        /1\. delete variable TWILIO_API_KEY_SID[^\n]*\n.*2\. set variable TWILIO_API_KEY_SECRET[^\n]*\n.*3\. set variable TWILIO_API_KEY_SID/,
      );
      expect(plan.stdout).toContain(`  - API key ${oldSid} deleted (every token it signed stops working`);

      const run = await rotate();
      expect(run.code).toBe(0);
      const { TWILIO_API_KEY_SID: newSid, TWILIO_API_KEY_SECRET: newSecret } = envFile();
      expect(newSid).not.toBe(oldSid);
      expect(live().variables).toMatchObject({ TWILIO_API_KEY_SID: newSid, TWILIO_API_KEY_SECRET: newSecret });
      expect(statSync(join(copy.dir, '.env')).mode & 0o777).toBe(0o600);
      expect(keyExists(oldSid)).toBe(false);
      expect(rotationKeys().map((key) => key.sid)).toEqual([newSid]);
      expect(run.stdout).toContain(`rotate-key: done; the live service signs with ${newSid}, and ${oldSid} is deleted`);
      harness.expectNoSecretIn(run.output + plan.output, [newSecret!, credentials.apiKeySecret]);

      // The deployed service now signs with the new key (verified with jose and the new secret).
      const answer = await callDeployed(harness.fake, `https://${live().environment.domainName}/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' },
        body: '{"identity":"kiosk"}',
      });
      expect(answer.status).toBe(200);
      const verified = await verifyTwilioToken(answer.json.token, newSecret!);
      expect(verified.claims.iss).toBe(newSid);

      // One more deploy keeps the new key: nothing to change.
      const replan = await copy.npmRun('deploy', ['--no-smoke', '--plan'], accountEnv(), DEPLOY_TIMEOUT_MS);
      expect(replan.stdout).toMatch(/nothing to change/);
    },
    DEPLOY_TIMEOUT_MS,
  );
});

describe('convergent after a cut at any request', () => {
  /** Cuts the nth request of one run (any method, any host), then runs again; returns false once n is past the run's last. */
  async function cutAndConverge(n: number, action: FaultAction, recoveries: string[]): Promise<boolean> {
    const oldSid = envFile()['TWILIO_API_KEY_SID']!;
    const fault = harness.fake.addFault({ method: '*', path: /./, nth: n, action });
    const cut = await rotate();
    let reached = false;
    await Promise.race([fault.reached.then(() => (reached = true)), new Promise((resolve) => setImmediate(resolve))]);
    if (!reached) {
      fault.disarm();
      expect(cut.code).toBe(0); // the run made fewer than n requests: nothing was cut
      return false;
    }
    expect(cut.code).toBe(1);
    expectLiveKeyValid();
    const again = await rotate();
    expect(again.code).toBe(0);
    recoveries.push(again.stdout);
    expectLiveKeyValid();
    const { TWILIO_API_KEY_SID: sid, TWILIO_API_KEY_SECRET: secret } = envFile();
    expect(live().variables).toMatchObject({ TWILIO_API_KEY_SID: sid, TWILIO_API_KEY_SECRET: secret });
    expect(rotationKeys().map((key) => key.sid)).toEqual([sid]);
    expect(sid).not.toBe(oldSid);
    expect(keyExists(oldSid)).toBe(false);
    return true;
  }

  it.each<FaultAction>(['drop-before', 'drop-after'])(
    '%s: every request of a rotation cut in turn; the next run finishes it, never two of its keys left, never a deleted key live',
    async (action) => {
      const recoveries: string[] = [];
      for (let n = 1; n <= 40 && (await cutAndConverge(n, action, recoveries)); n++);
      expect(recoveries.length).toBeGreaterThanOrEqual(12);
      // The next runs took each way back: a key left by a cut run deleted, a cut run's deployed key kept (no new key).
      expect(recoveries.some((out) => /- API key SK\w+ deleted \(made by a run that was cut/.test(out))).toBe(true);
      expect(recoveries.some((out) => !/\+ API key "/.test(out))).toBe(true);
    },
    40 * 2 * RUN_TIMEOUT_MS,
  );
});

describe('a rotation from CI (the key in the environment)', () => {
  it(
    'needs --secret-out, refuses a group-readable one, writes the secret once (0600) and names the secret-store entries',
    async () => {
      const fromFile = envFile();
      const { TWILIO_API_KEY_SID: sid, TWILIO_API_KEY_SECRET: secret, ...rest } = fromFile;
      copy.writeEnv({ ...rest, TWILIO_API_KEY_SID: '', TWILIO_API_KEY_SECRET: '' });
      const ci = { ...accountEnv(), TWILIO_API_KEY_SID: sid!, TWILIO_API_KEY_SECRET: secret! };
      const args = ['--env', '.env', '--load-system-env'];
      const before = harness.fake.requests().length;

      const missing = await rotate(args, ci);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /the key comes from the environment \(CI\), so the rotation cannot rewrite it[\s\S]*fix: add --secret-out FILE/,
      );
      copy.writeFile('open.txt', '');
      const open = await rotate([...args, '--secret-out', join(copy.dir, 'open.txt')], ci);
      expect(open.code).toBe(1);
      expect(open.stderr).toMatch(/may be read by others \(mode 6\d4\)[\s\S]*fix: chmod 600/);
      expect(mutations(before)).toEqual([]);

      const out = join(copy.dir, 'new-secret.txt');
      const run = await rotate([...args, '--secret-out', out], ci);
      expect(run.code).toBe(0);
      const written = copy.read('new-secret.txt').trim();
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(live().variables['TWILIO_API_KEY_SECRET']).toBe(written);
      expect(run.stdout).toMatch(
        /change these entries of your secret store[\s\S]*TWILIO_API_KEY_SID {5}= the SID above[\s\S]*TWILIO_API_KEY_SECRET {2}= the secret written to/,
      );
      expect(keyExists(sid!)).toBe(false);
      harness.expectNoSecretIn(run.output, [written, secret!]);
      expect(copy.read('.env')).toMatch(/^TWILIO_API_KEY_SID=$/m);
    },
    4 * RUN_TIMEOUT_MS,
  );
});
