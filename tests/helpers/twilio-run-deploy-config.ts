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

/**
 * Loaded afresh on each call: twilio-run keeps the first config file it read for the life of the process.
 * It reads process.env (--load-system-env) and resolves --config from process.cwd(), as the real command does.
 * @example const config = await twilioRunDeployConfig(['--environment', 'stage'], dir)
 */
export function twilioRunDeployConfig(args: readonly string[], cwd: string): Promise<Record<string, unknown>> {
  let config!: Promise<Record<string, unknown>>;
  jest.isolateModules(() => {
    const runRequire = createRequire(require.resolve('twilio-run/package.json'));
    const yargs = runRequire('yargs') as (args: readonly string[]) => unknown;
    const command = runRequire('./dist/commands/deploy') as DeployCommandModule;
    const { getConfigFromFlags } = runRequire('./dist/config/deploy') as DeployConfigModule;
    const flags = command.builder(yargs([...args])).parse();
    flags['cwd'] = cwd;
    config = getConfigFromFlags(flags);
  });
  return config;
}
