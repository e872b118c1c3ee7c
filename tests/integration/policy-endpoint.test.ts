/** Per-user and per-role policy through the real twilio-run server: from TOKEN_POLICY, and from the private asset. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOidcProvider, type FakeOidcProvider } from '../helpers/fake-oidc-provider';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpAnswer } from '../helpers/http';
import { makeKey, signIdToken, type TestKey } from '../helpers/oidc-keys';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const AUDIENCE = 'classroom-app';
const POLICY = {
  comment: 'test policy: teachers and students by role, two named users, everyone else in the lobby',
  default: 'deny',
  rules: [
    { match: { any: true }, grants: ['video'], rooms: ['lobby'] },
    { match: { role: 'student' }, grants: ['video'], rooms: ['class-*'], maxTtl: 600 },
    { match: { role: 'teacher' }, grants: ['video', 'chat'], rooms: ['class-*', 'staff'], maxTtl: 1800 },
    { match: { user: 'alice', signIn: 'basic' }, rooms: ['*'] },
    { match: { user: 'bob', signIn: 'basic' }, deny: true },
    { match: { user: 'alice', signIn: 'oidc' }, rooms: ['*'] },
    { match: { user: 'bob', signIn: 'oidc' }, deny: true },
  ],
};

let credentials: TestCredentials;
let provider: FakeOidcProvider;
let key: TestKey;
let server: RunningServer;

beforeAll(async () => {
  key = await makeKey('ES256', 'ec-1');
  provider = await startFakeOidcProvider({ keys: [key.jwk] });
  credentials = newCredentials(['alice', 'bob', 'carol']);
  server = await startServer(
    await environmentFor(credentials, {
      OIDC_ISSUER: provider.issuer,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_IDENTITY_PREFIX: 'idp:',
      TOKEN_GRANTS: 'video,chat',
      CONVERSATIONS_SERVICE_SID: newSid('IS'),
      TOKEN_TTL: '3600',
      TOKEN_MAX_TTL: '3600',
      TOKEN_POLICY: JSON.stringify(POLICY),
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await provider?.close();
});

const basic = (user: string, body: unknown = {}) =>
  send(`${server.url}/token`, { json: body, headers: { authorization: basicHeader(user, credentials.passwords[user]!) } });
const oidc = async (sub: string, roles: string[], body: unknown = {}) =>
  send(`${server.url}/token`, {
    json: body,
    headers: { authorization: `Bearer ${await signIdToken(key, provider.issuer, AUDIENCE, { sub, roles })}` },
  });
const secret = (body: unknown) =>
  send(`${server.url}/token`, { json: body, headers: { authorization: `Bearer ${credentials.sharedSecret}` } });

function expectDenied(answer: HttpAnswer, code: string, rule?: string): void {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: 403, code });
  expect(answer.text).not.toMatch(JWT_SHAPE);
  if (rule) expect(answer.json.error.message).toContain(rule);
}

describe('allow: each caller gets what its most specific rule allows', () => {
  it('a teacher (OIDC role) gets video and chat for a class room, with the rule’s lower lifetime', async () => {
    const answer = await oidc('t-1', ['teacher'], { grants: ['video', 'chat'], room: 'class-3b' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ identity: 'idp:t-1', grants: ['video', 'chat'], room: 'class-3b', ttl: 1800 });
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.exp! - claims.iat!).toBe(1800);
    expect((claims.grants as { video: unknown }).video).toEqual({ room: 'class-3b' });
  });

  it('a student gets only video, only for class rooms, and at most 600 s even when asking for more', async () => {
    const answer = await oidc('s-1', ['student'], { room: 'class-1', ttl: 3600 });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ grants: ['video'], room: 'class-1', ttl: 600 });
  });

  it('of a student’s and a teacher’s role, the rule earlier in the file wins', async () => {
    expect((await oidc('both', ['teacher', 'student'], { room: 'class-1' })).json.ttl).toBe(600);
  });

  it('a user rule beats the user’s roles: alice (each sign-in has its own rule) as a student may join any room', async () => {
    const answer = await oidc('alice', ['student'], { room: 'anywhere' });
    expect(answer.status).toBe(200);
    expect(answer.json.room).toBe('anywhere');
    expect((await basic('alice', { room: 'boardroom' })).json.room).toBe('boardroom');
  });

  it('a Basic user without a rule falls to the any rule, whose single room becomes the default', async () => {
    const answer = await basic('carol');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ identity: 'carol', grants: ['video'], room: 'lobby' });
  });
});

describe('deny: 403 with the code of the check that refused, and no token', () => {
  it('a user rule with deny: policy_user_not_allowed, whatever the roles', async () => {
    expectDenied(await basic('bob'), 'policy_user_not_allowed', 'rules[4]');
    expectDenied(await oidc('bob', ['teacher'], { room: 'class-1' }), 'policy_user_not_allowed', 'rules[6]');
  });

  it('a grant the rule does not list: policy_grant_denied', async () => {
    expectDenied(await oidc('s-2', ['student'], { grants: ['video', 'chat'], room: 'class-1' }), 'policy_grant_denied', 'rules[1]');
  });

  it('a room outside the rule’s patterns, or no room where the rule has several: policy_room_denied', async () => {
    expectDenied(await oidc('s-3', ['student'], { room: 'staff' }), 'policy_room_denied', 'rules[1]');
    expectDenied(await oidc('t-2', ['teacher'], {}), 'policy_room_denied', 'rules[2]');
    expectDenied(await basic('carol', { room: 'class-1' }), 'policy_room_denied', 'rules[0]');
  });

  it('a shared-secret caller naming alice does not get alice’s rule', async () => {
    expectDenied(await secret({ identity: 'alice', room: 'anywhere' }), 'policy_room_denied', 'rules[0]');
    expect((await secret({ identity: 'alice' })).json.room).toBe('lobby');
  });

  it('global checks still come first: a grant the service does not issue is grant_not_allowed', async () => {
    const answer = await oidc('t-3', ['teacher'], { grants: ['voice'] });
    expect({ status: answer.status, code: answer.json.error.code }).toEqual({ status: 403, code: 'grant_not_allowed' });
  });

  it('logs name the deciding rule', async () => {
    await server.waitForOutput(/"code":"policy_user_not_allowed".*"rule":"rules\[4\]"/);
    await server.waitForOutput(/"outcome":"issued".*"rule":"rules\[2\]"/);
    expect(server.output()).toMatch(/"code":"policy_user_not_allowed".*"rule":"rules\[4\]"/);
    expect(server.output()).toMatch(/"outcome":"issued".*"rule":"rules\[2\]"/);
  });
});

describe('the policy as a private asset (policy.private.json), read with Runtime.getAssets()', () => {
  let assets: string;
  let assetServer: RunningServer;
  let assetCredentials: TestCredentials;
  beforeAll(async () => {
    assets = mkdtempSync(join(tmpdir(), 'policy-assets-'));
    writeFileSync(
      join(assets, 'policy.private.json'),
      JSON.stringify({ rules: [{ match: { user: 'alice' }, maxTtl: 300 }], default: 'deny' }, null, 2),
    );
    assetCredentials = newCredentials(['alice', 'dave']);
    assetServer = await startServer(await environmentFor(assetCredentials), { assetsFolder: assets });
  }, 60_000);
  afterAll(async () => {
    await assetServer?.stop();
    rmSync(assets, { recursive: true, force: true });
  });

  const call = (user: string) =>
    send(`${assetServer.url}/token`, { json: {}, headers: { authorization: basicHeader(user, assetCredentials.passwords[user]!) } });

  it('applies the asset’s rules, and its default deny to everyone else', async () => {
    const alice = await call('alice');
    expect(alice.status).toBe(200);
    expect(alice.json.ttl).toBe(300);
    expectDenied(await call('dave'), 'policy_user_not_allowed');
  });

  it('is not served by URL, under either name', async () => {
    for (const path of ['/policy.private.json', '/policy.json', '/assets/policy.json']) {
      const answer = await send(`${assetServer.url}${path}`, { method: 'GET' });
      expect({ path, status: answer.status }).toEqual({ path, status: expect.not.stringMatching(/^2/) });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.text).not.toMatch(/maxTtl/);
    }
  });

  it('shows in /health as policy: true', async () => {
    const health = await send(`${assetServer.url}/health`, { method: 'GET' });
    expect(health.json).toMatchObject({ status: 'ok', policy: true });
  });
});
