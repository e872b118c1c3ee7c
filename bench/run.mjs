// `npm run bench` (and `npm run bench:smoke`): runs every case in bench/cases.mjs, prints a table,
// and writes bench/results/latest.json. Usage: node bench/run.mjs [--smoke]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { coldStartCases, e2eTargets, inProcessCases, minterOptions, ratios, ROOM, Skip, throttleCases } from './cases.mjs';
import { measureRequireMs } from './lib/cold-start.mjs';
import { measureIsolated } from './lib/isolated-run.mjs';
import { REFUSAL_PROFILES, runRefusalCase } from './lib/refusals.mjs';
import { naiveMinter, rawHmacMinter, tokensAgree } from './lib/reference-minters.mjs';
import { createThrowawayCredentials } from './lib/throwaway-credentials.mjs';
import { median } from './lib/stats.mjs';
import { hasWrk, runWrk } from './lib/wrk.mjs';

const PROFILES = {
  full: {
    // Each case runs durationMs in all, a slice in each round.
    inProcess: { warmupMs: 2000, durationMs: 8000, rounds: 40 },
    coldStart: { runs: 10 },
    // durationS per server in all, in `rounds` slices.
    e2e: { warmupS: 2, durationS: 10, connections: 10, rounds: 5 },
    // issue 14's case as stated: 10,000 random names (plus 100 wrong passwords) within one minute.
    attack: { wrongAttempts: 100, randomAttempts: 10_000, concurrency: 500, budgetMs: 60_000 },
    syncCold: { pairs: 15 },
    revocations: { warmRounds: 60, batch: 200, pairs: 8 },
    refusals: REFUSAL_PROFILES.full,
    // + 40 s for the revocation case's idle waits past its cache's bound.
    budgetMs: 520_000,
  },
  // Small enough for CI: bounded at 160 s (budgetMs below).
  smoke: {
    inProcess: { warmupMs: 100, durationMs: 600, rounds: 3 },
    coldStart: { runs: 3 },
    e2e: { warmupS: 0, durationS: 2, connections: 2, rounds: 1 },
    attack: { wrongAttempts: 20, randomAttempts: 300, concurrency: 20, budgetMs: 15_000 },
    syncCold: { pairs: 2 },
    revocations: { warmRounds: 2, batch: 100, pairs: 2 },
    refusals: REFUSAL_PROFILES.smoke,
    budgetMs: 160_000,
  },
};
/** Bound on the single checking request sent to a server before it is loaded. */
const FIRST_REQUEST_TIMEOUT_MS = 5_000;

const profileName = process.argv.includes('--smoke') ? 'smoke' : 'full';
const profile = PROFILES[profileName];
const resultsFile = fileURLToPath(new URL('./results/latest.json', import.meta.url));

// Every run is bounded: past the budget the bench exits, and servers die with it (servers.mjs).
setTimeout(() => {
  console.error(`bench: over its ${profile.budgetMs / 1000} s budget, aborting`);
  process.exit(1);
}, profile.budgetMs).unref();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const creds = createThrowawayCredentials({ room: ROOM });
process.on('exit', creds.remove);

const results = {
  profile: profileName,
  settings: profile,
  startedAt: new Date().toISOString(),
  host: {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage1m: { atStart: loadavg()[0] },
  },
  references: referenceVersions(),
  checks: {},
  inProcess: {},
  coldStart: {},
  e2e: {},
  throttle: {},
  refusals: {},
  ratios: {},
};
let failures = 0;
// Other work on the machine moves every figure here; say so rather than print noise as fact.
if (loadavg()[0] > results.host.cpus / 2) {
  console.log(`note: load average ${loadavg()[0].toFixed(2)} on ${results.host.cpus} CPUs before the run: figures will be noisy`);
}

function outcome(error) {
  if (error instanceof Skip) return { skipped: error.message };
  failures++;
  return { error: error.message };
}

