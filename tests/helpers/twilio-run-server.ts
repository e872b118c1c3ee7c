/**
 * Starts the real twilio-run dev server on a free loopback port, serving the built dist/, in its own
 * process group so that stopping it kills every process it made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { stopProcessGroup } from './process-group';
import { dotenvText } from './fixtures';

/** The nearest folder with a package.json: also right when a script bundles this file elsewhere. */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
const projectRoot = findProjectRoot(__dirname);

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The twilio-run node process (the process group leader). */
  readonly pid: number;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /**
   * The complete lines (since the offset `since`, an earlier `output().length`) that `match`, once there are `count` of
   * them. A line is printed before the answer is sent but reaches this process through a pipe, so on a busy machine it
   * can arrive after the answer: read a request's log line through this, never with output() right after the answer.
   * Rejects after `timeoutMs`, or when the server exits, showing the end of the output.
   */
  waitForOutput(match: RegExp | ((line: string) => boolean), options?: OutputWait): Promise<string[]>;
  stop(): Promise<void>;
}

export interface OutputWait {
  /** How many matching lines to wait for (1). */
  count?: number;
  /** Only output printed after this offset, an earlier `output().length` (0). */
  since?: number;
  /** 10 s: far longer than a pipe lags, well inside a test's timeout. */
  timeoutMs?: number;
}

/** The matching complete lines of `text` (a line still being written could be half a JSON object). */
function matchingLines(text: string, match: RegExp | ((line: string) => boolean)): string[] {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  // Without g and y: a global or sticky RegExp would carry its lastIndex from one line to the next.
  const pattern = typeof match === 'function' ? undefined : new RegExp(match.source, match.flags.replace(/[gy]/g, ''));
  const test = pattern ? (line: string) => pattern.test(line) : (match as (line: string) => boolean);
  return complete.filter((line) => line !== '' && test(line));
}

/** Polls `output` every 20 ms until `count` lines match; the rejection names what was awaited and ends with the output's tail. */
export async function waitForLines(
  output: () => string,
  exited: () => boolean,
  match: RegExp | ((line: string) => boolean),
  { count = 1, since = 0, timeoutMs = 10_000 }: OutputWait = {},
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = matchingLines(output().slice(since), match);
    if (lines.length >= count) return lines;
    const gone = exited();
    if (gone || Date.now() > deadline) {
      const wanted = typeof match === 'function' ? 'the awaited line' : String(match);
      const tail = output().slice(since).split('\n').slice(-20).join('\n');
      throw new Error(
        `${gone ? 'the server exited' : `after ${timeoutMs} ms`}, ${lines.length} of ${count} lines match ${wanted}; its output ends:\n${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`twilio-run exited with ${child.exitCode}`);
    try {
      // Readiness is checked on a function route: '/' can answer before functions are loaded.
      await fetch(`${url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  throw new Error('twilio-run did not answer in time');
}

export interface StartOptions {
  startTimeoutMs?: number;
  /** Serve assets from this folder instead of dist/assets (e.g. a temporary one holding a policy asset). */
  assetsFolder?: string;
  /** Run in twilio-run's default mode, forking a process per request (slow): for checks of that mode only. */
  forkPerRequest?: boolean;
  /** Extra variables for the twilio-run process itself (not its .env), e.g. a stand-in's HTTP_PROXY and NODE_EXTRA_CA_CERTS. */
  processEnv?: Readonly<Record<string, string>>;
}

/** Starts twilio-run with the given environment as its .env; --no-fork-process --no-live (the default) keeps it fast. */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'token-service-test-'));
  const envFile = join(dir, '.env');
  writeFileSync(envFile, dotenvText(env), { mode: 0o600 });
  const port = await freePort();
  const child = spawn(
    join(projectRoot, 'node_modules', '.bin', 'twilio-run'),
    [
      'start',
      '--port',
      String(port),
      '--env',
      envFile,
      ...(options.forkPerRequest ? [] : ['--no-fork-process', '--no-live']),
      // As npm start does: twilio-run's own request log prints every URL, query string included.
      '--no-logs',
      // twilio-run joins the folder onto the project directory, so an absolute path would find nothing.
      ...(options.assetsFolder !== undefined ? ['--assets-folder', relative(projectRoot, options.assetsFolder)] : []),
    ],
    {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.processEnv, FORCE_COLOR: '0' },
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopProcessGroup(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(url, child, Date.now() + (options.startTimeoutMs ?? 30_000));
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  const exitedYet = () => child.exitCode !== null || child.signalCode !== null;
  return {
    url,
    port,
    pid: child.pid!,
    output: () => output,
    waitForOutput: (match, wait) => waitForLines(() => output, exitedYet, match, wait),
    stop,
  };
}
