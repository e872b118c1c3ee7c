/**
 * The deploy configuration npm run deploy and npm run rotate-key work from, read by twilio-run 5's deploy rules (its
 * getConfigFromFlags) without its private code: the options (deploy-flags.ts), the config file and its sections
 * (project/serverless-config-file.ts, project/serverless-config-sections.ts), the env file (project/env-values.ts),
 * .twiliodeployinfo (info.ts) and package.json. tests/unit/cli/deploy-config-agreement.test.ts runs twilio-run's own
 * code beside it over a table of cases, so an upgrade of twilio-run that changes a rule fails there.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProjectConfigurationError, readEnvValues } from '../project/env-values';
import { readServerlessConfigFile, ServerlessConfigFileError } from '../project/serverless-config-file';
import { settingsForCommand } from '../project/serverless-config-sections';
import { deployFlagDefault, deployFlagType, parseDeployFlags, type DeployFlagName } from './deploy-flags';
import { serviceSidTwilioRunRecorded } from './info';
import { DeployStop } from './output';

/** What a deploy works from, field for field what twilio-run deploy would use. */
export interface DeployConfig {
  /** The variables it uploads: the env file minus empty values, ACCOUNT_SID and AUTH_TOKEN. */
  readonly env: Readonly<Record<string, string>>;
  readonly envPath: string;
  /** --load-system-env (or the config file's loadSystemEnv): empty `KEY=` lines of the env file take the environment's values. */
  readonly loadSystemEnv: boolean;
  /**
   * Credentials from the env file's ACCOUNT_SID/AUTH_TOKEN ('' when absent). twilio-run would also take
   * --username/--password; npm run deploy refuses those (deploy/credentials.ts), so only the file's are used.
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
  readonly overrideExistingService: boolean;
  readonly force: boolean;
  readonly functionsFolderName?: string;
  readonly assetsFolderName?: string;
  readonly runtime?: string;
}

export interface DeployConfigOptions {
  /** The project folder (default process.cwd()). */
  readonly cwd?: string;
  /** For --load-system-env (default process.env). */
  readonly systemEnv?: Readonly<Record<string, string | undefined>>;
  /** Where the config file search upwards stops (default the home folder). */
  readonly stopDir?: string;
}

/** `load-system-env` → `loadSystemEnv`: the config file's spelling of an option. */
const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * Throws DeployStop: exit code 2 for a usage mistake (an unknown option, --load-system-env without --env), 1 for a
 * file that cannot be read as twilio-run would read it.
 * @example const config = readDeployConfig(['--environment', 'stage']) // { functionsEnv: 'stage', … }
 */
export function readDeployConfig(argv: readonly string[], options: DeployConfigOptions = {}): DeployConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  const given = parseDeployFlags(argv);
  try {
    return readWithFlags(given, cwd, options);
  } catch (error) {
    if (error instanceof ProjectConfigurationError) throw new DeployStop(error.message, { exitCode: 2 });
    if (error instanceof ServerlessConfigFileError) throw new DeployStop(error.message);
    throw error;
  }
}