// 1. In-process throughput: side by side in rounds, in a child process whose stdout is /dev/null (the handler's
// log lines are written there, as deployed).
section(
  `1. In-process throughput (side by side: ${profile.inProcess.rounds} rounds over ${profile.inProcess.durationMs} ms after ${profile.inProcess.warmupMs} ms warm-up; stdout /dev/null)`,
);
results.checks.rawHmacMatchesNaiveBytes = tokensAgree(naiveMinter(minterOptions(creds)), rawHmacMinter(minterOptions(creds)));
if (!results.checks.rawHmacMatchesNaiveBytes) {
  failures++;
  console.log('  ! raw-hmac tokens differ from the naive path: the lower bound is not comparable');
}
try {
  const measured = await measureIsolated(creds, {
    interleaved: inProcessCases.filter((c) => !c.alone).map((c) => c.name),
    alone: inProcessCases.filter((c) => c.alone).map((c) => c.name),
    settings: profile.inProcess,
    timeoutMs: profile.budgetMs,
  });
  results.inProcess = measured.results;
  results.inProcessRounds = { perRound: measured.perRound, perRoundCpu: measured.perRoundCpu };
  for (const r of Object.values(results.inProcess)) if (r.error) failures++;
} catch (error) {
  failures++;
  for (const { name, what } of inProcessCases) results.inProcess[name] = { what, error: error.message };
}
for (const [name, r] of Object.entries(results.inProcess)) {
  row(
    name,
    r,
    () => `${fmt(r.opsPerSec)} ops/s${r.opsPerCpuSec ? `, ${fmt(r.opsPerCpuSec)} per CPU-s` : ''}${r.async ? ' (async)' : ''}  ${r.what}`,
    'opsPerSec',
  );
}

// 2. Cold start.
section(`2. Cold start: require() in a fresh Node process (median of ${profile.coldStart.runs})`);
for (const { name, what, specifier, measure } of coldStartCases) {
  try {
    const measured = measure ? measure(creds, profile.coldStart) : measureRequireMs(specifier(), profile.coldStart);
    results.coldStart[name] = { what, ...measured };
  } catch (error) {
    results.coldStart[name] = { what, ...outcome(error) };
  }
  row(
    name,
    results.coldStart[name],
    (r) => `${r.medianMs.toFixed(1)} ms  (min ${r.minMs.toFixed(1)}, max ${r.maxMs.toFixed(1)})  ${what}`,
    'medianMs',
  );
}

// 3 and 4. End to end over HTTP, and each server's peak memory. Every server is started first, then wrk loads them in
// turn, a slice each per round, so that the machine's load moves them alike; the e2e ratios are the median of the
// per-round ratios.
const { warmupS, durationS, connections, rounds: e2eRounds } = profile.e2e;
section(
  `3. End to end: wrk, ${connections} connections, ${e2eRounds} rounds of ${durationS / e2eRounds} s per server, side by side${warmupS ? ` after ${warmupS} s warm-up` : ''}`,
);
if (hasWrk()) {
  await loadSideBySide();
} else {
  for (const target of e2eTargets) results.e2e[target.name] = { what: target.what, skipped: 'wrk not installed (apt-get install wrk)' };
}
for (const target of e2eTargets) {
  row(
    target.name,
    results.e2e[target.name],
    (r) =>
      `${fmt(r.requestsPerSec)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  non-2xx ${r.non2xx}  socket errors ${Object.values(r.socketErrors).reduce((a, b) => a + b, 0)}`,
    'requestsPerSec',
  );
}
section('4. Peak memory of each server (VmHWM of the listening process)');
for (const [name, result] of Object.entries(results.e2e)) {
  const loaded = result.requestsPerSec !== undefined ? '' : '  (not loaded: no e2e figures)';
  if (result.memory) console.log(`  ${name.padEnd(12)} ${fmt(Math.round(result.memory.peakRssKb / 1024))} MB${loaded}`);
  else console.log(`  ${name.padEnd(12)} -`);
}

