// What `npm run bench` measures: named cases per section, and the ratios between them.
// Adding a row is adding one entry to a list below; bench/run.mjs runs whatever is listed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLockoutAttack } from './lib/brute-force.mjs';
import { measureFirstTokenMs, measureNaiveFirstTokenMs } from './lib/cold-start.mjs';
import { expectSuccess, loadFunction } from './lib/function-harness.mjs';
import { roundRatio } from './lib/in-process.mjs';
import { naiveMinter, rawHmacMinter } from './lib/reference-minters.mjs';
import { hasFlaskReference, startFlaskReference, startTwilioRun } from './lib/servers.mjs';
import { startSyncStandIn } from './lib/sync-stand-in.mjs';
import { writeEnvFile } from './lib/throwaway-credentials.mjs';

/** The built token function (produced by `npm run build`); rows that need it skip without it. */
const TOKEN_FUNCTION = fileURLToPath(new URL('../dist/functions/token.js', import.meta.url));
/** The same answer with none of the checks: what any handler that writes the log line reaches at best. */
const LEAST_HANDLER_FOLDER = 'bench/least-handler';
const LEAST_HANDLER = fileURLToPath(new URL('./least-handler/token.js', import.meta.url));

/** How long the Sync stand-in takes to answer each call in the sync-cold case: a round trip to Twilio's store. */
const SYNC_LATENCY_MS = 50;

/** Every case mints the same token shape: this identity, a video grant for this room, this TTL. */
const IDENTITY = 'bench-user';
export const ROOM = 'bench-room';
const TTL_SECONDS = 3600;

/** The handler's target against the raw-HMAC lower bound: within 3× of it (the ratio in Ratios, and the CI guard's base). */
export const HANDLER_PER_RAW_HMAC_TARGET = 1 / 3;

/** Thrown by a case's setup to skip its row with a reason instead of failing the run. */
export class Skip extends Error {}

function requireTokenFunction() {
  if (!existsSync(TOKEN_FUNCTION)) throw new Skip('dist/functions/token.js not built (run `npm run build`)');
  return TOKEN_FUNCTION;
}

/** The request the Twilio Function side answers (`creds` from bench/run.mjs). */
function functionRequest(creds) {
  return { body: { identity: IDENTITY }, headers: { authorization: `Bearer ${creds.sharedSecret}`, 'content-type': 'application/json' } };
}

/** Options for the reference minters in bench/lib/reference-minters.mjs. */
export function minterOptions(creds) {
  return {
    accountSid: creds.accountSid,
    apiKeySid: creds.apiKeySid,
    apiKeySecret: creds.apiKeySecret,
    identity: IDENTITY,
    room: ROOM,
    ttlSeconds: TTL_SECONDS,
  };
}

/**
 * Section 1, in-process throughput. `setup(creds)` returns the function to call repeatedly
 * (sync or async; the meter awaits promises). The cases run side by side in rounds, in a child process whose
 * stdout is /dev/null (bench/lib/isolated-run.mjs); `alone: true` ones run after them, one at a time.
 */
export const inProcessCases = [
  { name: 'naive', what: 'new AccessToken + VideoGrant + toJwt()', setup: (creds) => naiveMinter(minterOptions(creds)) },
  { name: 'raw-hmac', what: 'JSON + createHmac only (lower bound)', setup: (creds) => rawHmacMinter(minterOptions(creds)) },
  { name: 'handler', what: 'built /token handler, shared secret (Bearer)', setup: (creds) => handlerCase(creds, functionRequest(creds)) },
  {
    name: 'least-handler',
    what: "bench/least-handler/token.js: the handler's token, headers and log line with none of its checks (the best a handler reaches)",
    setup: (creds) => leastHandlerCase(creds, functionRequest(creds)),
  },
  {
    name: 'basic-warm',
    what: 'built /token handler, Basic, credential already verified',
    setup: (creds) => handlerCase(creds, basicRequest(creds)),
  },
  {
    name: 'basic-cold',
    what: 'built /token handler, Basic, fresh instance each call (one scrypt)',
    // A few calls a second: measured on its own after the others, not in their rounds.
    alone: true,
    setup: (creds) => handlerCase(creds, basicRequest(creds), { freshInstanceEachCall: true }),
  },
];

