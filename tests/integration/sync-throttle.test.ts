/**
 * THROTTLE_SYNC_SERVICE_SID through two real twilio-run instances sharing one Sync stand-in, which their
 * twilio-node reaches the way it reaches sync.twilio.com (HTTP_PROXY, TLS from a CA made for this run).
 * Failures split across the instances lock the name on both; conflicts and 429 are handled; a slow, failing
 * or unreachable Sync falls back to each instance's own counts, never a 5xx and never a token without the
 * right password, and the log line and /health say Sync is degraded.
 */
import { PROBE_MEMO_MS } from '../../src/lib/endpoints/health-report';
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { startFakeSync, type FakeSync } from '../helpers/fake-twilio/sync-stand-in';
import { send } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan'];
let credentials: TestCredentials;
let sync: FakeSync;
let a: RunningServer;
let b: RunningServer;
const savedCa = process.env.NODE_EXTRA_CA_CERTS;

beforeAll(async () => {
  credentials = newCredentials(USERS);
  sync = await startFakeSync({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
  });
  // twilio-run hands the .env keys to functions as process.env (twilio-node reads HTTP_PROXY there); the CA must be
  // in the server process's own environment, read when Node starts.
  process.env.NODE_EXTRA_CA_CERTS = sync.env.NODE_EXTRA_CA_CERTS;
  const env = await environmentFor(credentials, {
    THROTTLE_SYNC_SERVICE_SID: sync.credentials.serviceSid,
    HTTP_PROXY: sync.env.HTTP_PROXY,
  });
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
  // The readiness check's request logged a line too: the sign-ins' lines are counted from after it.
  for (const server of [a, b]) {
    await server.waitForOutput(/"event":"token_request"/);
    signIns.set(server, { since: server.output().length, count: 0 });
  }
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await sync?.stop();
  if (savedCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
  else process.env.NODE_EXTRA_CA_CERTS = savedCa;
});

afterEach(() => sync.api.resetBehaviour());

/** How many sign-ins each server answered since `since` in its output: each printed one token_request line. */
const signIns = new Map<RunningServer, { since: number; count: number }>();

async function signIn(server: RunningServer, name: string, password: string) {
  signIns.get(server)!.count += 1;
  const answer = await send(`${server.url}/token`, { headers: { authorization: basicHeader(name, password) }, json: {} });
  return { status: answer.status, retryAfter: answer.headers['retry-after'], token: answer.json?.token as string | undefined };
}

/** The token_request log lines a server printed, newest last, once the line of its latest sign-in has arrived. */
async function logLines(server: RunningServer): Promise<Array<Record<string, unknown>>> {
  await server.waitForOutput(/"event":"token_request"/, signIns.get(server));
  return server
    .output()
    .split('\n')
    .filter((line) => line.includes('"event":"token_request"'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
}
const lastLog = async (server: RunningServer) => (await logLines(server)).at(-1)!;

const lastHealthAt = new Map<RunningServer, number>();
async function health(server: RunningServer) {
  lastHealthAt.set(server, Date.now());
  const answer = await send(`${server.url}/health`, { method: 'GET' });
  return { status: answer.status, throttle: answer.json.throttle };
}

/** /health once the instance's memo of its last Sync probe has expired, so it reports Sync as it answers now. */
async function freshHealth(server: RunningServer) {
  const wait = (lastHealthAt.get(server) ?? 0) + PROBE_MEMO_MS + 100 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return health(server);
}

describe('one budget across instances', () => {
  it('5 failures of a name split over two instances lock it on both, for a configured and an unknown name alike', async () => {
    const sequences: Record<string, Array<{ status: number; retryAfter: unknown }>> = {};
    for (const name of ['alice', 'mallory']) {
      const answers = [];
      for (const server of [a, b, a, b, a, b, a]) {
        const { status, retryAfter } = await signIn(server, name, 'a-wrong-password');
        // The lock runs 15 minutes from the first failure; each refusal before it took its 2 s deadline.
        answers.push({ status, retryAfter: retryAfter === undefined ? undefined : Number(retryAfter) > 870 ? '≈900' : retryAfter });
      }
      sequences[name] = answers;
    }
    expect(sequences['alice']!.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(sequences['alice']![5]!.retryAfter).toBe('≈900');
    expect(sequences['mallory']).toEqual(sequences['alice']);
    // The lock holds for the right password too, on the instance that saw only two of the failures.
    expect((await signIn(b, 'alice', credentials.passwords['alice']!)).status).toBe(429);
    // b's first 429 came from Sync's count (b itself had seen only two failures); later ones from what it adopted.
    expect((await logLines(b)).filter((line) => line.status === 429)[0]).toMatchObject({ code: 'too_many_attempts', throttle: 'sync' });
  }, 60_000);

  it('keeps names out of Sync: items are keyed by a keyed hash, spread over several Maps, and expire with the window', async () => {
    const keys = sync.api.mapNames().flatMap((map) => [...sync.api.itemsOf(map).keys()]);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(sync.api.mapNames().every((map) => map.startsWith('token-service-throttle-'))).toBe(true);
    const items = sync.api.mapNames().flatMap((map) => [...sync.api.itemsOf(map).values()]) as Array<{ f: number; s: number }>;
    expect(items.some((item) => item.f === 5)).toBe(true);
    for (const map of sync.api.mapNames()) {
      for (const key of sync.api.itemsOf(map).keys()) {
        const { s } = sync.api.itemsOf(map).get(key) as { s: number };
        // ItemTtl is what is left of the name's 15-minute window, rounded up to whole seconds.
        expect(sync.api.expiryOf(map, key)! - (s + 15 * 60_000)).toBeGreaterThanOrEqual(0);
        expect(sync.api.expiryOf(map, key)! - (s + 15 * 60_000)).toBeLessThan(5_000);
      }
    }
  });

  it('parallel failures on both instances conflict in Sync (54208/54205), are retried, and every one is counted', async () => {
    const before = sync.api.requests().length;
    // Two rounds of one attempt per instance at once: each instance checks one password at a time and sheds an attempt
    // it could not check before the 2 s refusal deadline (issue 22), which two at once on a loaded host can be.
    const answers = [];
    for (let round = 0; round < 2; round++) {
      answers.push(...(await Promise.all([a, b].map((server, i) => signIn(server, 'bob', `wrong-${round}-${i}`)))));
    }
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    const conflicts = sync.api
      .requests()
      .slice(before)
      .filter((request) => request.code === 54208 || request.code === 54205);
    expect(conflicts.length).toBeGreaterThan(0);
    // Four counted: one more failure locks bob on either instance.
    expect((await signIn(a, 'bob', 'wrong-5')).status).toBe(401);
    expect((await signIn(b, 'bob', credentials.passwords['bob']!)).status).toBe(429);
  });

  it('a right password signs in and clears the name’s shared count', async () => {
    expect((await signIn(a, 'carol', 'wrong')).status).toBe(401);
    const signedIn = await signIn(b, 'carol', credentials.passwords['carol']!);
    expect(signedIn.status).toBe(200);
    expect(signedIn.token).toEqual(expect.any(String));
    expect(await lastLog(b)).toMatchObject({ status: 200, throttle: 'sync' });
    const items = sync.api.mapNames().flatMap((map) => [...sync.api.itemsOf(map).values()]) as Array<{ f: number }>;
    expect(items.filter((item) => item.f === 1)).toHaveLength(0);
  });

  it('/health reports Sync as ok while it answers', async () => {
    expect(await health(a)).toEqual({ status: 200, throttle: { store: 'sync', sync: 'ok' } });
  });

  it('a flood of the public /health makes at most one Sync read per instance in 10 s', async () => {
    const before = sync.api.requests().length;
    for (let i = 0; i < 50; i++) expect((await health(a)).status).toBe(200);
    expect(sync.api.requests().length - before).toBeLessThanOrEqual(1);
  });
});

describe('a Service whose throttle Maps do not exist yet', () => {
  // Twilio documents 54200 for a missing Map, but a write under a missing Map's path may come back as the generic
  // 404/20404: the instances must create the Map and retry on either answer, or their counts never add up.
  it.each([
    [54200, 'heidi'],
    [20404, 'ivan'],
  ] as const)(
    'answered with %i: 3 wrong passwords on one instance and 3 on the other lock the name on both',
    async (missingMapCode, user) => {
      sync.api.removeAllMaps();
      sync.api.behaviour.missingMapCode = missingMapCode;
      const statuses = [];
      for (const server of [a, a, a, b, b, b]) statuses.push((await signIn(server, user, `wrong-${statuses.length}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      expect((await signIn(a, user, credentials.passwords[user]!)).status).toBe(429);
      expect((await signIn(b, user, credentials.passwords[user]!)).status).toBe(429);
      expect(sync.api.mapNames().length).toBeGreaterThan(0);
      expect(await health(b)).toEqual({ status: 200, throttle: { store: 'sync', sync: 'ok' } });
    },
    60_000,
  );
});

describe('when Sync is not well', () => {
  // The 429 case runs last: a Map that answered 429 backs off for a while, which would be the next case's reason.
  it.each([
    ['fails with 503', 'dave', () => (sync.api.behaviour.failWith = 503), /sync_failed/],
    ['is slow (1.5 s a call)', 'erin', () => (sync.api.behaviour.latencyMs = 1500), /no answer within 300 ms/],
    ['drops every connection', 'frank', () => (sync.api.behaviour.dropConnections = true), /./],
    [
      'answers 429 (too many requests)',
      'grace',
      () => (sync.api.behaviour.tooManyRequestsUntil = Date.now() + 60_000),
      /too_many_requests/,
    ],
  ])(
    '%s: the instance’s own counts decide, no 5xx, no token without the password, degraded in the log and /health',
    async (_what, user, breakSync, reason) => {
      breakSync();
      const wrong = await signIn(a, user, 'wrong-while-degraded');
      expect(wrong.status).toBe(401);
      expect(wrong.token).toBeUndefined();
      expect(await lastLog(a)).toMatchObject({ status: 401, throttle: 'sync_degraded' });
      const right = await signIn(a, user, credentials.passwords[user]!);
      expect(right.status).toBe(200);
      // The previous case's probe may still be remembered (one Sync read per instance and 10 s): wait it out.
      const report = await freshHealth(a);
      expect(report.status).toBe(200);
      expect(report.throttle).toEqual({ store: 'sync', sync: 'degraded', reason: expect.stringMatching(reason) });
      // Credentials this instance verified lately never wait for the throttle's Sync: answered without a call to its Maps
      // (the revocation list is read at most once per 2.5 s per instance, whatever the sign-in; see revocation.test.ts).
      const throttleCalls = () => sync.api.requests().filter((request) => !request.map?.startsWith('token-service-revocations-')).length;
      const calls = throttleCalls();
      expect((await signIn(a, user, credentials.passwords[user]!)).status).toBe(200);
      expect(throttleCalls()).toBe(calls);
    },
    30_000,
  );

  it('the local counts still lock a name while Sync is down, and every answer is 401 or 429', async () => {
    sync.api.behaviour.failWith = 500;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(b, 'nobody-while-down', `wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});
