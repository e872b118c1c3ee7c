/**
 * The credentials `npm run deploy` deploys with, from the environment (as the Twilio CLI reads them, which suits CI
 * secrets) or from .env's ACCOUNT_SID/AUTH_TOKEN (twilio-run's convention; never uploaded). Never from the command
 * line: an argument is readable by every user of the machine in `ps`.
 */
import { DeployStop } from './output';
import type { DeployCredentials } from './serverless';

const PAIRS = [
  { user: 'TWILIO_API_KEY', secret: 'TWILIO_API_SECRET' },
  { user: 'TWILIO_ACCOUNT_SID', secret: 'TWILIO_AUTH_TOKEN' },
] as const;

/**
 * Refuses --username/--password (and their short forms) before anything is read: an argument is readable by every user
 * of the machine in `ps`, so the refusal says where credentials go instead.
 * @example refuseCredentialsOnCommandLine(['--env', '.env.ci']) // returns; with ['-u', 'AC…'] it throws
 */
export function refuseCredentialsOnCommandLine(argv: readonly string[]): void {
  if (argv.some((argument) => /^(--password|-p|--username|-u)(=|$)/.test(argument))) {
    throw new DeployStop(
      'credentials on the command line (--username/--password) are visible to every user of this machine in `ps`: ' +
        'pass them in the environment instead, TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN), ' +
        "e.g. `read -rs TWILIO_API_SECRET && export TWILIO_API_SECRET` or your CI's secret variables",
      { exitCode: 2 },
    );
  }
}

/**
 * @example resolveDeployCredentials(['--plan'], { username: '', password: '' }, process.env)
 */
export function resolveDeployCredentials(
  argv: readonly string[],
  dotEnv: { readonly username: string; readonly password: string },
  env: NodeJS.ProcessEnv,
): DeployCredentials {
  refuseCredentialsOnCommandLine(argv);
  const key = PAIRS[0];
  if (env[key.user] && env[key.secret])
    return { username: env[key.user]!, password: env[key.secret]!, source: `${key.user}/${key.secret}` };
  // An API key half set is a mistake to name, not a reason to fall back silently to other credentials.
  if (env[key.user] || env[key.secret]) {
    const [set, unset] = env[key.user] ? [key.user, key.secret] : [key.secret, key.user];
    throw new DeployStop(
      `half a pair of Twilio credentials: ${set} is set in the environment but ${unset} is not; set both (an API key SID and its secret)`,
    );
  }
  const account = PAIRS[1];
  if (env[account.user] && env[account.secret]) {
    return { username: env[account.user]!, password: env[account.secret]!, source: `${account.user}/${account.secret}` };
  }
  if (env[account.secret]) {
    throw new DeployStop(
      `half a pair of Twilio credentials: ${account.secret} is set in the environment but ${account.user} is not; set both`,
    );
  }
  if (dotEnv.username && dotEnv.password)
    return { username: dotEnv.username, password: dotEnv.password, source: '.env ACCOUNT_SID/AUTH_TOKEN' };
  throw new DeployStop(
    'no Twilio credentials: set TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) in the environment',
  );
}
