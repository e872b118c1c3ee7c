// Run as a child process by the bench, with HTTP_PROXY and NODE_EXTRA_CA_CERTS of the Sync stand-in in its
// environment: minting with the revocation list on (THROTTLE_SYNC_SERVICE_SID) and off, side by side in this one
// process. Warm: one instance each, alternating batches (the list answered from memory; a background read every
// 2.5 s). After the cache expires: the same warm instances left idle past the 4 s bound, so the next token on the one
// with the list waits for one list read (its Sync client and connection already made). Shared-secret
// Bearer, so no scrypt hides the difference. Reads its settings as JSON from BENCH_REVOCATION_SETTINGS (not argv: they
// hold throwaway secrets) and prints one JSON line.
import { expectSuccess, loadFunction, timedCallMs } from './function-harness.mjs';
import { median } from './stats.mjs';

const { tokenFunction, functionEnv, serviceSid, sharedSecret, profile } = JSON.parse(process.env.BENCH_REVOCATION_SETTINGS);
const body = { identity: 'bench-user' };
const headers = { authorization: `Bearer ${sharedSecret}`, 'content-type': 'application/json' };
console.log = () => {}; // the handler's log lines; the result goes to stdout below
const print = (text) => process.stdout.write(`${text}\n`);

/** Mean µs per call over a batch: one call is too short to time alone. */
async function batchMicros(invoke, calls) {
  const startedAt = performance.now();
  for (let i = 0; i < calls; i++) {
    const response = await invoke(body, headers);
    if (response.statusCode !== 200) throw new Error(`handler answered ${response.statusCode} during the run`);
  }
  return ((performance.now() - startedAt) * 1000) / calls;
}

/** Past the revocation cache's 4 s bound (src/lib/revocation/revocation-cache.ts): the next token waits for a read. */
const EXPIRED_AFTER_MS = 4_100;

const results = {};
try {
  const withSync = { ...functionEnv, THROTTLE_SYNC_SERVICE_SID: serviceSid, HTTP_PROXY: process.env.HTTP_PROXY };
  const warmWith = loadFunction(tokenFunction, withSync, { fresh: true });
  await expectSuccess(warmWith, body, headers);
  const warmWithout = loadFunction(tokenFunction, functionEnv, { fresh: true });
  await expectSuccess(warmWithout, body, headers);
  // Side by side in short batches, the order alternating, and judged by the median of each pair's ratio: other work on
  // the machine then moves both sides of a pair alike (a ratio of two medians moved by 0.3 between quiet runs).
  const warm = { without: [], with: [], ratios: [] };
  for (let round = 0; round < profile.warmRounds; round++) {
    const withFirst = round % 2 === 1;
    const first = await batchMicros(withFirst ? warmWith : warmWithout, profile.batch);
    const second = await batchMicros(withFirst ? warmWithout : warmWith, profile.batch);
    const [without, withList] = withFirst ? [second, first] : [first, second];
    warm.without.push(without);
    warm.with.push(withList);
    warm.ratios.push(withList / without);
  }
  const expired = { without: [], with: [] };
  for (let i = 0; i < profile.pairs; i++) {
    await new Promise((resolve) => setTimeout(resolve, EXPIRED_AFTER_MS));
    expired.without.push(await timedCallMs(warmWithout, body, headers));
    expired.with.push(await timedCallMs(warmWith, body, headers));
  }
  const micros = (list) => ({ rounds: list.length, medianMicros: Math.round(median(list)) });
  const millis = (list) => ({ calls: list.length, medianMs: Number(median(list).toFixed(2)), maxMs: Number(Math.max(...list).toFixed(2)) });
  results['warm'] = micros(warm.without);
  results['warm-revocations'] = { ...micros(warm.with), medianPairRatio: Number(median(warm.ratios).toFixed(3)) };
  results['expired'] = millis(expired.without);
  results['expired-revocations'] = millis(expired.with);
} catch (error) {
  results.error = error.message;
}
print(JSON.stringify(results));
process.exit(0);
