/**
 * The env file's values as twilio-run reads them: dotenv 6's parse (env-file.ts), --load-system-env's fallback, and
 * the part a deploy uploads. npm start, npm run doctor and npm run deploy all read the file through this one function.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEnvFile, type EnvFileReading } from './env-file';
import { TWILIO_RUN_VARIABLES } from './setting-names';

/** A usage mistake, with a stable code, before anything is read. */
export class ProjectConfigurationError extends Error {
  constructor(
    readonly code: 'ERR_LOAD_SYSTEM_ENV_NEEDS_ENV_FILE',
    message: string,
  ) {
    super(message);
  }
}

export interface EnvValuesOptions {
  /** The project folder; a relative envFile is read from it. */
  readonly cwd: string;
  /** The env file as the user named it (`--env FILE`); default `.env`. */
  readonly envFile?: string | undefined;
  /** twilio-run's --load-system-env: a `KEY=` line without a value takes KEY's value in systemEnv. */
  readonly loadSystemEnv?: boolean | undefined;
  readonly systemEnv: Readonly<Record<string, string | undefined>>;
}

export interface EnvValues {
  readonly envPath: string;
  readonly envFileExists: boolean;
  /** The file exists but cannot be read (permissions, a folder): read as empty, as twilio-run does. */
  readonly envFileUnreadable: boolean;
  readonly reading: EnvFileReading;
  /** What twilio-run reads from the file, after the --load-system-env fallback. */
  readonly values: Readonly<Record<string, string>>;
  /** What twilio-run deploy uploads: the values minus empty ones, ACCOUNT_SID and AUTH_TOKEN. */
  readonly deployVariables: Readonly<Record<string, string>>;
  /** Keys the file leaves empty that systemEnv sets, when --load-system-env is off: it may be missing. */
  readonly fillableFromEnvironment: readonly string[];
}

/**
 * Throws ProjectConfigurationError for --load-system-env without a named file (twilio-run refuses that too); a
 * missing or unreadable file reads as empty, and the caller decides whether that is a problem.
 * @example readEnvValues({ cwd: '.', envFile: '.env.ci', loadSystemEnv: true, systemEnv: process.env }).deployVariables
 */
export function readEnvValues(options: EnvValuesOptions): EnvValues {
  if (options.loadSystemEnv && options.envFile === undefined) {
    throw new ProjectConfigurationError(
      'ERR_LOAD_SYSTEM_ENV_NEEDS_ENV_FILE',
      '--load-system-env needs the env file named (as twilio-run requires --env with it), e.g. --env .env.ci --load-system-env',
    );
  }
  const envPath = resolve(options.cwd, options.envFile ?? '.env');
  const envFileExists = existsSync(envPath);
  const text = envFileExists ? readText(envPath) : '';
  const reading = readEnvFile(text ?? '');

  const values: Record<string, string> = { ...reading.values };
  const fillableFromEnvironment: string[] = [];
  for (const key of Object.keys(values)) {
    const systemValue = options.systemEnv[key];
    if (!systemValue || values[key]) continue;
    // twilio-run's rule, verbatim: `localEnv[key] = localEnv[key] || systemValue` for keys of the file.
    if (options.loadSystemEnv) values[key] = systemValue;
    else fillableFromEnvironment.push(key);
  }
  const deployVariables = Object.fromEntries(
    Object.entries(values).filter(([key, value]) => value !== '' && !TWILIO_RUN_VARIABLES.includes(key)),
  );
  return { envPath, envFileExists, envFileUnreadable: text === undefined, reading, values, deployVariables, fillableFromEnvironment };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
