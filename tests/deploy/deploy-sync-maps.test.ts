/**
 * npm run deploy with THROTTLE_SYNC_SERVICE_SID, against the loopback stand-in for Twilio (Serverless and Sync, reached
 * through HTTP_PROXY as the real hosts are): the plan shows the Sync Maps the service uses that the Service lacks,
 * --plan creates none, the deploy creates them, the next plan has none to create; and a Service that does not exist is
 * refused before anything changes.
 */
import { useDeployHarness } from '../helpers/deploy-harness';
import { environmentFor } from '../helpers/fixtures';
import type { ProjectCopy } from '../helpers/project-copy';

const DEPLOY_TIMEOUT_MS = 240_000;
const harness = useDeployHarness();
const MAPS = 36;

async function copyWithSync(serviceSid: string): Promise<ProjectCopy> {
  const copy = harness.newCopy();
  const credentials = harness.registeredCredentials(['alice']);
  copy.writeEnv(
    await environmentFor(credentials, {
      TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid,
      THROTTLE_SYNC_SERVICE_SID: serviceSid,
    }),
  );
  return copy;
}

// First: a fresh copy after a first deploy would stop on the service name instead (a real first deploy's rule).
it(
  'a Sync Service that does not exist is refused before anything changes on Twilio',
  async () => {
    const copy = await copyWithSync(`IS${'cd'.repeat(16)}`);
    const before = harness.fake.requests().filter((request) => request.method !== 'GET').length;
    const result = await copy.npmRun('deploy', [], harness.ciEnvironment(), DEPLOY_TIMEOUT_MS);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ THROTTLE_SYNC_SERVICE_SID: no Sync Service IS(cd){16} on account AC[0-9a-f]{32}/);
    expect(harness.fake.requests().filter((request) => request.method !== 'GET')).toHaveLength(before);
  },
  DEPLOY_TIMEOUT_MS,
);

describe('the Sync Service in the plan', () => {
  let copy: ProjectCopy;
  beforeAll(async () => {
    copy = await copyWithSync(harness.fake.sync.credentials.serviceSid);
  });

  it(
    '--plan lists the Maps to create, exits 2 and creates none',
    async () => {
      const result = await copy.npmRun('deploy', ['--plan'], harness.ciEnvironment(), DEPLOY_TIMEOUT_MS);
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(
        new RegExp(
          `sync: {5}Sync Service IS[0-9a-f]{32}: create ${MAPS} of ${MAPS} Maps \\(token-service-throttle-0, .*token-service-revocations-3\\)`,
        ),
      );
      expect(harness.fake.sync.mapNames()).toEqual([]);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'the deploy creates them; the next plan has none to create',
    async () => {
      const result = await copy.npmRun('deploy', ['--no-smoke'], harness.ciEnvironment('apiKey'), DEPLOY_TIMEOUT_MS);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`deploy: created ${MAPS} Sync Map\\(s\\)`));
      expect(harness.fake.sync.mapNames().sort()).toEqual(
        [
          ...Array.from({ length: 32 }, (_, n) => `token-service-throttle-${n}`),
          ...[0, 1, 2, 3].map((n) => `token-service-revocations-${n}`),
        ].sort(),
      );
      const again = await copy.npmRun('deploy', ['--plan'], harness.ciEnvironment(), DEPLOY_TIMEOUT_MS);
      expect(again.stdout).toMatch(new RegExp(`sync: {5}Sync Service IS[0-9a-f]{32} holds all ${MAPS} Maps the service uses`));
      expect(again.code).toBe(0);
      harness.expectNoSecretIn(`${result.stdout}${result.stderr}${again.stdout}`, []);
    },
    DEPLOY_TIMEOUT_MS,
  );
});
