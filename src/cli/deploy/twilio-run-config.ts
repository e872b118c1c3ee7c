/**
 * The deploy configuration `npm run deploy <args>` works from, computed by twilio-run's own code (its argument parser
 * and getConfigFromFlags), so the deploy reads the variables, service and environment as twilio-run would.
 * twilio-run is pinned to an exact version in package.json; the deploy tests run against it.
 */
import { createRequire } from 'node:module';

/** The parts of twilio-run's deploy configuration this project uses. */
export interface TwilioRunDeployConfig {
  /** The variables it uploads: the .env file minus empty values, ACCOUNT_SID and AUTH_TOKEN. */
  readonly env: Readonly<Record<string, string>>;
  readonly envPath: string;
  /** --load-system-env on the command line: empty `KEY=` lines of the env file take the environment's values. */
  readonly loadSystemEnv: boolean;
  /**
   * Credentials from the .env file's ACCOUNT_SID/AUTH_TOKEN ('' when absent). twilio-run would also take
   * --username/--password; npm run deploy refuses those (deploy/credentials.ts), so only .env's are used.
   */
  readonly username: string;
  readonly password: string;
  /** From --service-sid, the config file or .twiliodeployinfo; undefined for a first deploy. */
  readonly serviceSid?: string;
  /** The service's unique name ('' when a service SID is known). */
  readonly serviceName: string;
  /** The environment's domain suffix ('' for production), or an environment SID (ZE…). */
  readonly functionsEnv: string;
  readonly region?: string;
  readonly edge?: string;
  readonly overrideExistingService?: boolean;
  readonly force?: boolean;
}

interface DeployCommandModule {
  builder(yargs: unknown): { parse(): Record<string, unknown> };
}

interface DeployConfigModule {
  getConfigFromFlags(this: void, flags: Record<string, unknown>): Promise<TwilioRunDeployConfig & { functionsEnv?: string }>;
}

/**
 * @example const config = await readTwilioRunDeployConfig(['--environment', 'stage'])
 */
export async function readTwilioRunDeployConfig(args: readonly string[], cwd = process.cwd()): Promise<TwilioRunDeployConfig> {
  const projectRequire = createRequire(`${cwd}/package.json`);
  // twilio-run's own yargs, so flags, aliases and defaults are parsed exactly as `twilio-run deploy` parses them.
  const runRequire = createRequire(projectRequire.resolve('twilio-run/package.json'));
  const yargs = runRequire('yargs') as (args: readonly string[]) => unknown;
  const command = runRequire('./dist/commands/deploy') as DeployCommandModule;
  const { getConfigFromFlags } = runRequire('./dist/config/deploy') as DeployConfigModule;
  const flags = command.builder(yargs([...args])).parse();
  flags['cwd'] = cwd;
  const config = await getConfigFromFlags(flags);
  return { ...config, loadSystemEnv: flags['loadSystemEnv'] === true, functionsEnv: config.functionsEnv ?? 'dev' };
}
