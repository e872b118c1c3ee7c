// Starts and stops the servers the bench loads (twilio-run, the Flask reference) on loopback,
// each in its own process group, with a bounded start and its peak memory sampled while it runs.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const flaskScript = fileURLToPath(new URL('../flask_reference.py', import.meta.url));

/** Debian's interpreter: `python3` on PATH may be a pyenv shim without python3-flask. */
const SYSTEM_PYTHON = '/usr/bin/python3';
/** Default bound on a server start, from spawn to its first HTTP answer on the ready path. */
const DEFAULT_START_TIMEOUT_MS = 20_000;
/** How long a stopped server may take to exit after SIGTERM before its group gets SIGKILL. */
const STOP_GRACE_MS = 3_000;
/** Memory sampling period while a server runs. */
const SAMPLE_EVERY_MS = 200;
/** How much of a server's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 4_000;

const running = new Set();
// Whatever happens to the bench, no server outlives it.
process.on('exit', () => {
  for (const server of running) killGroup(server.pid, 'SIGKILL');
});

/**
 * A loopback port that was free a moment ago (twilio-run hangs on a prompt if its port is busy).
 * @example const port = await freePort();
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Whether the Flask reference can run; prints the Debian packages to install when it cannot.
 * @example if (!hasFlaskReference()) skip();
 */
export function hasFlaskReference() {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import flask, twilio.jwt.access_token'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`Flask reference unavailable (${SYSTEM_PYTHON}): apt-get install python3-flask python3-twilio`);
    return false;
  }
  return true;
}

/**
 * Serves the project's built functions with twilio-run in production-like mode (no per-request
 * fork, no reload), its environment read from `envFile` only. `functionsFolder` serves other functions than
 * .twilioserverlessrc names (the bench's floor); relative to `cwd`, as twilio-run finds nothing at an absolute one.
 * @example const server = await startTwilioRun({ envFile: '/tmp/x/.env' });
 *          ... await server.stop(); // => { peakRssKb, ... }
 */
export async function startTwilioRun({ envFile, cwd = projectRoot, timeoutMs = DEFAULT_START_TIMEOUT_MS, functionsFolder = undefined }) {
  const port = await freePort();
  const binary = join(cwd, 'node_modules', '.bin', 'twilio-run');
  // --no-logs: the Flask reference runs without access logs too.
  const args = ['start', '--no-fork-process', '--no-live', '--no-logs', '--port', String(port), '--env', envFile];
  if (functionsFolder !== undefined) args.push('--functions-folder', functionsFolder);
  return startServer({ name: 'twilio-run', command: binary, args, cwd, env: childEnv(), port, timeoutMs });
}

/**
 * Serves the Flask reference (bench/flask_reference.py) with the given throwaway credentials.
 * @example const server = await startFlaskReference({ accountSid, apiKeySid, apiKeySecret, room: 'bench-room' });
 */
export async function startFlaskReference({ accountSid, apiKeySid, apiKeySecret, room, timeoutMs = DEFAULT_START_TIMEOUT_MS }) {
  const port = await freePort();
  const env = {
    ...childEnv(),
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_API_KEY_SID: apiKeySid,
    TWILIO_API_KEY_SECRET: apiKeySecret,
    VIDEO_ROOM: room,
    PYTHONDONTWRITEBYTECODE: '1',
  };
  return startServer({ name: 'flask', command: SYSTEM_PYTHON, args: [flaskScript, String(port)], cwd: projectRoot, env, port, timeoutMs });
}

// The bench's own environment minus anything that could carry real Twilio credentials or a port.
function childEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TWILIO_|ACCOUNT_SID$|AUTH_TOKEN$|PORT$)/.test(key)) continue;
    env[key] = value;
  }
  return env;
}

async function startServer({ name, command, args, cwd, env, port, timeoutMs, readyPath = '/token' }) {
  // The server's output (one log line per request) goes to a file, not a pipe to this process: reading
  // a pipe would wake the bench for every line and take CPU from the server it is measuring.
  const logDir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const logFile = join(logDir, 'output.log');
  const logFd = openSync(logFile, 'w');
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const outputTail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-OUTPUT_TAIL_CHARS);
    } catch {
      return '';
    }
  };
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  let exitStatus;
  // `exited` only ever resolves.
  void exited.then((status) => (exitStatus = status));
  const spawnError = new Promise((resolve) => child.on('error', resolve));

  const server = { name, pid: child.pid, port, url: `http://127.0.0.1:${port}` };
  if (child.pid === undefined) {
    throw new Error(`${name}: could not start ${command}: ${(await spawnError).message}`);
  }
  running.add(server);
  const memory = sampleGroupMemory(child.pid);

  const stop = async () => {
    memory.sample();
    const listener = memory.listener();
    clearInterval(memory.timer);
    if (exitStatus === undefined) {
      killGroup(child.pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) killGroup(child.pid, 'SIGKILL');
    }
    killGroup(child.pid, 'SIGKILL'); // any straggler left in the group
    running.delete(server);
    rmSync(logDir, { recursive: true, force: true });
    return { peakRssKb: listener.vmHwmKb, listenerPid: listener.pid, groupPeakRssKb: memory.groupPeakRssKb() };
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitStatus !== undefined) {
      await stop();
      throw new Error(`${name} exited (${exitStatus}) before answering on ${readyPath}:\n${outputTail()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} gave no HTTP answer on ${readyPath} within ${timeoutMs} ms:\n${outputTail()}`);
    }
    if ((await probe(port, readyPath)) !== undefined) break;
    await delay(100);
  }
  memory.findListener(port);
  return { ...server, stop, output: outputTail };
}

/** Resolves to the status of a POST to the path, or undefined when nothing answers. */
function probe(port, path) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Tracks the memory of a process group: the summed VmRSS peak over its processes (polled), and
 * the kernel's own peak (VmHWM) of the process that holds the listening socket — the real
 * server, which may be a child of a wrapper.
 */
function sampleGroupMemory(pgid) {
  let groupPeak = 0;
  let listenerPid = pgid;
  let listenerHwm;
  const sample = () => {
    let sum = 0;
    for (const pid of groupPids(pgid)) sum += statusKb(pid, 'VmRSS') ?? 0;
    groupPeak = Math.max(groupPeak, sum);
    listenerHwm = statusKb(listenerPid, 'VmHWM') ?? listenerHwm;
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  timer.unref();
  return {
    timer,
    sample,
    findListener(port) {
      listenerPid = listeningPid(port, groupPids(pgid)) ?? pgid;
      sample();
    },
    listener: () => ({ pid: listenerPid, vmHwmKb: listenerHwm }),
    groupPeakRssKb: () => groupPeak,
  };
}

function groupPids(pgid) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function statusKb(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pid among `pids` that owns the socket listening on loopback `port`, from /proc/net. */
function listeningPid(port, pids) {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols[1] local address:port, cols[3] state (0A = LISTEN), cols[9] inode
      if (cols.length > 9 && cols[1].endsWith(`:${portHex}`) && cols[3] === '0A') inodes.add(`socket:[${cols[9]}]`);
    }
  }
  for (const pid of pids) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}
