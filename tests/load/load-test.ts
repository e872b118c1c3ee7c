/**
 * Bounded load test on loopback: the real twilio-run (--no-fork-process --no-live) serving dist/, N
 * keep-alive connections for D seconds, a fixed mix of valid and invalid requests. Fails (exit 1)
 * unless every valid request got 200 with a token that jose verifies, every invalid one its
 * documented status, there were no errors or timeouts, and the server's RSS stayed flat.
 *
 * npm run test:load                       60 s, 50 connections
 * npm run test:load -- --duration 15      the CI version (npm run test:load:ci)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { basicHeader, environmentFor, newCredentials } from '../helpers/fixtures';
import { JWT_SHAPE } from '../helpers/token-verifier';
import { findProjectRoot, startServer } from '../helpers/twilio-run-server';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}
const DURATION_S = Math.min(option('duration', 60), 600);
const CONNECTIONS = Math.min(option('connections', 50), 200);
/** A hard cap on requests whatever the speed: the loop is bounded in time and in count. */
const MAX_REQUESTS = DURATION_S * 5_000;
/** Twilio ends a Function after 10 s, so no answer may take longer here either. */
const REQUEST_TIMEOUT_MS = 10_000;
const WARM_UP_MS = 5_000;
/**
 * Flat memory: V8's heap grows to a steady size in the first seconds under load (~+50 MB here), so
 * the end of the run may exceed the peak of its first half by at most this much (a leak of even 1 kB
 * a request would add over 30 MB in a 60 s half)...
 */
const MAX_SECOND_HALF_GROWTH_MB = 20;
/** ...and the end may exceed the level after warm-up by at most this much. */
const MAX_TOTAL_GROWTH_MB = 100;

const ORIGIN = 'https://app.example';
const credentials = newCredentials(['alice', 'eve']);

interface Kind {
  readonly name: string;
  readonly expect: readonly number[];
  readonly method?: string;
  /** Default `/token`. */
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The identity a valid request's token must carry. */
  readonly identity?: string;
}

const bearer = { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' };
const MIX: Kind[] = [
  { name: 'valid bearer', expect: [200], headers: bearer, body: '{"identity":"load-user","ttl":600}', identity: 'load-user' },
  {
    name: 'valid bearer, allowed origin, form',
    expect: [200],
    headers: { ...bearer, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'identity=form-user&grants=video',
    identity: 'form-user',
  },
  {
    name: 'valid basic (cached)',
    expect: [200],
    headers: { authorization: basicHeader('alice', credentials.passwords.alice!), 'content-type': 'application/json' },
    body: '{}',
    identity: 'alice',
  },
  {
    name: 'wrong bearer',
    expect: [401],
    headers: { ...bearer, authorization: `Bearer ${credentials.sharedSecret.slice(1)}x` },
    body: '{"identity":"a"}',
  },
  { name: 'no credentials', expect: [401], headers: { 'content-type': 'application/json' }, body: '{}' },
  { name: 'bad ttl', expect: [400], headers: bearer, body: '{"identity":"a","ttl":"600"}' },
  { name: 'bad identity', expect: [400], headers: bearer, body: '{"identity":"a\\u0000"}' },
  { name: 'origin not allowed', expect: [403], headers: { ...bearer, origin: 'https://evil.example' }, body: '{"identity":"a"}' },
  {
    name: 'GET (body-less: a POST of its query fields)',
    expect: [200],
    method: 'GET',
    path: '/token?identity=get-user',
    headers: { authorization: bearer.authorization },
    identity: 'get-user',
  },
  { name: 'text/plain', expect: [415], headers: { ...bearer, 'content-type': 'text/plain' }, body: 'identity=a' },
];
/**
 * Wrong passwords run on lanes of their own: every Basic refusal waits for its fixed deadline (2 s, so that its
 * time tells nothing about the name), and in the round-robin above each connection would spend most of the run
 * waiting on them: the hot path would see a tenth of the load and the heap would not reach its steady size.
 * The first 5 failures for eve are checked with scrypt (401); the throttle answers the rest (429).
 */
const WRONG_PASSWORD: Kind = {
  name: 'wrong basic password',
  expect: [401, 429],
  headers: { authorization: basicHeader('eve', 'not-her-password'), 'content-type': 'application/json' },
  body: '{}',
};
const REFUSAL_LANES = 5;

interface Outcome {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS + REFUSAL_LANES });

function send(url: string, kind: Kind): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...kind.headers };
    if (kind.body !== undefined) headers['content-length'] = Buffer.byteLength(kind.body);
    const req = request(
      `${url}${kind.path ?? '/token'}`,
      { method: kind.method ?? 'POST', headers, agent, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(kind.body);
  });
}

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : NaN;
}

