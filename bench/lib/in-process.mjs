// Measures in-process throughput: how many times per second a function (sync or async) completes.

/** Defaults of a full run: warm-up so the JIT has settled, then the measured window. */
const DEFAULT_WARMUP_MS = 1000;
const DEFAULT_DURATION_MS = 3000;

// Every result lands here so no call can be optimised away as unused (written, never read: hence the underscore).
let _sink;

/**
 * Calls `fn` back to back (one at a time; an async fn is awaited before the next call) for
 * `warmupMs`, then for `durationMs`, and reports the rate of the second window.
 * @example const { opsPerSec } = await measureOpsPerSecond(() => mint(), { durationMs: 3000 });
 */
export async function measureOpsPerSecond(fn, { durationMs = DEFAULT_DURATION_MS, warmupMs = DEFAULT_WARMUP_MS } = {}) {
  const first = fn();
  const isAsync = typeof first?.then === 'function';
  _sink = isAsync ? await first : first;
  const run = isAsync ? runAsync : runSync;
  await run(fn, warmupMs);
  const { ops, elapsedMs } = await run(fn, durationMs);
  return { opsPerSec: Math.round(ops / (elapsedMs / 1000)), ops, elapsedMs: Math.round(elapsedMs), async: isAsync };
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
