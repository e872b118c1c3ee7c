/**
 * npm start (after its prestart, dev-env): builds dist/ without type-checking (npm run typecheck and CI do that),
 * serves it with twilio-run as one warm instance, and restarts it when .env or a file under src/ changes, so an
 * edit is served within a few seconds and a changed setting is never silently ignored. The port comes from PORT
 * (default 3000), read here rather than by the shell, so the script runs the same in cmd.exe and PowerShell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { checkLocalConfiguration, formatReport, readProjectConfiguration } from './project/config';

const ENV_FILE = '.env';
const DEFAULT_PORT = 3000;
/** Editors save in bursts (write, rename, chmod): one restart per burst. */
const SETTLE_MS = 250;

/** The port npm start serves on: PORT when set, else 3000. A clear error for anything that is not a port number. */
function portFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_PORT;
  const port = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65_535) {
    throw new Error(`PORT must be a whole number from 1 to 65535 (got ${JSON.stringify(value)}); e.g. PORT=4000 npm start`);
  }
  return port;
}

/** twilio-run opens an interactive prompt (and waits forever) when the port is taken: say so and stop instead. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, () => probe.close(() => resolveFree(true)));
  });
}

/** A folder and every folder in it (a folder made later is watched from the next npm start). */
function foldersUnder(folder: string): string[] {
  const inside = readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return [folder, ...inside.flatMap((entry) => foldersUnder(join(folder, entry.name)))];
}

function runBuild(): Promise<boolean> {
  return new Promise((resolveBuilt) => {
    const child = spawn(process.execPath, [join('scripts', 'build.mjs')], { stdio: 'inherit' });
    child.once('exit', (code) => resolveBuilt(code === 0));
    child.once('error', () => resolveBuilt(false));
  });
}

/** twilio-run's own script run by node directly: no shell, no .cmd shim, and its pid is the server's. */
function startTwilioRun(port: number): ChildProcess {
  const bin = require.resolve('twilio-run/bin/twilio-run.js', { paths: [process.cwd()] });
  // --no-fork-process --no-live: one warm instance, as Twilio runs it (throttle and caches behave as deployed).
  // --no-logs: twilio-run's request log prints every URL, query string included.
  return spawn(process.execPath, [bin, 'start', '--no-fork-process', '--no-live', '--no-logs', '--port', String(port)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStopped) => {
    child.once('exit', () => resolveStopped());
    child.kill('SIGTERM');
  });
}

/** What a change to the configuration means (the placeholder warning among it), printed before the server restarts. */
function describeConfiguration(): string {
  const report = checkLocalConfiguration(readProjectConfiguration({ envFile: ENV_FILE, systemEnv: {} }));
  const lines: string[] = [];
  if (report.problems.length > 0 || report.warnings.length > 0) lines.push(formatReport(report));
  if (!report.config) lines.push('start: /token answers 500 server_misconfigured until these are fixed (GET /health lists them).\n');
  return lines.join('');
}

async function main(): Promise<number> {
  const port = portFrom(process.env['PORT']);
  if (!(await portIsFree(port))) {
    process.stderr.write(`start: port ${port} is in use (another npm start?); stop that, or pick another: PORT=4000 npm start\n`);
    return 1;
  }
  if (!(await runBuild())) return 1;
  let server = startTwilioRun(port);
  let stopping = false;
  const announceUnexpectedExit = (child: ChildProcess) =>
    child.once('exit', (code, signal) => {
      if (!stopping && child === server)
        process.stdout.write(`start: twilio-run stopped (${signal ?? `exit ${code}`}); save a file to start it again, or press Ctrl-C\n`);
    });
  announceUnexpectedExit(server);
  let restarting: Promise<void> | undefined;
  let pending: { rebuild: boolean; why: string } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const restart = async (rebuild: boolean, why: string) => {
    process.stdout.write(`\nstart: ${why}; restarting the server on port ${port}\n`);
    if (!rebuild) process.stdout.write(describeConfiguration());
    stopping = true;
    await stopChild(server);
    stopping = false;
    if (rebuild && !(await runBuild())) {
      process.stdout.write('start: the build failed; fix the file and save it again (the server is stopped until then)\n');
      return;
    }
    server = startTwilioRun(port);
    announceUnexpectedExit(server);
  };
  const schedule = (rebuild: boolean, why: string) => {
    pending = { rebuild: rebuild || (pending?.rebuild ?? false), why: pending && pending.why !== why ? 'files changed' : why };
    clearTimeout(timer);
    timer = setTimeout(() => {
      const next = pending!;
      pending = undefined;
      restarting = (restarting ?? Promise.resolve()).then(() => restart(next.rebuild, next.why));
    }, SETTLE_MS);
  };

  const watchers: FSWatcher[] = [
    // The folder, not the file: editors replace .env by renaming, which ends a watch on the file itself.
    watch('.', (_event, name) => {
      if (name === ENV_FILE) schedule(false, `${ENV_FILE} changed`);
    }),
    // Sources and assets (the private users and policy files among them) are built into dist/: rebuild first. One
    // watch per folder, not { recursive: true }: on Linux, Node 20's recursive watch stops reporting a file that an
    // editor (or sed -i, or git checkout) replaced, while a folder's watch keeps reporting its entries.
    ...foldersUnder('src').map((folder) =>
      watch(folder, (_event, name) => schedule(true, `${relative('.', join(folder, String(name ?? '')))} changed`)),
    ),
  ];
  process.stdout.write(`start: watching ${ENV_FILE} and src/: a change restarts the server (and rebuilds for src/)\n`);

  return new Promise<number>((resolveExit) => {
    const shutdown = () => {
      stopping = true;
      for (const watcher of watchers) watcher.close();
      clearTimeout(timer);
      void stopChild(server).then(() => resolveExit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`start: ${error.message}\n`);
    process.exitCode = 1;
  },
);
