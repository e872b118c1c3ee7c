// Starts bench/lib/in-process-worker.mjs with its standard output on /dev/null and collects what it measured: the
// handler's log lines then cost what they cost when deployed (a real write to stdout), and this process's own
// output stays readable.
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./in-process-worker.mjs', import.meta.url));

/**
 * Measures the named in-process cases in a fresh child process: `interleaved` side by side in rounds, then each of
 * `alone` on its own (slow cases whose rate would starve the rounds). Bounded by `timeoutMs`.
 * @example const { results, perRound, perRoundCpu } = await measureIsolated(creds, { interleaved: ['raw-hmac', 'handler'], settings });
 */
export function measureIsolated(creds, { interleaved, alone = [], settings, timeoutMs }) {
  const { remove: _remove, ...data } = creds;
  const devNull = openSync('/dev/null', 'w');
  const child = fork(WORKER, [], { stdio: ['ignore', devNull, 'inherit', 'ipc'] });
  closeSync(devNull);
  return new Promise((resolve, reject) => {
    let answer;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('message', (message) => (answer = message));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (answer?.error) reject(new Error(answer.error));
      else if (answer) resolve(answer);
      else reject(new Error(`the in-process worker ended without an answer (${signal ?? `exit ${code}`})`));
    });
    child.send({ creds: data, interleaved, alone, settings });
  });
}
