/**
 * The project's configuration as npm start, npm run doctor and npm run deploy read it: one env file (`.env`,
 * or the one named, with twilio-run's --load-system-env), the users file and the policy file, through one
 * parser (dotenv 6's rules, project/env-file.ts) and one set of checks, so the three never disagree.
 */
import type { Problem } from '../../lib/base/problems';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseConfig, type ConfigSources, type ServiceConfig } from '../../lib/config/service-config';
import { checkDeployment, type DeployTarget } from './deploy-checks';
import { envFileProblems, type EnvFileReading } from './env-file';
import { readEnvValues } from './env-values';
import { classifyNames, misspelledSettingProblems, ownVariables } from './setting-names';
import { placeholderWarning } from './placeholder-notice';
import { BASIC_USERS_ASSET_PATH, POLICY_ASSET_PATH, readPrivateAssets } from './private-assets';

export interface ProjectConfigurationOptions {
  /** The env file as the user named it (`--env FILE`, the doctor's ENV_FILE); default `.env` in cwd. */
  readonly envFile?: string;
  /**
   * twilio-run's --load-system-env (default false): a `KEY=` line without a value takes the value of KEY in
   * the environment. As in twilio-run, only keys the file lists, and only with the file named.
   */
  readonly loadSystemEnv?: boolean;
  /** The process environment (default process.env): for --load-system-env and for the hint when it is missing. */
  readonly systemEnv?: Readonly<Record<string, string | undefined>>;
  /** The project folder (default process.cwd()); relative paths are read from it. */
  readonly cwd?: string;
  /** The private assets (default src/assets/policy.private.json and src/assets/basic-users.private.txt). */
  readonly policyAsset?: string;
  readonly usersAsset?: string;
}

export interface ProjectConfiguration {
  /** The env file as messages name it (relative to cwd when inside it). */
  readonly envFile: string;
  readonly envPath: string;
  readonly envFileExists: boolean;
  /** Set when the file exists but cannot be read (permissions, a folder): the checks then report only that. */
  readonly envFileUnreadable?: true;
  /** What twilio-run reads from the file, after the --load-system-env fallback: what npm start serves with. */
  readonly values: Readonly<Record<string, string>>;
  /** What twilio-run deploy uploads: the values minus empty ones, ACCOUNT_SID and AUTH_TOKEN. */
  readonly deployVariables: Readonly<Record<string, string>>;
  readonly sources: ConfigSources;
  /** The files that hold this configuration and exist, for "checked …" lines. */
  readonly files: readonly string[];
  /** The private assets' names, when they exist. */
  readonly policyFile?: string;
  readonly usersFile?: string;
  readonly reading: EnvFileReading;
  /** Keys the file leaves empty that the environment sets, when --load-system-env is off: it may be missing. */
  readonly fillableFromEnvironment: readonly string[];
}

