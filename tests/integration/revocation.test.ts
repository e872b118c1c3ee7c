/**
 * npm run revoke through two real twilio-run instances sharing one Sync stand-in, which both the instances' and the
 * operator's twilio-node reach the way they reach sync.twilio.com (HTTP_PROXY, TLS from a CA made for this run).
 * After a revoke both instances refuse the identity (403 identity_revoked) within 5 s, for a Basic user, a
 * shared-secret caller asking for it and an OIDC subject, while everyone else still gets tokens; after --lift Basic and
 * shared-secret tokens come back and an identity-provider token issued before the lift does not. Sync slow or down:
 * never a 5xx, the last list read decides, the log line and /health say so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOidcProvider, type FakeOidcProvider } from '../helpers/fake-oidc-provider';
import { basicHeader, dotenvText, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { startFakeSync, type FakeSync } from '../helpers/fake-twilio/sync-stand-in';
import { send } from '../helpers/http';
import { makeKey, signIdToken, type TestKey } from '../helpers/oidc-keys';
import { runCliAsync } from '../helpers/run-cli';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const AUDIENCE = 'browser-app';
const USERS = ['alice', 'bob'];
let credentials: TestCredentials;
let sync: FakeSync;
let provider: FakeOidcProvider;
let key: TestKey;
let a: RunningServer;
let b: RunningServer;
let workDir: string;
const savedCa = process.env.NODE_EXTRA_CA_CERTS;

beforeAll(async () => {
  credentials = newCredentials(USERS);
  key = await makeKey('ES256', 'es-1');
  provider = await startFakeOidcProvider({ keys: [key.jwk] });
  sync = await startFakeSync({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
  });
  process.env.NODE_EXTRA_CA_CERTS = sync.env.NODE_EXTRA_CA_CERTS;
  const env = await environmentFor(credentials, {
    THROTTLE_SYNC_SERVICE_SID: sync.credentials.serviceSid,
    HTTP_PROXY: sync.env.HTTP_PROXY,
    OIDC_ISSUER: provider.issuer,
    OIDC_AUDIENCE: AUDIENCE,
    // Beside Basic users and a shared secret, identity-provider users are told apart by a prefix (issue 22).
    OIDC_IDENTITY_PREFIX: 'idp:',
  });
  workDir = mkdtempSync(join(tmpdir(), 'revoke-'));
  writeFileSync(join(workDir, '.env'), dotenvText(env), { mode: 0o600 });
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await sync?.stop();
  await provider?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (savedCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
  else process.env.NODE_EXTRA_CA_CERTS = savedCa;
});

afterEach(() => sync.api.resetBehaviour());

/** The operator's run: credentials in the environment (never argv), the project's env file named. */
function revoke(...args: string[]) {
  return runCliAsync('revoke', [...args, '--env', join(workDir, '.env')], {
    cwd: workDir,
    env: { ...process.env, ...sync.env, TWILIO_API_KEY: credentials.apiKeySid, TWILIO_API_SECRET: credentials.apiKeySecret },
  });
}

type Caller = { kind: 'basic'; name: string } | { kind: 'secret'; identity: string } | { kind: 'oidc'; jwt: string };

async function ask(server: RunningServer, caller: Caller) {
  const call =
    caller.kind === 'basic'
      ? { headers: { authorization: basicHeader(caller.name, credentials.passwords[caller.name]!) }, json: {} }
      : caller.kind === 'secret'
        ? { headers: { authorization: `Bearer ${credentials.sharedSecret}` }, json: { identity: caller.identity } }
        : { headers: { authorization: `Bearer ${caller.jwt}` }, json: {} };
  const answer = await send(`${server.url}/token`, call);
  return { status: answer.status, code: answer.json?.error?.code as string | undefined, token: answer.json?.token as string | undefined };
}

