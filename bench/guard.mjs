// `npm run bench:guard`: CI's check that the token handler has not slowed down. In one child process whose stdout
// is /dev/null (the handler writes its log line there, as deployed), the built handler and the raw-HMAC lower bound
// run side by side in rounds; the median of the per-round ratios must stay above GUARD_FLOOR. A ratio from one
// process, not a rate, so a busy CI machine moves both sides alike. Needs `npm run build` first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HANDLER_PER_RAW_HMAC_TARGET, ROOM } from './cases.mjs';
import { roundRatio } from './lib/in-process.mjs';
import { measureIsolated } from './lib/isolated-run.mjs';
import { createThrowawayCredentials } from './lib/throwaway-credentials.mjs';

/**
 * Where the guard fails, as a fraction of the target: half of it, as issue 23 asks. Measured on this project's 2-core
 * machine while three other jobs kept its load average at 6-9: ten runs gave 0.179-0.223 (median 0.196), and the
 * same build with the eager internal-error ServiceError put back gave 0.118-0.133 in four runs, all failing. The
 * handler sits below its target (see BENCHMARKS.md), so the pass side's margin is only about 7 % on a loaded machine:
 * raise the fraction once the handler meets the target.
 */
const GUARD_FRACTION = 0.5;
const GUARD_FLOOR = HANDLER_PER_RAW_HMAC_TARGET * GUARD_FRACTION;
/**
 * 30 rounds of 150 ms for each side after a second of warm-up, about 12 s in all, bounded at 60. Short rounds keep the
 * two sides of a round under the same load: 9 rounds of 400 ms gave 0.148-0.238 over ten runs, two of them failing.
 */
const SETTINGS = { warmupMs: 1000, durationMs: 4500, rounds: 30 };
const TIMEOUT_MS = 60_000;

if (!existsSync(fileURLToPath(new URL('../dist/functions/token.js', import.meta.url)))) {
  console.error('bench:guard: dist/functions/token.js is missing; run `npm run build` first');
  process.exit(1);
}
const creds = createThrowawayCredentials({ room: ROOM, basicUser: false });
let measured;
try {
  measured = await measureIsolated(creds, { interleaved: ['raw-hmac', 'handler'], settings: SETTINGS, timeoutMs: TIMEOUT_MS });
} finally {
  creds.remove();
}
for (const name of ['raw-hmac', 'handler']) {
  const problem = measured.results[name].error ?? measured.results[name].skipped;
  if (problem) {
    console.error(`bench:guard: ${name} could not be measured: ${problem}`);
    process.exit(1);
  }
}
const ratio = roundRatio(measured, 'handler', 'raw-hmac');
const perRound = measured.perRound.handler.map((ops, i) => ops / measured.perRound['raw-hmac'][i]);
const ok = ratio >= GUARD_FLOOR;
console.log(
  `bench:guard: handler/raw-hmac ${ratio.toFixed(3)} (median of ${perRound.length} rounds, ` +
    `${Math.min(...perRound).toFixed(3)}-${Math.max(...perRound).toFixed(3)}; handler ${measured.results.handler.opsPerSec.toLocaleString('en-US')} ops/s); ` +
    `target ${HANDLER_PER_RAW_HMAC_TARGET.toFixed(3)}, fails below ${GUARD_FLOOR.toFixed(3)}: ${ok ? 'ok' : 'FAILED'}`,
);
process.exit(ok ? 0 : 1);
