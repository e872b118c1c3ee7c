// Measures cold start: the time a fresh Node process spends in require() of a given module.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Bound on one fresh process (Node start-up plus the require). */
const PROCESS_TIMEOUT_MS = 15_000;

// Runs inside the fresh process: only the require itself is timed, not Node's own start-up.
const PROBE = `
const start = process.hrtime.bigint();
require(process.env.BENCH_REQUIRE);
const end = process.hrtime.bigint();
process.stdout.write(String(Number(end - start) / 1e6));
`;

/**
 * Median milliseconds that `require(specifier)` takes in each of `runs` fresh Node processes, run
 * one after another from the project root (a bare name resolves in its node_modules; give files as
 * absolute paths).
 * @example await measureRequireMs('twilio/lib/jwt/AccessToken', { runs: 10 }) // => { medianMs: 22.1, ... }
 */
export function measureRequireMs(specifier, { runs = 10, cwd = projectRoot } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ['-e', PROBE], {
      cwd,
      encoding: 'utf8',
      timeout: PROCESS_TIMEOUT_MS,
      env: { ...process.env, BENCH_REQUIRE: specifier },
    });
    const ms = Number(child.stdout);
    if (child.status !== 0 || !Number.isFinite(ms) || child.stdout === '') {
      const reason = child.error?.message ?? child.stderr.trim().split('\n').slice(0, 6).join('\n');
      throw new Error(`require(${specifier}) failed in a fresh process: ${reason}`);
    }
    samples.push(ms);
  }
  return { specifier, runs, medianMs: round(median(samples)), minMs: round(Math.min(...samples)), maxMs: round(Math.max(...samples)) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}
