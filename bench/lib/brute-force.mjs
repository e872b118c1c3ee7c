// The collective-lockout attack of issue 14 against a running server, bounded in count and time: wrong passwords
// over some configured names plus a flood of random names, then every other user signs in.
import { Agent } from 'node:http';
import { basic, post } from './basic-post.mjs';
import { median } from './stats.mjs';

const count = (answers) => answers.reduce((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

/**
 * @example await runLockoutAttack({ url, users, password, wrongAttempts: 100, randomAttempts: 10_000, concurrency: 50 })
 * // => { attack: { seconds, configured: { statuses, medianMs }, random: {…} }, signIns: { statuses, medianMs } }
 */
export async function runLockoutAttack({
  url,
  users,
  password,
  attackedNames = 20,
  wrongAttempts = 100,
  randomAttempts = 10_000,
  concurrency = 50,
  budgetMs = 60_000,
}) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const attacked = users.slice(0, attackedNames);
  const others = users.slice(attackedNames);
  // The wrong attempts are spread through the flood, as an attacker would hide them.
  const plan = [];
  const every = Math.max(1, Math.floor(randomAttempts / wrongAttempts));
  let wrongSent = 0;
  for (let i = 0; i < randomAttempts; i++) {
    if (i % every === 0 && wrongSent < wrongAttempts)
      plan.push({ kind: 'configured', name: attacked[wrongSent % attacked.length], guess: `wrong-${wrongSent++}` });
    plan.push({ kind: 'random', name: `random-${i}-${Math.random().toString(36).slice(2, 8)}`, guess: `wrong-${i}` });
  }
  while (wrongSent < wrongAttempts)
    plan.push({ kind: 'configured', name: attacked[wrongSent % attacked.length], guess: `wrong-${wrongSent++}` });

  const answers = { configured: [], random: [] };
  const startedAt = performance.now();
  let next = 0;
  let overBudget = false;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plan.length) {
        if (performance.now() - startedAt > budgetMs) {
          overBudget = true;
          return;
        }
        const { kind, name, guess } = plan[next++];
        answers[kind].push(await post(agent, url, basic(name, guess)));
      }
    }),
  );
  const attackSeconds = (performance.now() - startedAt) / 1000;
  const signIns = [];
  for (const name of others) {
    let answer = await post(agent, url, basic(name, password));
    // Shed by the check queue while the flood's last attempts still hold it (issue 22): a client waits out the
    // short Retry-After once, as the demo page does. A lock (Retry-After in minutes) is not waited out.
    if (answer.status === 429 && Number(answer.retryAfter) <= 2) {
      await new Promise((resolve) => setTimeout(resolve, Number(answer.retryAfter) * 1000));
      answer = await post(agent, url, basic(name, password));
    }
    signIns.push(answer);
  }
  agent.destroy();
  const summary = (list) => ({ sent: list.length, statuses: count(list), medianMs: Math.round(median(list.map((a) => a.ms)) ?? NaN) });
  return {
    attack: {
      seconds: Math.round(attackSeconds * 10) / 10,
      overBudget,
      configured: summary(answers.configured),
      random: summary(answers.random),
    },
    signIns: { ...summary(signIns), each: signIns.map((a) => a.status) },
  };
}