/** Asks every 100 ms until the server answers `status`; resolves with the ms it took, or rejects after `limitMs`. */
async function msUntil(server: RunningServer, caller: Caller, status: number, limitMs: number, since = Date.now()): Promise<number> {
  for (;;) {
    const answer = await ask(server, caller);
    if (answer.status === status) return Date.now() - since;
    if (Date.now() - since > limitMs) throw new Error(`still ${answer.status} ${answer.code ?? ''} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function logLines(server: RunningServer, event: string): Array<Record<string, unknown>> {
  return server
    .output()
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
}

/**
 * The log lines of `event`, once one matching `awaited` has arrived after `since` (an earlier output().length): a
 * line is written before the answer, but reaches this process through a pipe, so it can arrive after the answer does.
 */
async function logLinesOnce(server: RunningServer, event: string, awaited: RegExp, since: number): Promise<Array<Record<string, unknown>>> {
  await server.waitForOutput((line) => line.includes(`"event":"${event}"`) && awaited.test(line), { since });
  return logLines(server, event);
}

/** /health's revocations once `ok(report)` holds, polled every 200 ms; /health's copy is as stale as any (≤ 5 s). */
async function healthWithin(server: RunningServer, ok: (report: { sync: string; active: number }) => boolean, limitMs: number) {
  const since = Date.now();
  for (;;) {
    const report = (await send(`${server.url}/health`, { method: 'GET' })).json.revocations;
    if (ok(report)) return report;
    if (Date.now() - since > limitMs) throw new Error(`/health still says ${JSON.stringify(report)} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const alice: Caller = { kind: 'basic', name: 'alice' };
const bob: Caller = { kind: 'basic', name: 'bob' };
const measured: Record<string, number> = {};

describe('revoke, then lift, across two instances', () => {
  let preRevocationJwt: string;

  it('before: every caller gets a token on both instances, and /health counts no revocation', async () => {
    preRevocationJwt = await signIdToken(key, provider.issuer, AUDIENCE, { sub: 'carol' });
    for (const server of [a, b]) {
      for (const caller of [
        alice,
        bob,
        { kind: 'secret', identity: 'dave' } as Caller,
        { kind: 'oidc', jwt: preRevocationJwt } as Caller,
      ]) {
        expect((await ask(server, caller)).status).toBe(200);
      }
      const health = await send(`${server.url}/health`, { method: 'GET' });
      expect(health.json.revocations).toEqual({ sync: 'ok', active: 0 });
    }
  }, 30_000);

  it('a Basic user is refused on both instances within 5 s of revoke; others still get tokens', async () => {
    const run = await revoke('alice', '--reason', 'laptop stolen');
    expect(run).toMatchObject({ status: 0 });
    expect(run.stdout).toMatch(/revoked alice until lifted \(4 of 4 replica Maps/);
    // TOKEN_MAX_TTL is the default 3600 s here: the tokens issued before can be used for another hour at most.
    expect(run.stdout).toMatch(
      /tokens issued before now can still be used until \S+ at the latest \(the longest lifetime in force, 3600 s\)/,
    );
    expect(run.stdout).toMatch(
      /sessions already open stay open \(Video rooms, Conversations, TaskRouter\): npm run revoke -- alice --evict ends them/,
    );
    // The identity-provider sign-in of the same person is another identity; the operator is told which.
    expect(run.stdout).toMatch(/identity-provider users are idp:NAME here: if alice also signs in that way, npm run revoke -- idp:alice/);
    const since = Date.now();
    const [onA, onB] = await Promise.all([msUntil(a, alice, 403, 5_000, since), msUntil(b, alice, 403, 5_000, since)]);
    measured['basic on a'] = onA;
    measured['basic on b'] = onB;
    for (const server of [a, b]) {
      expect(await ask(server, alice)).toEqual({ status: 403, code: 'identity_revoked', token: undefined });
      const beforeBob = server.output().length;
      const other = await ask(server, bob);
      expect(other.status).toBe(200);
      expect((await verifyTwilioToken(other.token!, credentials.apiKeySecret)).claims.grants?.identity).toBe('bob');
      // bob's line comes after alice's refusal: once it is in, the refusal is the line before it.
      const refusal = (await logLinesOnce(server, 'token_request', /"identity":"bob"/, beforeBob)).at(-2)!;
      expect(refusal).toMatchObject({ outcome: 'refused', status: 403, code: 'identity_revoked', scheme: 'basic', identity: 'alice' });
      expect(JSON.stringify(refusal)).not.toContain(credentials.passwords['alice']!);
    }
    // Every replica holds it, keyed by a hash; one write per replica, and no instance ever wrote to the list.
    const names = sync.api.mapNames().filter((name) => name.startsWith('token-service-revocations-'));
    expect(names.sort()).toEqual(['0', '1', '2', '3'].map((n) => `token-service-revocations-${n}`));
    for (const name of names) {
      const [itemKey, data] = [...sync.api.itemsOf(name)][0]!;
      expect(itemKey).toMatch(/^[0-9a-f]{64}$/);
      expect(data).toMatchObject({ i: 'alice', r: 'laptop stolen' });
    }
    expect(sync.api.requests().filter((r) => r.map?.startsWith('token-service-revocations-') && r.method !== 'GET')).toHaveLength(4);
  }, 30_000);

  it('a shared-secret caller asking for a revoked identity, and an OIDC subject, are refused on both', async () => {
    expect((await revoke('dave', '--for', '1h')).status).toBe(0);
    // The OIDC subject carol is the Twilio identity idp:carol: that is what is revoked.
    const carolRevoked = await revoke('idp:carol');
    expect(carolRevoked.status).toBe(0);
    expect(carolRevoked.stdout).not.toMatch(/identity-provider users are/);
    const since = Date.now();
    const dave: Caller = { kind: 'secret', identity: 'dave' };
    const carol: Caller = { kind: 'oidc', jwt: preRevocationJwt };
    const times = await Promise.all(
      [a, b].flatMap((server) => [msUntil(server, dave, 403, 5_000, since), msUntil(server, carol, 403, 5_000, since)]),
    );
    [measured['secret on a'], measured['oidc on a'], measured['secret on b'], measured['oidc on b']] = times;
    for (const server of [a, b]) {
      expect(await ask(server, dave)).toMatchObject({ status: 403, code: 'identity_revoked' });
      expect(await ask(server, carol)).toMatchObject({ status: 403, code: 'identity_revoked' });
      // Another identity through the same secret, and the NFC form: "dave" spelled otherwise is not another person.
      expect((await ask(server, { kind: 'secret', identity: 'erin' })).status).toBe(200);
    }
  }, 30_000);

  it('/health and --list count and name them for the operator; /health never names them', async () => {
    for (const server of [a, b]) {
      await healthWithin(server, (report) => report.active === 3, 5_000);
      const health = await send(`${server.url}/health`, { method: 'GET' });
      expect(health.status).toBe(200);
      expect(health.json.revocations).toEqual({ sync: 'ok', active: 3 });
      expect(health.text).not.toMatch(/alice|carol|dave/);
    }
    const list = await revoke('--list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/3 revocation\(s\) in force/);
    expect(list.stdout).toMatch(/alice {2}revoked \S+ {2}until lifted {2}reason: laptop stolen/);
    expect(list.stdout).toMatch(/dave {2}revoked \S+ {2}until \d{4}-/);
    expect(list.stdout).not.toContain(credentials.apiKeySecret);
  });

  it('--lift brings Basic and shared-secret tokens back on both; the OIDC token issued before the lift stays refused', async () => {
    for (const identity of ['alice', 'dave', 'idp:carol']) {
      const run = await revoke('--lift', identity);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`lifted ${identity}`));
    }
    const since = Date.now();
    await Promise.all(
      [a, b].flatMap((server) => [
        msUntil(server, alice, 200, 5_000, since),
        msUntil(server, { kind: 'secret', identity: 'dave' }, 200, 5_000, since),
      ]),
    );
    // A token the provider signs after the lift is accepted; the one from before stays refused, on both.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = await signIdToken(key, provider.issuer, AUDIENCE, { sub: 'carol' });
    for (const server of [a, b]) {
      expect(await ask(server, { kind: 'oidc', jwt: preRevocationJwt })).toMatchObject({ status: 403, code: 'identity_revoked' });
      expect((await ask(server, { kind: 'oidc', jwt: fresh })).status).toBe(200);
      expect(await healthWithin(server, (report) => report.active === 0, 5_000)).toEqual({ sync: 'ok', active: 0 });
    }
  }, 30_000);

  it('--lift of an identity that is not revoked says so, changes nothing and exits 0', async () => {
    const before = sync.api.requests().filter((r) => r.method !== 'GET').length;
    const run = await revoke('--lift', 'nobody-revoked');
    expect(run).toMatchObject({ status: 0 });
    expect(run.stdout).toMatch(/nobody-revoked is not revoked; nothing to lift/);
    expect(sync.api.requests().filter((r) => r.method !== 'GET').length).toBe(before);
  });

  afterAll(() => {
    // The figures the report gives: ms from the end of `npm run revoke` to the first refusal, per instance.
    process.stdout.write(`revoke-to-refusal ms: ${JSON.stringify(measured)}\n`);
  });
});

describe('Sync slow or down: never a 5xx; the last list read decides; the log and /health say so', () => {
  it('keeps refusing a revoked identity and issuing the others while Sync drops every connection', async () => {
    expect((await revoke('mallory-sock')).status).toBe(0);
    const sockPuppet: Caller = { kind: 'secret', identity: 'mallory-sock' };
    await Promise.all([a, b].map((server) => msUntil(server, sockPuppet, 403, 5_000)));
    // /health keeps its own copy (deployed, it may run in another process than /token): let it read the list too.
    for (const server of [a, b]) await healthWithin(server, (report) => report.active === 1, 5_000);
    const dropped = new Map([a, b].map((server) => [server, server.output().length]));
    sync.api.behaviour.dropConnections = true;
    // Past the staleness bound: the copy can no longer be refreshed.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    for (const server of [a, b]) {
      const refused = await ask(server, sockPuppet);
      expect(refused).toMatchObject({ status: 403, code: 'identity_revoked' });
      const beforeBob = server.output().length;
      expect((await ask(server, bob)).status).toBe(200);
      const lines = await logLinesOnce(server, 'token_request', /"status":200/, beforeBob);
      expect(lines.at(-1)).toMatchObject({ status: 200, revocations: 'stale' });
      const health = await send(`${server.url}/health`, { method: 'GET' });
      expect(health.status).toBe(200);
      expect(health.json.revocations).toMatchObject({ sync: 'degraded', active: 1 });
      const changes = await logLinesOnce(server, 'revocations', /"sync":"degraded"/, dropped.get(server)!);
      expect(changes.at(-1)).toMatchObject({ sync: 'degraded', active: 1 });
    }
    sync.api.behaviour.dropConnections = false;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (const server of [a, b]) {
      await ask(server, bob);
      expect(await healthWithin(server, (report) => report.sync === 'ok', 5_000)).toEqual({ sync: 'ok', active: 1 });
    }
    expect((await revoke('--lift', 'mallory-sock')).status).toBe(0);
  }, 40_000);

  it('a slow Sync (latency past the 500 ms budget) delays a stale instance by at most the budget and never fails', async () => {
    sync.api.behaviour.latencyMs = 2_000;
    await new Promise((resolve) => setTimeout(resolve, 4_100));
    const answers = await Promise.all([a, b].map((server) => ask(server, bob)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
  }, 20_000);
});

describe('a Sync Service whose revocation Maps do not exist yet', () => {
  it.each([54200, 20404] as const)(
    'revoke creates them when a missing Map is answered with %i; instances read none as empty',
    async (code) => {
      sync.api.removeAllMaps();
      sync.api.behaviour.missingMapCode = code;
      await new Promise((resolve) => setTimeout(resolve, 4_100));
      expect((await ask(a, bob)).status).toBe(200);
      expect((await revoke('bob')).status).toBe(0);
      await msUntil(a, bob, 403, 5_000);
      expect(sync.api.mapNames().filter((name) => name.startsWith('token-service-revocations-'))).toHaveLength(4);
      expect((await revoke('--lift', 'bob')).status).toBe(0);
      await msUntil(a, bob, 200, 5_000);
    },
    30_000,
  );
});
