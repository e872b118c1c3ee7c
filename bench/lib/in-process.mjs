// Measures in-process throughput: how many times per second a function (sync or async) completes.
import { median } from './stats.mjs';

/** Defaults of a full run: warm-up so the JIT has settled, then the measured window. */
const DEFAULT_WARMUP_MS = 1000;
const DEFAULT_DURATION_MS = 3000;
/** Rounds of an interleaved measurement: enough for a median that one noisy round cannot move. */
const DEFAULT_ROUNDS = 7;

// Every result lands here so no call can be optimised away as unused (written, never read: hence the underscore).
let _sink;

/**
 * Calls `fn` back to back (one at a time; an async fn is awaited before the next call) for
 * `warmupMs`, then for `durationMs`, and reports the rate of the second window.
 * @example const { opsPerSec } = await measureOpsPerSecond(() => mint(), { durationMs: 3000 });
 */
export async function measureOpsPerSecond(fn, { durationMs = DEFAULT_DURATION_MS, warmupMs = DEFAULT_WARMUP_MS } = {}) {
  const run = await runnerFor(fn);
  await run(fn, warmupMs);
  const { ops, elapsedMs } = await run(fn, durationMs);
  return { opsPerSec: Math.round(ops / (elapsedMs / 1000)), ops, elapsedMs: Math.round(elapsedMs), async: run === runAsync };
}

/**
 * Measures several functions side by side: after a warm-up of each, `rounds` rounds in which every function runs
 * for `durationMs / rounds` (the order rotates from round to round), so load on the machine moves every case alike.
 * Each case reports the median of its rounds, by the clock (`opsPerSec`) and per second of this process's CPU time
 * (`opsPerCpuSec`: what other processes take from it does not count, so it moves less on a busy machine).
 * `perRound` and `perRoundCpu` keep every round's rate so that a ratio can be taken round by round (see roundRatio).
 * @example const r = await measureInterleaved({ a: mintA, b: mintB }, { durationMs: 3000, rounds: 7 });
 *          roundRatio(r, 'a', 'b') // => median of a/b (CPU time) over the rounds
 */
export async function measureInterleaved(
  fns,
  { durationMs = DEFAULT_DURATION_MS, warmupMs = DEFAULT_WARMUP_MS, rounds = DEFAULT_ROUNDS } = {},
) {
  const names = Object.keys(fns);
  const runners = {};
  for (const name of names) {
    runners[name] = await runnerFor(fns[name]);
    await runners[name](fns[name], warmupMs / names.length);
  }
  const roundMs = durationMs / rounds;
  const perRound = Object.fromEntries(names.map((name) => [name, []]));
  const perRoundCpu = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      const cpuBefore = process.cpuUsage();
      const { ops, elapsedMs } = await runners[name](fns[name], roundMs);
      const cpu = process.cpuUsage(cpuBefore);
      perRound[name].push(Math.round(ops / (elapsedMs / 1000)));
      perRoundCpu[name].push(Math.round(ops / ((cpu.user + cpu.system) / 1e6)));
    }
  }
  const cases = Object.fromEntries(
    names.map((name) => [
      name,
      { opsPerSec: median(perRound[name]), opsPerCpuSec: median(perRoundCpu[name]), rounds, async: runners[name] === runAsync },
    ]),
  );
  return { cases, perRound, perRoundCpu };
}

/**
 * The median over the rounds of one case's rate divided by another's, both from the same round: steadier on a busy
 * machine than the ratio of two medians. By CPU time unless `basis` is 'clock'.
 * @example roundRatio({ perRoundCpu: { a: [2, 4, 6], b: [1, 1, 2] } }, 'a', 'b') // => 3
 */
export function roundRatio(measured, numerator, denominator, basis = 'cpu') {
  const perRound = basis === 'cpu' ? measured.perRoundCpu : measured.perRound;
  const a = perRound?.[numerator];
  const b = perRound?.[denominator];
  if (!a || !b || a.length !== b.length || a.length === 0) return undefined;
  return median(a.map((value, i) => value / b[i]));
}

/** Calls fn once (so a failing setup shows before any timing) and picks the loop for a sync or an async fn. */
async function runnerFor(fn) {
  const first = fn();
  const isAsync = typeof first?.then === 'function';
  _sink = isAsync ? await first : first;
  return isAsync ? runAsync : runSync;
}

// The clock is read once per batch; a batch doubles while it takes under a millisecond, so fast
// functions are not dominated by performance.now() and slow ones overshoot the window by little.
function runSync(fn, windowMs) {
  const start = performance.now();
  const end = start + windowMs;
  let ops = 0;
  let batch = 1;
  let now = start;
  while (now < end) {
    const batchStart = now;
    for (let i = 0; i < batch; i++) _sink = fn();
    ops += batch;
    now = performance.now();
    if (now - batchStart < 1) batch *= 2;
  }
  return { ops, elapsedMs: now - start };
}

// The same loop with an await per call; kept apart so sync cases pay no microtask per call.
async function runAsync(fn, windowMs) {
  const start = performance.now();
  const end = start + windowMs;
  let ops = 0;
  let batch = 1;
  let now = start;
  while (now < end) {
    const batchStart = now;
    for (let i = 0; i < batch; i++) _sink = await fn();
    ops += batch;
    now = performance.now();
    if (now - batchStart < 1) batch *= 2;
  }
  return { ops, elapsedMs: now - start };
}
