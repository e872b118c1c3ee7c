/**
 * Issue 14's enumeration probe through the real twilio-run server (no Sync): a flood of random names whose
 * passwords are refused without hashing, then 6 wrong tries of a configured and of an unknown name. Statuses,
 * Retry-After and bodies must be the same for both, during the flood and after it.
 */
import { randomBytes } from 'node:crypto';
import { basicHeader, environmentFor, newCredentials } from '../helpers/fixtures';
import { send } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(await environmentFor(newCredentials(['alice', 'bob'])));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function attempt(name: string, password: string) {
  const answer = await send(`${server.url}/token`, { headers: { authorization: basicHeader(name, password) }, json: {} });
  const retryAfter = answer.headers['retry-after'];
  // Retry-After counts down by the second while the probe runs: compared to the lock's 900 s, to the second.
  return {
    status: answer.status,
    // Each refusal before the lock took its 2 s deadline, so the lock has run ~10 s of its 900 when it is seen.
    retryAfter: retryAfter === undefined ? undefined : Number(retryAfter) >= 880 ? '≈900' : retryAfter,
    body: answer.json,
  };
}

async function probe(name: string) {
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await attempt(name, `guess-${i}`));
  return answers;
}

it('answers a configured and an unknown name alike during a flood of 101 random names with NUL passwords', async () => {
  const flood = Array.from({ length: 101 }, (_, i) => `random-${i}-${randomBytes(3).toString('hex')}`);
  for (let i = 0; i < flood.length; i += 20) {
    const answers = await Promise.all(flood.slice(i, i + 20).map((name) => attempt(name, 'pw\u0000')));
    // Checked (401) or shed by the check queue when 20 arrive at once (429, the same for every name).
    for (const answer of answers) expect([401, 429]).toContain(answer.status);
    expect(answers.some((answer) => answer.status === 401)).toBe(true);
  }
  const configured = await probe('alice');
  const unknown = await probe('mallory');
  expect(configured.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429]);
  expect(configured[5]!.retryAfter).toBe('≈900');
  expect(unknown).toEqual(configured);
}, 120_000);