/** What is wrong (the commands refuse it) and what is only worth knowing. Both name variables and lines, never values. */
export interface ConfigurationReport {
  readonly problems: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/**
 * Reads the env file (env-values.ts) and the private assets. Throws ProjectConfigurationError for --load-system-env without
 * a named file (twilio-run refuses that too); a missing file is not an error here but the one problem the
 * checks report.
 * @example const project = readProjectConfiguration({ envFile: '.env.ci', loadSystemEnv: true })
 */
export function readProjectConfiguration(options: ProjectConfigurationOptions = {}): ProjectConfiguration {
  const cwd = options.cwd ?? process.cwd();
  const env = readEnvValues({
    cwd,
    envFile: options.envFile,
    loadSystemEnv: options.loadSystemEnv,
    systemEnv: options.systemEnv ?? process.env,
  });
  const { envPath, envFileExists, values, deployVariables, reading, fillableFromEnvironment } = env;
  const envFile = nameFor(envPath, cwd);

  const policyPath = resolve(cwd, options.policyAsset ?? POLICY_ASSET_PATH);
  const usersPath = resolve(cwd, options.usersAsset ?? BASIC_USERS_ASSET_PATH);
  const sources = readPrivateAssets({ policy: policyPath, users: usersPath });
  const policyFile = sources.policyAsset ? nameFor(policyPath, cwd) : undefined;
  const usersFile = sources.basicUsersAsset ? nameFor(usersPath, cwd) : undefined;
  const files = [...(envFileExists ? [envFile] : []), ...(policyFile ? [policyFile] : []), ...(usersFile ? [usersFile] : [])];
  return {
    envFile,
    envPath,
    envFileExists,
    ...(env.envFileUnreadable && { envFileUnreadable: true as const }),
    values,
    deployVariables,
    sources,
    files,
    ...(policyFile && { policyFile }),
    ...(usersFile && { usersFile }),
    reading,
    fillableFromEnvironment,
  };
}

/**
 * What npm start serves and npm run doctor checks: the file's unreadable lines, near misses of settings, and
 * the service's own validation of what twilio-run will hand the function. `config` is set when the service
 * would answer (no configuration problem; file problems alone leave it set, since twilio-run still starts).
 * @example const { problems, warnings } = checkLocalConfiguration(readProjectConfiguration())
 */
export function checkLocalConfiguration(project: ProjectConfiguration): ConfigurationReport & { readonly config?: ServiceConfig } {
  const missing = missingEnvFile(project);
  if (missing) return { problems: [missing], warnings: [] };
  const parsed = parseConfig(project.values, project.sources);
  return {
    problems: [
      ...envFileProblems(project.reading, project.envFile),
      ...misspelledSettingProblems(Object.keys(project.values), ownVariables(project.values)),
      ...(parsed.ok ? [] : parsed.problems),
    ],
    // Placeholders work locally (tokens decode) but Twilio refuses them: a warning here, a problem for the deploy.
    warnings: [...placeholderWarnings(project.values), ...unreadWarnings(project), ...warningsFor(project)],
    ...(parsed.ok && { config: parsed.config }),
  };
}

/**
 * What npm run deploy refuses: the file's unreadable lines, near misses among the names it leaves empty (the
 * uploaded ones are checkDeployment's), and checkDeployment on exactly what twilio-run uploads.
 * @example const { problems } = checkDeployConfiguration(readProjectConfiguration({ envFile }), { accountSid, serviceName, domainSuffix: 'dev' })
 */
export function checkDeployConfiguration(project: ProjectConfiguration, target: DeployTarget): ConfigurationReport {
  const missing = missingEnvFile(project);
  if (missing) return { problems: [missing], warnings: [] };
  const notUploaded = Object.keys(project.values).filter((key) => !(key in project.deployVariables));
  return {
    problems: [
      ...envFileProblems(project.reading, project.envFile),
      ...misspelledSettingProblems(notUploaded, ownVariables(project.values)),
      ...checkDeployment(project.deployVariables, project.sources, target),
    ],
    // Names that are neither settings nor the user's own are checkDeployment's problems, not warnings.
    warnings: warningsFor(project),
  };
}

/**
 * The deploy target as far as the files and the environment tell it, the way npm run deploy picks the account:
 * the .env's ACCOUNT_SID/AUTH_TOKEN (twilio-run's own credentials), else TWILIO_ACCOUNT_SID in the environment.
 * Without either the deploy uses the .env's TWILIO_ACCOUNT_SID, so there is nothing to compare.
 * @example checkDeployConfiguration(project, deployTargetFor(project))
 */
export function deployTargetFor(
  project: ProjectConfiguration,
  options: { systemEnv?: Readonly<Record<string, string | undefined>>; cwd?: string } = {},
): DeployTarget {
  const systemEnv = options.systemEnv ?? process.env;
  const fileAccount = project.values['ACCOUNT_SID'];
  const account =
    fileAccount && project.values['AUTH_TOKEN'] && fileAccount.startsWith('AC')
      ? { accountSid: fileAccount, accountSource: `ACCOUNT_SID in ${project.envFile}, twilio-run's deploy credentials` }
      : systemEnv['TWILIO_ACCOUNT_SID']
        ? { accountSid: systemEnv['TWILIO_ACCOUNT_SID'], accountSource: 'TWILIO_ACCOUNT_SID in the environment' }
        : {};
  return { ...account, serviceName: packageName(options.cwd ?? process.cwd()) ?? 'service', domainSuffix: 'dev' };
}

function packageName(cwd: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(resolve(cwd, 'package.json'), 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** No env file, or one that cannot be read: then this is the one problem, not a list of every variable as unset. */
function missingEnvFile({ envFile, envFileExists, envFileUnreadable }: ProjectConfiguration): Problem | undefined {
  if (envFileUnreadable) {
    return {
      variable: envFile,
      message: `${envFile} exists but cannot be read`,
      fix: `make it a file readable by this user (chmod 600 ${envFile})`,
    };
  }
  if (envFileExists) return undefined;
  return envFile === '.env'
    ? {
        variable: '.env',
        message: 'there is no .env, so no setting is set (npm start, npm run doctor and npm run deploy read it)',
        fix: 'cp .env.example .env and fill it in, or run npm start once: its prestart writes a development .env',
      }
    : {
        variable: envFile,
        message: `there is no ${envFile}`,
        fix: `check the name, or make it from the template: cp .env.example ${envFile}`,
      };
}

function placeholderWarnings(values: Readonly<Record<string, string>>): Problem[] {
  const warning = placeholderWarning(values);
  return warning ? [warning] : [];
}

/** Locally, a name the service does not read is only worth knowing (npm run deploy refuses it unless it is listed as the user's own). */
function unreadWarnings(project: ProjectConfiguration): Problem[] {
  const own = new Set(ownVariables(project.values));
  return classifyNames(Object.keys(project.values))
    .unread.filter((name) => !own.has(name))
    .map((name) => ({
      variable: name,
      message: `${name} is not a setting this service reads; npm run deploy refuses it unless DEPLOY_OWN_VARIABLES lists it`,
      fix: 'remove it, or list it in DEPLOY_OWN_VARIABLES if your own functions read it (the settings are listed in .env.example)',
    }));
}

function warningsFor(project: ProjectConfiguration): Problem[] {
  const repeated = project.reading.repeated.map(({ key, lines }) => ({
    variable: key,
    message: `${key} is set on lines ${lines.slice(0, -1).join(', ')} and ${lines.at(-1)} of ${project.envFile}; twilio-run uses the last one`,
    fix: 'keep one line for it',
  }));
  const fillable = project.fillableFromEnvironment.map((key) => ({
    variable: key,
    message: `${key} is empty in ${project.envFile} but set in the environment: add --load-system-env to read it from there, as npm run deploy -- --env ${project.envFile} --load-system-env does`,
    fix: `name the file and add the flag: --env ${project.envFile} --load-system-env`,
  }));
  return [...repeated, ...fillable];
}

/**
 * The report as the doctor and npm start print it: `✗ NAME: what is wrong` with its fix, then the warnings.
 * @example process.stdout.write(formatReport(report))
 */
export function formatReport(report: ConfigurationReport): string {
  return [
    ...report.problems.map((problem) => `✗ ${problem.variable}: ${problem.message}\n  fix: ${problem.fix}\n`),
    ...report.warnings.map((warning) => `warning: ${warning.message}\n  ${warning.fix}\n`),
  ].join('');
}

/** A path as messages show it: relative to the project when inside it. */
function nameFor(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
