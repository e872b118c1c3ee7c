// Measures cold start: the time a fresh Node process spends in require() of a given module.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Bound on one fresh process (Node start-up plus the require). */
const PROCESS_TIMEOUT_MS = 15_000;

// Runs inside the fresh process: only the require itself is timed, not Node's own start-up. Every probe reports on
// file descriptor 3, so that standard output is the process's own, as deployed (the handler logs there: /dev/null).
const PROBE = `
const start = process.hrtime.bigint();
require(process.env.BENCH_REQUIRE);
const end = process.hrtime.bigint();
require('node:fs').writeSync(3, String(Number(end - start) / 1e6));
`;

/**
 * Median milliseconds that `require(specifier)` takes in each of `runs` fresh Node processes, run
 * one after another from the project root (a bare name resolves in its node_modules; give files as
 * absolute paths).
 * @example await measureRequireMs('twilio/lib/jwt/AccessToken', { runs: 10 }) // => { medianMs: 22.1, ... }
 */
export function measureRequireMs(specifier, { runs = 10, cwd = projectRoot, probe = PROBE, env = {} } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ['-e', probe], {
      cwd,
      encoding: 'utf8',
      timeout: PROCESS_TIMEOUT_MS,
      env: { ...process.env, ...env, BENCH_REQUIRE: specifier },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const reported = child.output?.[3] ?? '';
    const ms = Number(reported);
    if (child.status !== 0 || !Number.isFinite(ms) || reported === '') {
      const reason = child.error?.message ?? child.stderr.trim().split('\n').slice(0, 6).join('\n');
      throw new Error(`require(${specifier}) failed in a fresh process: ${reason}`);
    }
    samples.push(ms);
  }
  return { specifier, runs, medianMs: round(median(samples)), minMs: round(Math.min(...samples)), maxMs: round(Math.max(...samples)) };
}

// Runs inside the fresh process: load the function and answer one token request, timed to the callback.
// This is what a cold instance's first token costs, whatever the module defers to first use, its log line included.
const FIRST_TOKEN_PROBE = `
const start = process.hrtime.bigint();
const { handler } = require(process.env.BENCH_REQUIRE);
globalThis.Twilio = { Response: class { setStatusCode(code) { this.statusCode = code; } setHeaders() {} setBody(body) { this.body = body; } } };
const { context, event } = JSON.parse(process.env.BENCH_CALL);
handler(context, event, (error, response) => {
  const end = process.hrtime.bigint();
  if (error || response.statusCode !== 200) { process.stderr.write('first request answered ' + (error || response.statusCode)); process.exit(1); }
  require('node:fs').writeSync(3, String(Number(end - start) / 1e6));
});
`;

// The naive path's first token: load twilio's AccessToken and sign one with toJwt().
const NAIVE_FIRST_TOKEN_PROBE = `
const start = process.hrtime.bigint();
const AccessToken = require(process.env.BENCH_REQUIRE);
const { accountSid, apiKeySid, apiKeySecret, identity, room } = JSON.parse(process.env.BENCH_CALL);
const token = new AccessToken(accountSid, apiKeySid, apiKeySecret, { identity, ttl: 3600 });
token.addGrant(new AccessToken.VideoGrant({ room }));
token.toJwt();
require('node:fs').writeSync(3, String(Number(process.hrtime.bigint() - start) / 1e6));
`;

/**
 * Median milliseconds from a fresh process's require() of a built function to the callback of its
 * first token request. `call` is `{ context, event }` as the runtime would pass them.
 */
export function measureFirstTokenMs(file, call, options = {}) {
  return measureRequireMs(file, { ...options, probe: FIRST_TOKEN_PROBE, env: { BENCH_CALL: JSON.stringify(call) } });
}

/** The same for the naive path: require twilio's AccessToken module and sign one token with toJwt(). */
export function measureNaiveFirstTokenMs(minterOptions, options = {}) {
  return measureRequireMs('twilio/lib/jwt/AccessToken', {
    ...options,
    probe: NAIVE_FIRST_TOKEN_PROBE,
    env: { BENCH_CALL: JSON.stringify(minterOptions) },
  });
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}
