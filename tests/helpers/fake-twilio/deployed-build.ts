/**
 * "Boot what was uploaded, alone": lays out an environment's deployed Build the way Twilio's build would (the uploaded
 * bytes only, the Build's Dependencies only, the environment's Variables), and serves it with this repository's real
 * twilio-run in a folder that cannot resolve anything from the repository's node_modules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, sep } from 'node:path';
import { killGroupAfter, stopProcessGroup } from '../process-group';
import { findProjectRoot, freePort } from '../twilio-run-server';
import type { ServerlessStateView, VersionSnapshot } from './state-view';
import { dotenvText } from '../fixtures';

const projectRoot = findProjectRoot(__dirname);

export interface BootOptions {
  /** The fake's state, holding the uploaded versions, the Build and the Variables. */
  state: ServerlessStateView;
  environmentSid: string;
  /** Provided by the platform to every Function as ACCOUNT_SID. */
  accountSid: string;
  /** A route that answers once functions are loaded. Default: the first public function's path. */
  readinessPath?: string;
  /** Default 120 s: a cold npm cache may have to download the dependencies. */
  installTimeoutMs?: number;
  /** Default 60 s: twilio-run answers in a few seconds alone; the room is for a loaded 2-core machine. */
  startTimeoutMs?: number;
  /**
   * Installed dependency sets, by their JSON, each a folder holding a node_modules made by `npm install`
   * of exactly those dependencies; a boot copies it instead of installing again. The caller removes them.
   */
  dependencyCache?: Map<string, Promise<string>>;
}

export interface DeployedEnvironment {
  /** The environment's domain (`<service>-1234-dev.twil.io`). */
  readonly domain: string;
  /** `http://127.0.0.1:<port>`: the twilio-run serving the layout (what the edge forwards to). */
  readonly upstreamUrl: string;
  /** The laid-out folder (under the OS temp dir). */
  readonly dir: string;
  /** twilio-run's process id, also its process group id. */
  readonly pid: number;
  /** Everything npm install and twilio-run printed so far. */
  output(): string;
  /** Kills twilio-run's whole process group and removes the folder. */
  stop(): Promise<void>;
}

/** `/a/b` + private -> `a/b.private.js` (functions) or `/x.css` -> `x.private.css` (assets), as twilio-run reads them. */
function fileFor(version: VersionSnapshot): string {
  const marker = version.visibility === 'public' ? '' : `.${version.visibility}`;
  const relativePath = version.path.replace(/^\/+/, '');
  if (version.kind === 'function') return join('functions', `${relativePath}${marker}.js`);
  const ext = extname(relativePath);
  return join('assets', `${relativePath.slice(0, relativePath.length - ext.length)}${marker}${ext}`);
}

/** The folder must not sit below any node_modules (nor below the repository), so Node resolves nothing outside it. */
function assertIsolated(dir: string): void {
  const real = realpathSync(dir);
  const root = realpathSync(projectRoot);
  if (real === root || real.startsWith(`${root}${sep}`)) throw new Error(`${real} is inside the repository`);
  for (let parent = dirname(real); ; parent = dirname(parent)) {
    if (existsSync(join(parent, 'node_modules'))) throw new Error(`${join(parent, 'node_modules')} would be resolvable from ${real}`);
    if (dirname(parent) === parent) break;
  }
}

