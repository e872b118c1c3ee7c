/**
 * The Twilio CLI and its Serverless plugin installed into a throwaway folder with a HOME (and XDG folders) of
 * its own, so that neither the user's home, profiles and plugins nor this project's node_modules take part.
 *
 * How the CLI finds plugins: it is an oclif 1 CLI whose data folder is TWILIO_DATA_DIR (set by @twilio/cli-core
 * to ~/.twilio-cli); user and linked plugins are the `oclif.plugins` list of that folder's package.json.
 * `twilio plugins:install` fills it by running the yarn 1 that twilio-cli bundles against registry.yarnpkg.com,
 * which also runs the plugin's install scripts (twilio-run 3's optional ngrok downloads a binary from its own
 * host). Here npm installs the plugin from the npm registry with no install scripts, into a folder of its own
 * (a tree of its own, as plugins:install gives it), and `twilio plugins:link` registers that folder: the CLI's
 * own command, with no network (it runs yarn only when the plugin ships a yarn.lock, which the package does not).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { runBounded, type BoundedResult } from './bounded-process';

interface TwilioCliVersions {
  readonly cli: string;
  readonly plugin: string;
  /** The twilio-run that the plugin's `require('twilio-run/...')` resolves to, i.e. the one that deploys. */
  readonly twilioRun: string;
  /** The API client that twilio-run uses. */
  readonly serverlessApi: string;
}

export interface TwilioCliSandbox {
  readonly dir: string;
  readonly home: string;
  readonly versions: TwilioCliVersions;
  /** How long the two npm installs took (they run side by side). */
  readonly installSeconds: number;
  /** Runs `twilio <args>` with the sandbox's HOME and update checks off, plus `env` (credentials, proxy). */
  twilio(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<BoundedResult>;
  /** Files the CLI's update hooks write when they run (a registry lookup or a self-update): none are expected. */
  updateCheckTraces(): string[];
}

export interface TwilioCliSandboxOptions {
  /** An exact version of the `twilio-cli` package. */
  readonly cliVersion: string;
  /** An exact version of `@twilio-labs/plugin-serverless`. */
  readonly pluginVersion: string;
  /** Per npm install. Default 8 minutes. */
  readonly installTimeoutMs?: number;
}

export class SandboxSetupError extends Error {
  constructor(
    message: string,
    /** The failing command's output, for the caller to print (after removing any secret it knows of). */
    readonly output = '',
  ) {
    super(message);
  }
}

const PLUGIN = '@twilio-labs/plugin-serverless';
const DEFAULT_TIMEOUT_MS = 240_000;
/**
 * The variables twilio-cli's oclif plugins document or read to stay quiet: @oclif/plugin-warn-if-update-available
 * (README: `<CLI>_SKIP_NEW_VERSION_CHECK`) otherwise spawns a detached registry lookup on every run, and
 * @oclif/plugin-update (`<CLI>_DISABLE_AUTOUPDATE`, its init hook) a detached `twilio update --autoupdate`.
 * Neither twilio-cli, @twilio/cli-core, the plugin nor twilio-run 3 holds analytics or telemetry code.
 */
const TWILIO_CLI_QUIET_ENV: Readonly<Record<string, string>> = Object.freeze({
  TWILIO_SKIP_NEW_VERSION_CHECK: 'true',
  TWILIO_DISABLE_AUTOUPDATE: '1',
});
/** What the update hooks leave in the CLI's cache folder (~/.twilio-cli) when they run. */
const UPDATE_TRACES = ['version', 'last-warning', 'autoupdate', 'autoupdate.log'];

function versionIn(packageJsonPath: string): string {
  return String((JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: unknown }).version);
}

/** PATH without any node_modules/.bin, so that nothing of this project (its twilio-run 5) can be picked up. */
function pathWithoutProjectBins(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry && !/node_modules[\\/]\.bin|node-gyp-bin/.test(entry))
    .join(delimiter);
}