function basicRequest(creds) {
  const authorization = `Basic ${Buffer.from(`${creds.basicUser}:${creds.basicPassword}`).toString('base64')}`;
  return { body: {}, headers: { authorization, 'content-type': 'application/json' } };
}

// The handler writes one JSON log line per request to stdout, as deployed: bench/run.mjs measures these cases in a
// child process whose stdout is /dev/null (bench/lib/isolated-run.mjs), so that write is timed with the rest.
async function handlerCase(creds, { body, headers }, { freshInstanceEachCall = false, file = requireTokenFunction() } = {}) {
  let invoke = loadFunction(file, creds.functionEnv);
  await expectSuccess(invoke, body, headers);
  // Every measured call must succeed too (a rate limit, say, would otherwise be timed as speed).
  return async function callHandler() {
    // A fresh module instance has an empty verified-credentials cache: what a cold instance pays.
    if (freshInstanceEachCall) invoke = loadFunction(file, creds.functionEnv, { fresh: true });
    const response = await invoke(body, headers);
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`handler answered ${response.statusCode} during the run`);
    return response;
  };
}

/**
 * The least handler's row, after checking that it answers exactly what the built handler answers (body and headers,
 * token bytes included; retried when a second boundary falls between the two calls): else the two are not comparable.
 */
async function leastHandlerCase(creds, request) {
  const handler = loadFunction(requireTokenFunction(), creds.functionEnv);
  const least = loadFunction(LEAST_HANDLER, creds.functionEnv);
  const answer = async (invoke) => JSON.stringify(await expectSuccess(invoke, request.body, request.headers));
  let same = false;
  for (let attempt = 0; attempt < 3 && !same; attempt++) same = (await answer(handler)) === (await answer(least));
  if (!same) throw new Error("the least handler's answer differs from the built handler's: the rows are not comparable");
  return handlerCase(creds, request, { file: LEAST_HANDLER });
}

/** Section 2, cold start: what `require()` of each costs a fresh Node process. */
export const coldStartCases = [
  { name: 'twilio', what: "require('twilio')", specifier: () => 'twilio' },
  { name: 'access-token', what: "require('twilio/lib/jwt/AccessToken')", specifier: () => 'twilio/lib/jwt/AccessToken' },
  { name: 'handler', what: 'require(dist/functions/token.js)', specifier: requireTokenFunction },
  {
    name: 'naive-first',
    what: "require AccessToken, then one toJwt() (the naive path's first token)",
    measure: (creds, options) => measureNaiveFirstTokenMs(minterOptions(creds), options),
  },
  {
    name: 'handler-first',
    what: 'require(dist/functions/token.js), then its first token request (what a cold instance pays)',
    measure: (creds, options) => {
      const { body, headers } = functionRequest(creds);
      const context = { ...creds.functionEnv, DOMAIN_NAME: 'localhost', PATH: '/token' };
      return measureFirstTokenMs(requireTokenFunction(), { context, event: { ...body, request: { headers, cookies: {} } } }, options);
    },
  },
];

/**
 * Section 3 and 4, end to end over HTTP with wrk, and each server's peak memory. `start(creds)`
 * resolves to a started server (bench/lib/servers.mjs); `request(creds)` is what every wrk
 * request sends.
 */
export const e2eTargets = [
  {
    name: 'twilio-run',
    what: 'built functions under twilio-run --no-fork-process --no-live',
    start: (creds) => {
      requireTokenFunction();
      return startTwilioRun({ envFile: creds.envFile });
    },
    request: (creds) => {
      const { body, headers } = functionRequest(creds);
      return { path: '/token', body: JSON.stringify(body), authorization: headers.authorization };
    },
  },
  {
    name: 'twilio-run-floor',
    what: "twilio-run's own floor: the same flags serving bench/floor-functions/token.js, which answers {}",
    start: (creds) => startTwilioRun({ envFile: creds.envFile, functionsFolder: 'bench/floor-functions' }),
    request: () => ({ path: '/token', body: '{}', authorization: '' }),
  },
  {
    name: 'twilio-run-least',
    what: `the same flags serving ${LEAST_HANDLER_FOLDER}/token.js, the handler's answer with none of its checks`,
    start: (creds) => startTwilioRun({ envFile: creds.envFile, functionsFolder: LEAST_HANDLER_FOLDER }),
    request: (creds) => {
      const { body, headers } = functionRequest(creds);
      return { path: '/token', body: JSON.stringify(body), authorization: headers.authorization };
    },
  },
  {
    name: 'flask',
    what: 'tutorial Flask server (Werkzeug threaded), bench/flask_reference.py',
    start: (creds) => {
      if (!hasFlaskReference()) throw new Skip('python3-flask / python3-twilio not installed');
      return startFlaskReference({
        accountSid: creds.accountSid,
        apiKeySid: creds.apiKeySid,
        apiKeySecret: creds.apiKeySecret,
        room: ROOM,
      });
    },
    request: () => ({ path: '/token', body: JSON.stringify({ username: IDENTITY, password: 'bench-password' }), authorization: '' }),
  },
];

