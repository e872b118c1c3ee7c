// Issue 22's measurements against a running twilio-run, bounded in count and time: how long refusals take during
// and after a burst of wrong passwords, and whether bursts on configured and unknown names can be told apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { basic, post } from './basic-post.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTwilioRun } from './servers.mjs';
import { median } from './stats.mjs';
import { writeEnvFile } from './throwaway-credentials.mjs';

/** Sizes per profile: `full` is the (100 + 200 requests; bursts of 5 and 20, 8 of each per side). */
export const REFUSAL_PROFILES = {
  full: { burst: 100, burstNames: 20, mixed: 200, mixedConcurrency: 20, bursts: 8, burstSizes: [5, 20], settleMs: 3_000 },
  smoke: { burst: 10, burstNames: 2, mixed: 8, mixedConcurrency: 4, bursts: 2, burstSizes: [5], settleMs: 500 },
};

const wrong = () => `wrong-${Math.random().toString(36).slice(2, 10)}`;
const statusCounts = (answers) => answers.reduce((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});
const round = (ms) => Math.round(ms);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function summary(answers) {
  const ms = answers.map((a) => a.ms);
  return { sent: answers.length, statuses: statusCounts(answers), medianMs: round(median(ms) ?? NaN), maxMs: round(Math.max(...ms)) };
}

/** Requests sent `concurrency` at a time (a closed loop), each made by `make(i)`. */
async function closedLoop(count, concurrency, make) {
  const answers = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) answers.push(await make(next++));
    }),
  );
  return answers;
}

/**
 * @example await runRefusalCase({ creds, phc, password, profile: REFUSAL_PROFILES.smoke })
 * // => { burst: {…}, afterBurst: {…}, mixed: {…}, oracle: { 5: { configured, unknown, medianRatio, rangesOverlap } } }
 */
export async function runRefusalCase({ creds, profile }) {
  const phc = creds.functionEnv.AUTH_BASIC_USERS.slice(creds.functionEnv.AUTH_BASIC_USERS.indexOf(':') + 1);
  const password = creds.basicPassword;
  // Names: 20 attacked by the burst; others who sign in during the mixed phase; a fresh one per wrong guess in a burst.
  const attacked = Array.from({ length: profile.burstNames }, (_, i) => `attacked-${i}`);
  const signers = Array.from({ length: 20 }, (_, i) => `signer-${i}`);
  const burstNames = profile.burstSizes.reduce((total, size) => total + size * profile.bursts, 0);
  const probed = Array.from({ length: burstNames }, (_, i) => `probed-${i}`);
  const dir = mkdtempSync(join(tmpdir(), 'token-bench-refusals-'));
  const envFile = join(dir, '.env');
  writeEnvFile(envFile, {
    ...creds.functionEnv,
    AUTH_BASIC_USERS: [...attacked, ...signers, ...probed].map((name) => `${name}:${phc}`).join(' '),
  });
  let server;
  const agent = new Agent({ keepAlive: true, maxSockets: 200 });
  try {
    server = await startTwilioRun({ envFile });
    const url = `${server.url}/token`;
    // A warm instance: its one timing check and first sign-in are done (and the server really is the token service).
    const warm = await post(agent, url, basic(signers[0], password));
    if (warm.status !== 200) throw new Error(`the first sign-in answered ${warm.status}, not 200`);
    const before = await post(agent, url, basic('nobody-before', wrong()));

    // 1. The burst: every wrong password at once, 5 per attacked name.
    const burst = await Promise.all(
      Array.from({ length: profile.burst }, (_, i) => post(agent, url, basic(attacked[i % attacked.length], wrong()))),
    );
    // 2. Straight after it: mixed traffic (right passwords, wrong ones, random names), then one refusal once it settled.
    const mixed = await closedLoop(profile.mixed, profile.mixedConcurrency, (i) => {
      const kind = i % 4;
      if (kind === 0) return post(agent, url, basic(signers[i % signers.length], password)).then((a) => ({ ...a, kind: 'right' }));
      if (kind === 1) return post(agent, url, basic(signers[i % signers.length], wrong())).then((a) => ({ ...a, kind: 'wrong' }));
      return post(agent, url, basic(`random-${i}`, wrong())).then((a) => ({ ...a, kind: 'random' }));
    });
    await sleep(profile.settleMs);
    const settled = await post(agent, url, basic('nobody-after', wrong()));

    // 3. Bursts of concurrent wrong guesses on configured and unknown names, alternating so both see the same noise.
    const oracle = {};
    let nextProbed = 0;
    for (const size of profile.burstSizes) {
      const sides = { configured: [], unknown: [] };
      for (let b = 0; b < profile.bursts; b++) {
        for (const side of b % 2 === 0 ? ['configured', 'unknown'] : ['unknown', 'configured']) {
          const names =
            side === 'configured'
              ? probed.slice(nextProbed, (nextProbed += size))
              : Array.from({ length: size }, (_, i) => `unknown-${size}-${b}-${i}`);
          const answers = await Promise.all(names.map((name) => post(agent, url, basic(name, wrong()))));
          sides[side].push({ medianMs: median(answers.map((a) => a.ms)), statuses: statusCounts(answers) });
          await sleep(profile.settleMs / 2);
        }
      }
      const describe = (list) => {
        const medians = list.map((burst) => burst.medianMs);
        return { medianMs: round(median(medians)), minMs: round(Math.min(...medians)), maxMs: round(Math.max(...medians)), bursts: list };
      };
      const configured = describe(sides.configured);
      const unknown = describe(sides.unknown);
      oracle[size] = {
        configured,
        unknown,
        medianRatio: Math.round((unknown.medianMs / configured.medianMs) * 1000) / 1000,
        rangesOverlap: configured.minMs <= unknown.maxMs && unknown.minMs <= configured.maxMs,
      };
    }
    return {
      beforeMs: round(before.ms),
      burst: summary(burst),
      mixed: { ...summary(mixed), right: summary(mixed.filter((a) => a.kind === 'right')) },
      settledMs: round(settled.ms),
      oracle,
      memory: await server.stop(),
    };
  } catch (error) {
    await server?.stop();
    throw error;
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