/** The child environment: no proxy (npm must reach the registry directly), no CA override, no npm run context. */
function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(https?_proxy|no_proxy|all_proxy)$/i.test(key) || key === 'NODE_EXTRA_CA_CERTS' || key === 'NODE_PATH') continue;
    // `npm test` puts its own context (local prefix, package fields) in npm_* variables; a nested npm would obey it.
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) continue;
    if (key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, FORCE_COLOR: '0' };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number, log: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    const timer = killGroupAfter(child, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

/**
 * Lays out, installs and starts the Build deployed to an environment.
 *
 * @example
 * const deployed = await bootDeployedEnvironment({ state, environmentSid, accountSid });
 * await fetch(`${deployed.upstreamUrl}/health`);
 * await deployed.stop();
 */
export async function bootDeployedEnvironment(options: BootOptions): Promise<DeployedEnvironment> {
  const { state } = options;
  const environment = state.environment(options.environmentSid);
  if (!environment) throw new Error(`no environment ${options.environmentSid}`);
  if (!environment.buildSid) throw new Error(`environment ${environment.sid} has no Deployment yet`);
  const build = state.build(environment.buildSid)!;
  if (build.status !== 'completed') throw new Error(`build ${build.sid} is ${build.status}`);
  const versions = [...build.functionVersionSids, ...build.assetVersionSids].map((sid) => state.version(sid)!);

  const dir = mkdtempSync(join(tmpdir(), 'fake-twilio-deployed-'));
  let log = '';
  const append = (text: string) => (log += text);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async () => {
    if (child) await stopProcessGroup(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    assertIsolated(dir);
    for (const version of versions) {
      const file = join(dir, fileFor(version));
      if (relative(dir, file).startsWith('..')) throw new Error(`version path ${version.path} escapes the layout`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, version.content);
    }
    // Exactly the Build's Dependencies: anything the project had besides them is not there when deployed.
    const dependencies = Object.fromEntries(build.dependencies.map(({ name, version }) => [name, version]));
    const service = state.service(environment.serviceSid)!;
    const packageJson = { name: service.uniqueName.toLowerCase(), private: true, dependencies };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
    const variables = Object.fromEntries(state.variables(environment.sid).map(({ key, value }) => [key, value]));
    writeFileSync(join(dir, '.env'), dotenvText({ ...variables, ACCOUNT_SID: options.accountSid }), { mode: 0o600 });

    if (build.dependencies.length > 0) {
      const install = async (into: string) => {
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline'], into, options.installTimeoutMs ?? 120_000, append);
      };
      const cache = options.dependencyCache;
      if (!cache) await install(dir);
      else {
        // The same dependency set installs the same tree: install it once (alone, from the same package.json), copy it after.
        const key = JSON.stringify(dependencies);
        let installed = cache.get(key);
        if (!installed) {
          installed = (async () => {
            const template = mkdtempSync(join(tmpdir(), 'fake-twilio-dependencies-'));
            assertIsolated(template);
            writeFileSync(join(template, 'package.json'), JSON.stringify({ name: 'dependencies', private: true, dependencies }, null, 2));
            await install(template);
            return template;
          })();
          cache.set(key, installed);
          installed.catch(() => cache.delete(key));
        }
        cpSync(join(await installed, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
      }
    }

    const port = await freePort();
    child = spawn(
      join(projectRoot, 'node_modules', '.bin', 'twilio-run'),
      // --no-logs as npm start does: twilio-run's request log would print every URL, query string included.
      ['start', '--no-fork-process', '--no-live', '--no-logs', '--port', String(port)],
      { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnvironment() },
    );
    const started = child;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    started.stdout!.on('data', (chunk: Buffer) => append(chunk.toString('utf8')));
    started.stderr!.on('data', (chunk: Buffer) => append(chunk.toString('utf8')));

    const upstreamUrl = `http://127.0.0.1:${port}`;
    const firstPublic = versions.find((version) => version.kind === 'function' && version.visibility === 'public');
    const readinessPath = options.readinessPath ?? firstPublic?.path ?? '/';
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (started.exitCode !== null) throw new Error(`twilio-run exited with ${started.exitCode}`);
      try {
        // Any answer counts: readiness is about functions being loaded, not about this route's result.
        await fetch(`${upstreamUrl}${readinessPath}`, { signal: AbortSignal.timeout(2000) });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('twilio-run did not answer in time');
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
    return { domain: environment.domainName, upstreamUrl, dir, pid: started.pid!, output: () => log, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${log}`);
  }
}
