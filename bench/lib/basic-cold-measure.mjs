// Run as a child process by the bench, with HTTP_PROXY and NODE_EXTRA_CA_CERTS of the Sync stand-in in its
// environment (Node reads the CA at start-up): the Basic cold path with and without THROTTLE_SYNC_SERVICE_SID,
// measured side by side in this one process, call by call. Reads its settings as JSON from BENCH_COLD_SETTINGS (not argv:
// they hold throwaway secrets) and prints one JSON line.
import { expectSuccess, loadFunction, timedCallMs } from './function-harness.mjs';
import { median } from './stats.mjs';

const { tokenFunction, functionEnv, serviceSid, basicUser, basicPassword, profile } = JSON.parse(process.env.BENCH_COLD_SETTINGS);
const body = {};
const headers = {
  authorization: `Basic ${Buffer.from(`${basicUser}:${basicPassword}`).toString('base64')}`,
  'content-type': 'application/json',
};
console.log = () => {}; // the handler's log lines; the result goes to stdout below
const print = (text) => process.stdout.write(`${text}\n`);

/** One cold request: a fresh module instance (empty verified cache, new throttle, new Sync client), timed. */
function coldCallMs(env) {
  return timedCallMs(loadFunction(tokenFunction, env, { fresh: true }), body, headers);
}

const results = {};
try {
  const withSync = { ...functionEnv, THROTTLE_SYNC_SERVICE_SID: serviceSid, HTTP_PROXY: process.env.HTTP_PROXY };
  await expectSuccess(loadFunction(tokenFunction, functionEnv, { fresh: true }), body, headers);
  await expectSuccess(loadFunction(tokenFunction, withSync, { fresh: true }), body, headers);
  // Alternated call by call, so that the machine's load moves both sides alike.
  const samples = { without: [], with: [] };
  for (let i = 0; i < profile.pairs; i++) {
    samples.without.push(await coldCallMs(functionEnv));
    samples.with.push(await coldCallMs(withSync));
  }
  const summary = (list) => ({
    calls: list.length,
    medianMs: Math.round(median(list)),
    minMs: Math.round(Math.min(...list)),
    maxMs: Math.round(Math.max(...list)),
  });
  results['basic-cold'] = summary(samples.without);
  results['basic-cold-sync'] = summary(samples.with);
} catch (error) {
  results.error = error.message;
}
print(JSON.stringify(results));
process.exit(0);
