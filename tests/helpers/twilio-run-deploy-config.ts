/**
 * twilio-run 5's own deploy configuration for a command line and a project folder: its yargs builder and its
 * getConfigFromFlags, from its private dist/. For tests only (src/ may not reach it): they hold our reader to it.
 */
import { jest } from '@jest/globals';
import { createRequire } from 'node:module';

interface DeployCommandModule {
  builder(yargs: unknown): { parse(): Record<string, unknown> };
}
interface DeployConfigModule {
  getConfigFromFlags(this: void, flags: Record<string, unknown>): Promise<Record<string, unknown>>;
}
interface ConfigLoaderModule {
  getConfig: (...args: unknown[]) => unknown;
}

const runRequire = createRequire(require.resolve('twilio-run/package.json'));
const CONFIG_LOADER = './dist/config/utils/configLoader';

/**
 * twilio-run loaded once, for every case: reloading all of it per case cost about 15 s of test:unit.
 * @example const { yargs, command, getConfigFromFlags, configLoader } = twilioRun()
 */
function twilioRun() {
  return {
    yargs: runRequire('yargs') as (args: readonly string[]) => unknown,
    command: runRequire('./dist/commands/deploy') as DeployCommandModule,
    getConfigFromFlags: (runRequire('./dist/config/deploy') as DeployConfigModule).getConfigFromFlags,
    configLoader: runRequire(CONFIG_LOADER) as ConfigLoaderModule,
  };
}

/**
 * twilio-run's config loader keeps the first config file it read for the life of the process (a module-level
 * variable): each call swaps in a freshly loaded copy of that one module, twilio-run's own code with no memory.
 * The callers reach it through its exports object at call time, so the swap takes effect for them.
 */
function freshConfigLoader(): ConfigLoaderModule['getConfig'] {
  let getConfig!: ConfigLoaderModule['getConfig'];
  jest.isolateModules(() => {
    getConfig = (runRequire(CONFIG_LOADER) as ConfigLoaderModule).getConfig;
  });
  return getConfig;
}

/**
 * It reads process.env (--load-system-env) and resolves --config from process.cwd(), as the real command does.
 * @example const config = await twilioRunDeployConfig(['--environment', 'stage'], dir)
 */
export function twilioRunDeployConfig(args: readonly string[], cwd: string): Promise<Record<string, unknown>> {
  const { yargs, command, getConfigFromFlags, configLoader } = twilioRun();
  configLoader.getConfig = freshConfigLoader();
  const flags = command.builder(yargs([...args])).parse();
  flags['cwd'] = cwd;
  return getConfigFromFlags(flags);
}