/**
 * Section 5, brute force and Sync. `run(creds, settings)` resolves to the row's figures; `settings` come from the
 * profile in bench/run.mjs (`attack` and `syncCold`).
 */
export const throttleCases = [
  {
    name: 'lockout',
    what: "issue 14's collective lockout: default settings, 30 users; 100 wrong passwords over 20 names plus random names, then the other 10 sign in",
    run: (creds, settings) => runLockoutCase(creds, settings.attack),
  },
  {
    name: 'sync-cold',
    what: `built /token handler, Basic, fresh instance each call, with and without THROTTLE_SYNC_SERVICE_SID (stand-in at ${SYNC_LATENCY_MS} ms a call)`,
    run: (creds, settings) => runSyncColdCase(creds, settings.syncCold),
  },
  {
    name: 'revocations',
    what: `built /token handler, shared secret, with and without the revocation list (THROTTLE_SYNC_SERVICE_SID, stand-in at ${SYNC_LATENCY_MS} ms a call): warm, and after the cache expires (one list read)`,
    run: (creds, settings) => runRevocationCase(creds, settings.revocations),
  },
];

/** 30 users sharing one hash (one hash-password run; each is checked by its own scrypt all the same). */
async function runLockoutCase(creds, { wrongAttempts, randomAttempts, concurrency, budgetMs }) {
  requireTokenFunction();
  const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
  const phc = creds.functionEnv.AUTH_BASIC_USERS.slice(creds.functionEnv.AUTH_BASIC_USERS.indexOf(':') + 1);
  const dir = mkdtempSync(join(tmpdir(), 'token-bench-attack-'));
  const envFile = join(dir, '.env');
  const env = { ...creds.functionEnv, AUTH_BASIC_USERS: users.map((name) => `${name}:${phc}`).join(' ') };
  writeEnvFile(envFile, env);
  let server;
  try {
    server = await startTwilioRun({ envFile });
    const result = await runLockoutAttack({
      url: `${server.url}/token`,
      users,
      password: creds.basicPassword,
      wrongAttempts,
      randomAttempts,
      concurrency,
      budgetMs,
    });
    return { ...result, memory: await server.stop() };
  } catch (error) {
    await server?.stop();
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a measuring script (its URL, written out so that knip sees it) in a child process beside a Sync stand-in (Node reads NODE_EXTRA_CA_CERTS, the
 * stand-in's CA, only at start-up), hands it `settings` in the environment variable `settingsVariable`, and returns
 * its last stdout line as JSON. A child that was killed or ended without an answer is an error with the reason, so
 * its row says why instead of staying silent.
 */
async function measureInChild({ script, settingsVariable, settings, env, timeoutMs }) {
  const child = spawn(process.execPath, [fileURLToPath(script)], {
    env: { ...process.env, ...env, [settingsVariable]: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await new Promise((resolve) => child.once('exit', (...ended) => resolve(ended)));
  clearTimeout(killer);
  if (killed) throw new Error(`the measuring process took longer than ${timeoutMs / 1000} s and was stopped`);
  const lastLine = out.trim().split('\n').at(-1);
  if (!lastLine) throw new Error(`the measuring process ended (${signal ?? `exit ${code}`}) without an answer`);
  const results = JSON.parse(lastLine);
  if (results.error) throw new Error(results.error);
  return results;
}

/** The cold path with and without Sync, measured in a child process (measureInChild). */
async function runSyncColdCase(creds, profile) {
  const sync = await startSyncStandIn({ creds, latencyMs: SYNC_LATENCY_MS });
  try {
    const settings = {
      tokenFunction: requireTokenFunction(),
      functionEnv: creds.functionEnv,
      serviceSid: sync.serviceSid,
      basicUser: creds.basicUser,
      basicPassword: creds.basicPassword,
      profile,
    };
    const results = await measureInChild({
      script: new URL('./lib/basic-cold-measure.mjs', import.meta.url),
      settingsVariable: 'BENCH_COLD_SETTINGS',
      settings,
      env: sync.env,
      timeoutMs: 60_000,
    });
    return { syncLatencyMs: SYNC_LATENCY_MS, ...results };
  } finally {
    sync.stop();
  }
}

/** Minting with revocations on, warm and after the cache expires, in a child process (measureInChild). */
async function runRevocationCase(creds, profile) {
  const sync = await startSyncStandIn({ creds, latencyMs: SYNC_LATENCY_MS });
  try {
    const settings = {
      tokenFunction: requireTokenFunction(),
      functionEnv: creds.functionEnv,
      serviceSid: sync.serviceSid,
      sharedSecret: creds.sharedSecret,
      profile,
    };
    const results = await measureInChild({
      script: new URL('./lib/revocation-measure.mjs', import.meta.url),
      settingsVariable: 'BENCH_REVOCATION_SETTINGS',
      settings,
      env: sync.env,
      timeoutMs: 90_000,
    });
    return { syncLatencyMs: SYNC_LATENCY_MS, ...results };
  } finally {
    sync.stop();
  }
}

function ratio(numerator, denominator) {
  return typeof numerator === 'number' && typeof denominator === 'number' && denominator > 0 ? numerator / denominator : undefined;
}

// A server's peak memory only compares with another's if both went through the same load.
function loadedPeakRssKb(e2eResult) {
  return e2eResult?.requestsPerSec !== undefined ? e2eResult.memory?.peakRssKb : undefined;
}

/**
 * An in-process ratio: the median over the rounds of the two cases' rates per CPU second, measured side by side
 * (bench/lib/in-process.mjs); the ratio of the medians when the rounds were not kept.
 */
function inProcessRatio(r, numerator, denominator) {
  return (
    (r.inProcessRounds && roundRatio(r.inProcessRounds, numerator, denominator)) ??
    ratio(r.inProcess[numerator]?.opsPerSec, r.inProcess[denominator]?.opsPerSec)
  );
}

/** An end-to-end req/s ratio: the median of the per-round ratios (servers loaded in turn), else of the medians. */
function e2eRatio(r, numerator, denominator) {
  const rounds = r.e2eRounds?.perRound;
  if (rounds?.[numerator] && rounds?.[denominator]) return roundRatio({ perRound: rounds }, numerator, denominator, 'clock');
  return ratio(r.e2e[numerator]?.requestsPerSec, r.e2e[denominator]?.requestsPerSec);
}

/**
 * Target ratios; each is computed only when both sides were measured. `target` is how the report states it;
 * `meets` decides; entries without `meets` are reported only.
 */
export const ratios = [
  {
    name: 'handler/naive in-process ops/s',
    target: '>= 20',
    meets: (v) => v >= 20,
    of: (r) => inProcessRatio(r, 'handler', 'naive'),
  },
  {
    name: 'handler/raw-hmac in-process ops/s',
    target: `>= ${HANDLER_PER_RAW_HMAC_TARGET.toFixed(3)} (within 3x)`,
    meets: (v) => v >= HANDLER_PER_RAW_HMAC_TARGET,
    of: (r) => inProcessRatio(r, 'handler', 'raw-hmac'),
  },
  {
    // What the log line, the Response and the secret check leave of the 3x target for any handler (reported).
    name: 'least-handler/raw-hmac in-process ops/s',
    target: 'reported',
    of: (r) => inProcessRatio(r, 'least-handler', 'raw-hmac'),
  },
  {
    name: "handler/least-handler in-process ops/s (the price of the handler's checks)",
    target: 'reported',
    of: (r) => inProcessRatio(r, 'handler', 'least-handler'),
  },
  {
    name: 'basic-warm/handler in-process ops/s',
    target: '>= 0.667 (within 1.5x)',
    meets: (v) => v >= 1 / 1.5,
    of: (r) => inProcessRatio(r, 'basic-warm', 'handler'),
  },
  {
    name: 'twilio-run/flask e2e req/s',
    target: '>= 2',
    meets: (v) => v >= 2,
    of: (r) => e2eRatio(r, 'twilio-run', 'flask'),
  },
  {
    name: 'twilio-run/its floor e2e req/s',
    target: '>= 0.9',
    meets: (v) => v >= 0.9,
    of: (r) => e2eRatio(r, 'twilio-run', 'twilio-run-floor'),
  },
  {
    name: 'twilio-run-least/its floor e2e req/s',
    target: 'reported',
    of: (r) => e2eRatio(r, 'twilio-run-least', 'twilio-run-floor'),
  },
  {
    name: 'twilio-run/flask e2e p99 latency',
    target: '< 1',
    meets: (v) => v < 1,
    of: (r) => ratio(r.e2e['twilio-run']?.latencyMs?.p99, r.e2e.flask?.latencyMs?.p99),
  },
  {
    name: 'twilio-run/flask peak RSS under load',
    target: 'reported',
    of: (r) => ratio(loadedPeakRssKb(r.e2e['twilio-run']), loadedPeakRssKb(r.e2e.flask)),
  },
  {
    name: "handler/require('twilio') cold start",
    target: '<= 0.333 (3x faster)',
    meets: (v) => v <= 1 / 3,
    of: (r) => ratio(r.coldStart.handler?.medianMs, r.coldStart.twilio?.medianMs),
  },
  {
    name: 'handler/require(AccessToken) cold start',
    target: '<= 1',
    meets: (v) => v <= 1,
    of: (r) => ratio(r.coldStart.handler?.medianMs, r.coldStart['access-token']?.medianMs),
  },
  {
    name: 'handler/naive first token from cold',
    target: '<= 1',
    meets: (v) => v <= 1,
    of: (r) => ratio(r.coldStart['handler-first']?.medianMs, r.coldStart['naive-first']?.medianMs),
  },
  {
    name: 'lockout: other users signed in / 10',
    target: '= 1 (no collective lockout)',
    meets: (v) => v === 1,
    of: (r) => (r.throttle.lockout?.signIns ? (r.throttle.lockout.signIns.statuses[200] ?? 0) / 10 : undefined),
  },
  {
    name: 'lockout: configured/random refusal median ms',
    target: '0.9-1.1 (no timing oracle)',
    meets: (v) => v >= 0.9 && v <= 1.1,
    of: (r) => ratio(r.throttle.lockout?.attack?.configured?.medianMs, r.throttle.lockout?.attack?.random?.medianMs),
  },
  {
    name: `basic-cold with Sync ${SYNC_LATENCY_MS} ms/without median ms`,
    target: '<= 1.5 (at most a round trip)',
    meets: (v) => v <= 1.5,
    of: (r) => ratio(r.throttle['sync-cold']?.['basic-cold-sync']?.medianMs, r.throttle['sync-cold']?.['basic-cold']?.medianMs),
  },
  {
    name: 'warm mint with revocations/without µs per token',
    target: '<= 1.1 (no Sync round trip per token)',
    meets: (v) => v <= 1.1,
    // The median of the per-pair ratios (batches side by side); the ratio of the medians for results made before it.
    of: (r) =>
      r.throttle.revocations?.['warm-revocations']?.medianPairRatio ??
      ratio(r.throttle.revocations?.['warm-revocations']?.medianMicros, r.throttle.revocations?.warm?.medianMicros),
  },
  {
    // Added ms over the Sync latency: the first token on an instance idle past the cache's bound waits for one list read.
    name: `after the cache expires: added ms/Sync's ${SYNC_LATENCY_MS} ms`,
    target: '<= 2 (one list read, not more)',
    meets: (v) => v <= 2,
    of: (r) => {
      const row = r.throttle.revocations;
      const added = row?.['expired-revocations']?.medianMs - row?.expired?.medianMs;
      return Number.isFinite(added) ? added / SYNC_LATENCY_MS : undefined;
    },
  },
];