function readWithFlags(given: ReturnType<typeof parseDeployFlags>, cwd: string, options: DeployConfigOptions): DeployConfig {
  // --production is applied before the config file is read: it picks the file's "*" environment section.
  const environmentGiven = given.production === true ? '' : given.environment;
  const file = readServerlessConfigFile({
    cwd,
    configFile: given.config as string | undefined,
    ...(options.stopDir !== undefined && { stopDir: options.stopDir }),
  });
  const where = file.path ?? 'the config file';
  const settings = settingsForCommand(file.content, {
    command: 'deploy',
    environmentSuffix: (environmentGiven ?? deployFlagDefault('environment')) as string,
    region: given.region as string | undefined,
  });
  const fileSetting = (key: string, type: 'string' | 'boolean'): string | boolean | undefined => {
    const value = settings[key];
    if (value === undefined || typeof value === type) return value as string | boolean | undefined;
    throw new DeployStop(`${where}: "${key}" must be a ${type}`);
  };
  // twilio-run's mergeFlagsAndConfig: an option left at its default, given or not, gives way to the file's setting.
  const setting = (name: DeployFlagName): string | boolean | undefined => {
    const fromFlags = (name === 'environment' ? environmentGiven : given[name]) ?? deployFlagDefault(name);
    const fromFile = fileSetting(camelCase(name), deployFlagType(name));
    return fromFlags === deployFlagDefault(name) && fromFile !== undefined ? fromFile : fromFlags;
  };
  const text = (name: DeployFlagName) => setting(name) as string | undefined;
  const yes = (name: DeployFlagName) => setting(name) === true;

  const fileCwd = fileSetting('cwd', 'string');
  if (typeof fileCwd === 'string' && resolve(cwd, fileCwd) !== cwd) {
    throw new DeployStop(`${where} sets "cwd": npm run deploy checks, builds and deploys this project folder; remove the setting`);
  }

  const envFile = text('env');
  const envValues = readEnvValues({ cwd, envFile, loadSystemEnv: yes('load-system-env'), systemEnv: options.systemEnv ?? process.env });
  if (envFile && (!envValues.envFileExists || envValues.envFileUnreadable)) {
    throw new DeployStop(`there is no readable env file ${envValues.envPath} (--env ${envFile})`);
  }
  const username = envValues.values['ACCOUNT_SID'] || '';
  const password = envValues.values['AUTH_TOKEN'] || '';

  const region = text('region');
  const serviceSid = text('service-sid') || recordedServiceSid({ content: file.content, where, cwd, username, region });
  const packageName = readPackageName(cwd);
  const projectName = fileSetting('projectName', 'string') as string | undefined;
  const serviceName = text('service-name') || projectName || packageName;
  if (!serviceSid?.startsWith('ZS') && !serviceName) {
    throw new DeployStop('Please pass --service-name or add a "name" field to your package.json');
  }
  const optional = { region, edge: text('edge'), functionsFolderName: text('functions-folder'), assetsFolderName: text('assets-folder') };
  return {
    env: envValues.deployVariables,
    envPath: envValues.envPath,
    loadSystemEnv: yes('load-system-env'),
    username,
    password,
    ...(serviceSid && { serviceSid }),
    serviceName: serviceSid?.startsWith('ZS') ? '' : serviceName!,
    functionsEnv: text('environment') ?? 'dev',
    ...Object.fromEntries(Object.entries({ ...optional, runtime: text('runtime') }).filter(([, value]) => value !== undefined)),
    overrideExistingService: yes('override-existing-project'),
    force: yes('force'),
  };
}

/**
 * No --service-sid: the config file's serviceSid for the account (its `projects` section, the region us1 unless
 * given), else the one .twiliodeployinfo recorded, both only when the env file's ACCOUNT_SID names an account.
 */
function recordedServiceSid(options: {
  readonly content: Readonly<Record<string, unknown>>;
  readonly where: string;
  readonly cwd: string;
  readonly username: string;
  readonly region: string | undefined;
}): string | undefined {
  const accountSid = options.username.startsWith('AC') ? options.username : undefined;
  const region = options.region ?? 'us1';
  const inFile = settingsForCommand(options.content, { command: 'deploy', accountSid, region })['serviceSid'];
  if (inFile !== undefined && typeof inFile !== 'string') throw new DeployStop(`${options.where}: "serviceSid" must be a string`);
  if (inFile) return inFile;
  return accountSid ? serviceSidTwilioRunRecorded({ cwd: options.cwd, accountSid, region }) : undefined;
}

/** package.json's name; twilio-run stops without a readable package.json even when --service-name is given. */
function readPackageName(cwd: string): string | undefined {
  const path = join(cwd, 'package.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DeployStop(`there is no readable package.json at ${path}`);
  }
  let name: unknown;
  try {
    name = (JSON.parse(text) as { name?: unknown } | null)?.name;
  } catch (error) {
    throw new DeployStop(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return typeof name === 'string' ? name : undefined;
}