async function main(): Promise<void> {
  const root = findProjectRoot(__dirname);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
  const env = await environmentFor(credentials, { TOKEN_GRANTS: 'video', ALLOWED_ORIGINS: ORIGIN, TOKEN_MAX_TTL: '3600' });
  const server = await startServer(env);
  const failures: string[] = [];
  const statuses = new Map<string, Map<number, number>>();
  const issued: string[] = [];
  let requests = 0;
  let errors = 0;
  let eve401 = 0;
  const rssSamples: { t: number; mb: number }[] = [];
  const key = new TextEncoder().encode(credentials.apiKeySecret);
  try {
    const rssAtStart = rssMb(server.pid);
    // Warm-up (5 s of the whole mix on every connection): JIT, alice's first scrypt, and V8's heap grown to the size
    // this load keeps it at; then the RSS baseline. (With a lighter warm-up a 15 s run ends while the heap is still
    // growing to that size, which reads as a leak; 60 s runs show it level off.)
    const warmUntil = Date.now() + WARM_UP_MS;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, connection) => {
        for (let i = connection; Date.now() < warmUntil; i += CONNECTIONS) await send(server.url, MIX[i % MIX.length]!);
      }),
    );
    const rssAfterWarmUp = rssMb(server.pid);
    const started = Date.now();
    const deadline = started + DURATION_S * 1000;
    const sampler = setInterval(() => rssSamples.push({ t: Math.round((Date.now() - started) / 1000), mb: rssMb(server.pid) }), 1000);

    const worker = async (offset: number, kindAt: (i: number) => Kind) => {
      for (let i = offset; Date.now() < deadline && requests < MAX_REQUESTS; i += CONNECTIONS) {
        const kind = kindAt(i);
        requests++;
        let outcome: Outcome;
        try {
          outcome = await send(server.url, kind);
        } catch (error) {
          errors++;
          if (errors <= 5) failures.push(`${kind.name}: ${(error as Error).message}`);
          continue;
        }
        const byStatus = statuses.get(kind.name) ?? new Map<number, number>();
        byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
        statuses.set(kind.name, byStatus);
        if (!kind.expect.includes(outcome.status)) {
          if (failures.length < 20) failures.push(`${kind.name}: status ${outcome.status} ${outcome.text.slice(0, 120)}`);
          continue;
        }
        if (kind.name === 'wrong basic password' && outcome.status === 401) eve401++;
        if (outcome.status !== 200) {
          if (JWT_SHAPE.test(outcome.text)) failures.push(`${kind.name}: a refusal carried a token`);
          continue;
        }
        const body = JSON.parse(outcome.text) as { token: string; identity: string };
        issued.push(body.token);
        try {
          const { payload } = await jwtVerify(body.token, key, { algorithms: ['HS256'] });
          if ((payload.grants as { identity?: string }).identity !== kind.identity || body.identity !== kind.identity) {
            failures.push(`${kind.name}: token for the wrong identity`);
          }
        } catch (error) {
          failures.push(`${kind.name}: token did not verify: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all([
      ...Array.from({ length: CONNECTIONS }, (_, offset) => worker(offset, (i) => MIX[i % MIX.length]!)),
      ...Array.from({ length: REFUSAL_LANES }, (_, offset) => worker(offset, () => WRONG_PASSWORD)),
    ]);
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rssAtEnd = rssMb(server.pid);

    if (errors > 0) failures.push(`${errors} errors or timeouts`);
    if (eve401 !== 5) failures.push(`wrong basic password: ${eve401} answers of 401; the throttle should allow exactly 5`);
    const firstHalfPeak = Math.max(rssAfterWarmUp, ...rssSamples.filter((sample) => sample.t <= DURATION_S / 2).map((sample) => sample.mb));
    if (rssAtEnd - firstHalfPeak > MAX_SECOND_HALF_GROWTH_MB)
      failures.push(`RSS grew ${(rssAtEnd - firstHalfPeak).toFixed(1)} MB in the second half`);
    if (rssAtEnd - rssAfterWarmUp > MAX_TOTAL_GROWTH_MB) failures.push(`RSS grew ${(rssAtEnd - rssAfterWarmUp).toFixed(1)} MB in all`);
    // Each issued token has its line: once they are all in, the tokens' and secrets' absence means something.
    await server
      .waitForOutput(/"outcome":"issued"/, { count: issued.length, timeoutMs: 30_000 })
      .catch((error: Error) => failures.push(`not every issued token's log line arrived: ${error.message.split('\n')[0]}`));
    const output = server.output();
    const logLines = output.split('\n').filter((line) => line.startsWith('{"event":"token_request"')).length;
    for (const secret of [credentials.apiKeySecret, credentials.sharedSecret, ...Object.values(credentials.passwords)]) {
      if (output.includes(secret)) failures.push('a secret appeared in the server output');
    }
    if (JWT_SHAPE.test(output) || /\$scrypt\$/.test(output)) failures.push('a token or hash appeared in the server output');

    const summary = {
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      refusalLanes: REFUSAL_LANES,
      requests,
      requestsPerSecond: Math.round(requests / elapsed),
      tokensIssuedAndVerified: issued.length,
      errorsOrTimeouts: errors,
      statusesByKind: Object.fromEntries([...statuses].map(([name, byStatus]) => [name, Object.fromEntries(byStatus)])),
      serverLogLines: logLines,
      rssMb: {
        start: rssAtStart,
        afterWarmUp: rssAfterWarmUp,
        firstHalfPeak,
        peak: Math.max(...rssSamples.map((sample) => sample.mb)),
        end: rssAtEnd,
        every5s: rssSamples.filter((sample) => sample.t % 5 === 0).map((sample) => sample.mb),
      },
      failures,
    };
    console.log(JSON.stringify({ ...summary, statusesByKind: undefined }, null, 2));
    for (const [name, byStatus] of Object.entries(summary.statusesByKind)) console.log(`  ${name}: ${JSON.stringify(byStatus)}`);
  } finally {
    agent.destroy();
    await server.stop();
  }
  if (failures.length > 0) {
    console.error(`load test FAILED: ${failures.length} problem(s)`);
    process.exit(1);
  }
  console.log('load test passed');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
