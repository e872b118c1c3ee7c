// Runs wrk (HTTP load generator) with a POST body and headers, and parses its report into JSON.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const postScript = fileURLToPath(new URL('../post.lua', import.meta.url));

/** Extra seconds wrk may take beyond its own duration before it is killed. */
const WRK_GRACE_SECONDS = 10;

/**
 * Whether wrk is installed; prints how to install it when it is not.
 * @example if (!hasWrk()) skip('wrk missing');
 */
export function hasWrk() {
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    console.error('wrk not found: install it with `apt-get install wrk` (Debian package)');
    return false;
  }
  return true;
}

/**
 * Load-tests `url` with `connections` keep-alive connections for `durationS` seconds, every request
 * a POST of `body` with the given Authorization header, and resolves to the parsed report.
 * @example const r = await runWrk({ url: 'http://127.0.0.1:5005/token', body: '{}', durationS: 2, connections: 2 });
 *          r.requestsPerSec, r.latencyMs.p99
 * @param {{ url: string, body: string, authorization?: string, durationS: number, connections: number, threads?: number }} options
 */
export function runWrk({ url, body, authorization = '', durationS, connections, threads }) {
  const threadCount = Math.max(1, Math.min(threads ?? 2, connections));
  const args = ['-t', String(threadCount), '-c', String(connections), '-d', `${durationS}s`, '--latency', '-s', postScript, url];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_BODY: body, BENCH_AUTHORIZATION: authorization },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), (durationS + WRK_GRACE_SECONDS) * 1000);
    child.on('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (code !== 0) {
        reject(new Error(`wrk exited with ${signal ?? code}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      resolve({ args: { url, durationS, connections, threads: threadCount }, ...parseWrkReport(stdout) });
    });
  });
}

const TO_MS = { us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

function durationToMs(text) {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`wrk: unreadable duration "${text}"`);
  return Math.round(Number(match[1]) * TO_MS[match[2]] * 1000) / 1000;
}

/**
 * Parses the text wrk prints with --latency: totals, requests/s, latency percentiles (ms),
 * socket errors and the count of non-2xx/3xx answers.
 * @example parseWrkReport(stdout).latencyMs.p50
 */
function parseWrkReport(text) {
  const requestsPerSec = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const totals = /(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read/.exec(text);
  if (!requestsPerSec || !totals) throw new Error(`wrk: unexpected report:\n${text}`);
  const latencyMs = {};
  for (const [, percent, value] of text.matchAll(/^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$/gm)) {
    latencyMs[`p${percent}`] = durationToMs(value);
  }
  const mean = /^\s+Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)/m.exec(text);
  if (mean) {
    latencyMs.mean = durationToMs(mean[1]);
    latencyMs.max = durationToMs(mean[3]);
  }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requests: Number(totals[1]),
    elapsedMs: durationToMs(totals[2]),
    requestsPerSec: Number(requestsPerSec[1]),
    latencyMs,
    socketErrors: socket
      ? { connect: Number(socket[1]), read: Number(socket[2]), write: Number(socket[3]), timeout: Number(socket[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}
