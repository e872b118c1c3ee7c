// Run as a child process by the bench, with HTTP_PROXY and NODE_EXTRA_CA_CERTS of the Sync stand-in in its
// environment (Node reads the CA at start-up): the Basic cold path with and without THROTTLE_SYNC_SERVICE_SID,
// measured side by side in this one process. Reads its settings as JSON from BENCH_COLD_SETTINGS (not argv:
// they hold throwaway secrets) and prints one JSON line.
import { expectSuccess, loadFunction } from './function-harness.mjs';
import { measureOpsPerSecond } from './in-process.mjs';

const { tokenFunction, functionEnv, serviceSid, basicUser, basicPassword, profile } = JSON.parse(process.env.BENCH_COLD_SETTINGS);
const body = {};
const headers = { authorization: `Basic ${Buffer.from(`${basicUser}:${basicPassword}`).toString('base64')}`, 'content-type': 'application/json' };
console.log = () => {}; // the handler's log lines; the result goes to stdout below
const print = (text) => process.stdout.write(`${text}\n`);

async function coldCase(env) {
  await expectSuccess(loadFunction(tokenFunction, env, { fresh: true }), body, headers);
  return measureOpsPerSecond(async () => {
    // A fresh module instance: empty verified cache, new throttle, new Sync client (what a cold instance has).
    const response = await loadFunction(tokenFunction, env, { fresh: true })(body, headers);
    if (response.statusCode !== 200) throw new Error(`handler answered ${response.statusCode} during the run`);
  }, profile);
}

const results = {};
try {
  results['basic-cold'] = await coldCase(functionEnv);
  results['basic-cold-sync'] = await coldCase({ ...functionEnv, THROTTLE_SYNC_SERVICE_SID: serviceSid, HTTP_PROXY: process.env.HTTP_PROXY });
} catch (error) {
  results.error = error.message;
}
print(JSON.stringify(results));
process.exit(0);