section('5. Brute force and Sync (issue 14)');
for (const { name, what, run } of throttleCases) {
  try {
    results.throttle[name] = { what, ...(await run(creds, profile)) };
  } catch (error) {
    results.throttle[name] = { what, ...outcome(error) };
  }
  const r = results.throttle[name];
  if (r.attack) {
    const { attack, signIns } = r;
    console.log(
      `  ${name.padEnd(12)} ${attack.configured.sent + attack.random.sent} attempts in ${attack.seconds} s${attack.overBudget ? ' (budget reached)' : ''}: configured ${JSON.stringify(attack.configured.statuses)} median ${attack.configured.medianMs} ms; random ${JSON.stringify(attack.random.statuses)} median ${attack.random.medianMs} ms`,
    );
    console.log(
      `  ${''.padEnd(12)} then the other ${signIns.sent} users: ${JSON.stringify(signIns.statuses)}, median ${signIns.medianMs} ms`,
    );
  } else if (r['basic-cold']) {
    const side = (c) => `median ${c.medianMs} ms (min ${c.minMs}, max ${c.maxMs}, ${c.calls} calls)`;
    console.log(
      `  ${name.padEnd(12)} without Sync ${side(r['basic-cold'])}; with Sync at ${r.syncLatencyMs} ms ${side(r['basic-cold-sync'])}`,
    );
  }
  if (r['warm-revocations']) {
    console.log(
      `  ${name.padEnd(12)} warm: without ${r.warm.medianMicros} µs/token, with the list ${r['warm-revocations'].medianMicros} µs/token; after the cache expires (Sync at ${r.syncLatencyMs} ms): without ${r.expired.medianMs} ms, with ${r['expired-revocations'].medianMs} ms`,
    );
  }
  if (r.skipped) console.log(`  ${name.padEnd(12)} skipped: ${r.skipped}`);
  if (r.error) console.log(`  ${name.padEnd(12)} ERROR: ${r.error}`);
}

section('6. Refusals under load (issue 22): a burst of wrong passwords, then mixed traffic; known vs unknown names in bursts');
try {
  results.refusals = await runRefusalCase({ creds, profile: profile.refusals });
  const r = results.refusals;
  console.log(`  before the burst  one refusal ${r.beforeMs} ms`);
  console.log(
    `  burst             ${r.burst.sent} at once: ${JSON.stringify(r.burst.statuses)}, median ${r.burst.medianMs} ms, slowest ${r.burst.maxMs} ms`,
  );
  console.log(
    `  then mixed        ${r.mixed.sent}: ${JSON.stringify(r.mixed.statuses)}, median ${r.mixed.medianMs} ms, slowest ${r.mixed.maxMs} ms`,
  );
  console.log(`  settled           one refusal ${r.settledMs} ms`);
  for (const [size, o] of Object.entries(r.oracle)) {
    const side = (s) => `median ${s.medianMs} ms (bursts ${s.minMs}-${s.maxMs})`;
    console.log(
      `  bursts of ${String(size).padEnd(6)} configured ${side(o.configured)}; unknown ${side(o.unknown)}; ratio ${o.medianRatio}, ranges ${o.rangesOverlap ? 'overlap' : 'DO NOT overlap'}`,
    );
  }
} catch (error) {
  results.refusals = outcome(error);
  console.log(`  ${results.refusals.skipped ? `skipped: ${results.refusals.skipped}` : `ERROR: ${results.refusals.error}`}`);
}

section('Ratios');
for (const { name, of, target, meets } of ratios) {
  const value = of(results);
  // Smoke counts are far too small to judge a target by; they only keep the bench working.
  const verdict =
    value === undefined || !meets ? '' : profileName === 'smoke' ? 'not judged (smoke run)' : meets(value) ? 'met' : 'NOT met';
  results.ratios[name] = value === undefined ? null : { value: Math.round(value * 1000) / 1000, target, verdict };
  const shown = value === undefined ? 'n/a (a side is missing)' : value.toFixed(3);
  console.log(`  ${name.padEnd(42)} ${shown.padStart(8)}  target ${target.padEnd(24)} ${verdict}`);
}