/**
 * Installs the CLI and the plugin into `dir` (an empty folder that the caller owns and removes, also when this
 * throws or is interrupted), links the plugin, and answers with what was installed.
 *
 * @example
 * const dir = mkdtempSync(join(tmpdir(), 'twilio-cli-'));
 * try {
 *   const cli = await createTwilioCliSandbox(dir, { cliVersion: '6.2.4', pluginVersion: '3.1.3' });
 *   await cli.twilio(['serverless:deploy'], { cwd: projectDir, env: { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } });
 * } finally {
 *   rmSync(dir, { recursive: true, force: true });
 * }
 */
export async function createTwilioCliSandbox(dir: string, options: TwilioCliSandboxOptions): Promise<TwilioCliSandbox> {
  const home = join(dir, 'home');
  const cliDir = join(dir, 'cli');
  const pluginDir = join(dir, 'plugin');
  for (const folder of [home, cliDir, pluginDir]) mkdirSync(folder, { recursive: true });
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: pathWithoutProjectBins(),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    ...(process.env.TMPDIR && { TMPDIR: process.env.TMPDIR }),
    ...(process.env.LANG && { LANG: process.env.LANG }),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  // npm reaches the registry directly: no proxy of the caller's, no npm_* context of an enclosing `npm run`.
  const npmEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    npm_config_cache: join(home, '.npm'),
    ...(process.env.npm_config_registry && { npm_config_registry: process.env.npm_config_registry }),
  };
  const install = (folder: string, spec: string) => {
    writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
    return runBounded(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--ignore-scripts',
        '--omit=optional',
        '--save-exact',
        '--loglevel=error',
        spec,
      ],
      { cwd: folder, env: npmEnv, timeoutMs: options.installTimeoutMs ?? 480_000 },
    );
  };
  const started = Date.now();
  const [cliInstall, pluginInstall] = await Promise.all([
    install(cliDir, `twilio-cli@${options.cliVersion}`),
    install(pluginDir, `${PLUGIN}@${options.pluginVersion}`),
  ]);
  const installSeconds = (Date.now() - started) / 1000;
  for (const [what, result] of [
    ['twilio-cli', cliInstall],
    [PLUGIN, pluginInstall],
  ] as const) {
    if (result.code !== 0) {
      throw new SandboxSetupError(
        `npm install ${what} ${result.timedOut ? 'timed out' : `failed (exit ${result.code ?? result.signal})`}`,
        result.output,
      );
    }
  }

  const cliRoot = join(cliDir, 'node_modules', 'twilio-cli');
  const pluginRoot = join(pluginDir, 'node_modules', PLUGIN);
  const pluginRequire = createRequire(join(pluginRoot, 'package.json'));
  const twilioRunPackage = pluginRequire.resolve('twilio-run/package.json');
  const versions: TwilioCliVersions = {
    cli: versionIn(join(cliRoot, 'package.json')),
    plugin: versionIn(join(pluginRoot, 'package.json')),
    twilioRun: versionIn(twilioRunPackage),
    serverlessApi: versionIn(createRequire(twilioRunPackage).resolve('@twilio-labs/serverless-api/package.json')),
  };
  const cliEnv: NodeJS.ProcessEnv = { ...baseEnv, ...TWILIO_CLI_QUIET_ENV };
  const twilio: TwilioCliSandbox['twilio'] = (args, runOptions) =>
    runBounded(process.execPath, [join(cliRoot, 'bin', 'run'), ...args], {
      cwd: runOptions.cwd,
      env: { ...cliEnv, ...runOptions.env },
      timeoutMs: runOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });

  const linked = await twilio(['plugins:link', pluginRoot], { cwd: dir, timeoutMs: 120_000 });
  if (linked.code !== 0) throw new SandboxSetupError(`twilio plugins:link failed (exit ${linked.code ?? linked.signal})`, linked.output);

  const cliHome = join(home, '.twilio-cli');
  return {
    dir,
    home,
    versions,
    installSeconds,
    twilio,
    updateCheckTraces: () => (existsSync(cliHome) ? readdirSync(cliHome).filter((name) => UPDATE_TRACES.includes(name)) : []),
  };
}
