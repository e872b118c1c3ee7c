/**
 * Child processes for scripts that must never hang or leave anything behind: each runs in its own process group,
 * is killed with that group when its time is up (or when it exits, taking any stragglers with it), and can be
 * killed at once from a signal handler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { signalGroup } from './process-group';

export interface BoundedResult {
  /** The exit code; null when the process was killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** stdout and stderr as they interleaved (the last MAX_OUTPUT_CHARS of them). */
  readonly output: string;
  readonly seconds: number;
}

export interface BoundedOptions {
  readonly cwd: string;
  /** The child's whole environment: nothing of this process's is added. */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/** Enough for any command's diagnosis; an endless log must not fill the memory. */
const MAX_OUTPUT_CHARS = 1_000_000;
const running = new Set<ChildProcess>();

const killGroup = (child: ChildProcess) => signalGroup(child, 'SIGKILL');

/**
 * Runs `command args` (an argument array, never a shell string) and resolves when it ended, however it ended.
 *
 * @example
 * const result = await runBounded('npm', ['run', 'build'], { cwd: dir, env: { PATH: process.env.PATH }, timeoutMs: 120_000 });
 * if (result.code !== 0) console.log(result.timedOut ? 'timed out' : result.output);
 */
export function runBounded(command: string, args: readonly string[], options: BoundedOptions): Promise<BoundedResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    // What the command started in its group and left running ends with it.
    child.once('exit', () => killGroup(child));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, timedOut, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Kills every process group still running (for a signal handler or a watchdog). */
export function killAllBounded(): void {
  for (const child of running) killGroup(child);
}