results.finishedAt = new Date().toISOString();
results.host.loadAverage1m.atEnd = loadavg()[0];
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${resultsFile}`);
// A full run also rewrites BENCHMARKS.md from that JSON (bench/report.mjs); a smoke run's figures never go there.
if (profileName === 'full') {
  const report = spawnSync(process.execPath, [fileURLToPath(new URL('./report.mjs', import.meta.url)), resultsFile], { stdio: 'inherit' });
  if (report.status !== 0) failures++;
}
process.exit(failures > 0 ? 1 : 0);

/**
 * Starts every e2e target and checks one request to each, loads them with wrk in turn (a slice per round), then stops
 * them: one row each, with the median of its slices (req/s, p50, p99) and the sums of failures, and
 * `results.e2eRounds.perRound` for the ratios.
 */
async function loadSideBySide() {
  const loaded = [];
  for (const target of e2eTargets) {
    const entry = { what: target.what };
    results.e2e[target.name] = entry;
    let server;
    try {
      server = await target.start(creds);
      const request = target.request(creds);
      const url = `${server.url}${request.path}`;
      entry.tokenClaims = await firstRequest(url, request);
      loaded.push({
        name: target.name,
        server,
        load: { url, body: request.body, authorization: request.authorization, connections },
        slices: [],
      });
    } catch (error) {
      Object.assign(entry, outcome(error));
      if (server) entry.memory = await server.stop();
    }
  }
  try {
    if (warmupS > 0) for (const { load } of loaded) await runWrk({ ...load, durationS: warmupS });
    const sliceS = durationS / e2eRounds;
    for (let round = 0; round < e2eRounds; round++) {
      for (let i = 0; i < loaded.length; i++) {
        const one = loaded[(round + i) % loaded.length];
        one.slices.push(await runWrk({ ...one.load, durationS: sliceS }));
      }
    }
  } catch (error) {
    for (const one of loaded) Object.assign(results.e2e[one.name], outcome(error));
  }
  results.e2eRounds = { perRound: {} };
  for (const { name, server, slices } of loaded) {
    const entry = results.e2e[name];
    if (slices.length === e2eRounds) {
      const middle = (pick) => Math.round(median(slices.map(pick)) * 100) / 100;
      Object.assign(entry, {
        requestsPerSec: middle((s) => s.requestsPerSec),
        latencyMs: { p50: middle((s) => s.latencyMs.p50), p99: middle((s) => s.latencyMs.p99) },
        requests: slices.reduce((sum, s) => sum + s.requests, 0),
        non2xx: slices.reduce((sum, s) => sum + s.non2xx, 0),
        socketErrors: Object.fromEntries(
          Object.keys(slices[0].socketErrors).map((kind) => [kind, slices.reduce((sum, s) => sum + s.socketErrors[kind], 0)]),
        ),
        rounds: e2eRounds,
      });
      results.e2eRounds.perRound[name] = slices.map((s) => s.requestsPerSec);
      if (entry.non2xx > 0) {
        failures++;
        entry.error = `${entry.non2xx} non-2xx answers under load`;
      }
    }
    entry.memory = await server.stop();
  }
}

/** One request before the load: it must succeed, and its token's shape is recorded. */
async function firstRequest(url, { body, authorization }) {
  const headers = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(FIRST_REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`first request answered ${response.status}: ${text.slice(0, 300)}`);
  let token;
  try {
    token = JSON.parse(text).token;
  } catch {
    // not JSON: recorded below as no token
  }
  if (typeof token !== 'string') return { note: 'no "token" string in the JSON answer' };
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  return {
    identity: claims.grants?.identity,
    grants: Object.keys(claims.grants ?? {}),
    room: claims.grants?.video?.room,
    ttlSeconds: claims.exp - (claims.iat ?? claims.nbf),
  };
}

function section(title) {
  console.log(`\n${title}`);
}

/** Prints one result line: the measurement if there is one, then any skip reason or error. */
function row(name, result, describe, measuredKey) {
  const parts = [];
  if (result[measuredKey] !== undefined) parts.push(describe(result));
  if (result.skipped) parts.push(`skipped: ${result.skipped}`);
  if (result.error) parts.push(`ERROR: ${result.error}`);
  console.log(`  ${name.padEnd(12)} ${parts.join('  ')}`);
}

/** Versions of what the figures compare with: twilio-node from node_modules, wrk and Flask as installed. */
function referenceVersions() {
  const versions = {};
  try {
    versions.twilio = JSON.parse(readFileSync(new URL('../node_modules/twilio/package.json', import.meta.url), 'utf8')).version;
  } catch {
    // not installed: the rows that need it say so
  }
  const wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const wrkVersion = /wrk (?:debian\/)?([\d.]+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1];
  if (wrkVersion) versions.wrk = wrkVersion;
  const flask = spawnSync('/usr/bin/python3', ['-c', 'import importlib.metadata as m; print(m.version("flask"))'], { encoding: 'utf8' });
  if (flask.status === 0) versions.flask = flask.stdout.trim();
  return versions;
}

function fmt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}
