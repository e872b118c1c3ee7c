/**
 * The signing-key check asks as Twilio would answer: on the API host of the key's own region (TWILIO_REGION and an
 * edge, TWILIO_EDGE overriding it), and refusing a Restricted key, which cannot sign Access Tokens (error 20160).
 * Driven through `npm run doctor -- --online` (the same check npm run deploy makes) in a throwaway copy, against the
 * stand-in's regional hosts; no build, so each run takes a second or two.
 */
import { randomBytes } from 'node:crypto';
import { useDeployHarness } from '../helpers/deploy-harness';
import { environmentFor, newCredentials, newSid } from '../helpers/fixtures';
import type { ProjectCopy } from '../helpers/project-copy';

const harness = useDeployHarness();
let copy: ProjectCopy;

beforeAll(() => {
  copy = harness.newCopy();
});

/** A key of the stand-in's account, of this type and region. */
function keyOf(type: 'standard' | 'restricted' | 'main', region = 'us1') {
  const key = { TWILIO_API_KEY_SID: newSid('SK'), TWILIO_API_KEY_SECRET: randomBytes(24).toString('base64url') };
  harness.fake.addApiKey(key.TWILIO_API_KEY_SID, key.TWILIO_API_KEY_SECRET, { type, region });
  return key;
}

/** npm run doctor -- --online with this signing key and settings; `env` adds to the stand-in's proxy and CA. */
async function doctorOnline(keys: Record<string, string>, settings: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const variables = await environmentFor(newCredentials(['ann']), {
    TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid,
    TOKEN_GRANTS: 'voice',
    VOICE_OUTGOING_APPLICATION_SID: newSid('AP'),
    ...keys,
    ...settings,
  });
  copy.writeEnv(variables);
  const before = harness.fake.requests().length;
  const result = await copy.npmRun('doctor', ['--online'], { ...harness.fake.env, ...env }, 60_000);
  harness.expectNoSecretIn(result.output, [keys['TWILIO_API_KEY_SECRET']!]);
  return { ...result, requests: harness.fake.requests().slice(before) };
}

const hostsOf = (requests: readonly { host: string }[]) => [...new Set(requests.map((request) => request.host))];

describe('the key is checked on its own region’s API host', () => {
  it('accepts an IE1 key for TWILIO_REGION=ie1, asking api.dublin.ie1.twilio.com (not api.twilio.com, which does not know it)', async () => {
    const result = await doctorOnline(keyOf('standard', 'ie1'), { TWILIO_REGION: 'ie1' });
    expect(result.stdout).toMatch(/online: {3}Twilio accepts TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET/);
    expect(result.code).toBe(0);
    expect(hostsOf(result.requests)).toEqual(['api.dublin.ie1.twilio.com']);
  }, 60_000);

  it('refuses a US1 key for TWILIO_REGION=ie1, and says a key belongs to one region', async () => {
    const result = await doctorOnline(keyOf('standard'), { TWILIO_REGION: 'ie1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ TWILIO_API_KEY_SID: Twilio refused .* \(error 20003\)/);
    expect(result.stdout).toMatch(
      /a key belongs to one region: create it with the Console's region set to ie1 \(asked at api\.dublin\.ie1\.twilio\.com\)/,
    );
  }, 60_000);

  it('asks the edge TWILIO_EDGE names (api.ashburn.us1.twilio.com), and refuses an edge that is not an edge ID', async () => {
    const key = keyOf('standard');
    const ashburn = await doctorOnline(key, {}, { TWILIO_EDGE: 'ashburn' });
    expect(ashburn.code).toBe(0);
    expect(hostsOf(ashburn.requests)).toEqual(['api.ashburn.us1.twilio.com']);
    const bad = await doctorOnline(key, {}, { TWILIO_EDGE: 'api.evil.example' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ TWILIO_EDGE: TWILIO_EDGE must be a Twilio edge ID such as dublin/);
    expect(bad.requests).toEqual([]);
  }, 60_000);

  it('keeps api.twilio.com for us1 without an edge', async () => {
    const result = await doctorOnline(keyOf('standard'), { TWILIO_REGION: 'us1' });
    expect(result.code).toBe(0);
    expect(hostsOf(result.requests)).toEqual(['api.twilio.com']);
  }, 60_000);
});

describe('a Restricted key is refused, naming the key type to create', () => {
  const RESTRICTED =
    /✗ TWILIO_API_KEY_SID: TWILIO_API_KEY_SID is a Restricted API key, and Twilio refuses every Access Token a Restricted key signs \(error 20160\)\n {2}fix: create a Standard API key/;

  it('without credentials that may read keys: found by Twilio’s 70051 on the Balance read', async () => {
    const result = await doctorOnline(keyOf('restricted'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(RESTRICTED);
    expect(result.requests.map((request) => [request.host, request.status])).toEqual([['api.twilio.com', 401]]);
  }, 60_000);

  it('with the account’s credentials in the environment: IAM’s GET /v1/Keys/{SK} tells the type', async () => {
    const { accountSid, authToken } = harness.fake.credentials;
    const account = { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken };
    const restricted = keyOf('restricted');
    const refused = await doctorOnline(restricted, {}, account);
    expect(refused.stdout).toMatch(RESTRICTED);
    const standard = await doctorOnline(keyOf('standard'), {}, account);
    expect(standard.code).toBe(0);
    expect(standard.requests.map((request) => `${request.host} ${request.status}`)).toEqual(['api.twilio.com 200', 'iam.twilio.com 200']);
    harness.expectNoSecretIn(refused.output + standard.output, [authToken]);
  }, 60_000);

  it('a Main key signs tokens: accepted', async () => {
    const result = await doctorOnline(keyOf('main'));
    expect(result.code).toBe(0);
  }, 60_000);
});
