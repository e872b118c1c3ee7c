/** Step 1 of npm run deploy: what would be deployed, checked (and refused, printing why) before any request to Twilio. */
import { readFileSync } from 'node:fs';
import { resolveDeployCredentials } from './credentials';
import { say } from './output';
import type { DeployCredentials } from './serverless';
import { checkDeployConfiguration, readProjectConfiguration } from '../project/config';
import { readDeployConfig, type DeployConfig } from './deploy-config';

/** What every later step deploys with, once the checks passed. */
export interface Preflight {
  readonly config: DeployConfig;
  readonly credentials: DeployCredentials;
  /** The account deployed to (the checks refuse a deploy that cannot name it). */
  readonly accountSid: string;
  /** The service's unique name: --service-name or the config's, else package.json's name. */
  readonly serviceName: string;
  /** The environment's domain suffix ('' for production) or its SID. */
  readonly environmentName: string;
}

/** `ok: false` when the deploy is refused; the problems are printed already. */
type PreflightResult = ({ readonly ok: true } & Preflight) | { readonly ok: false };

/** The account deployed to: the user name when it is an Account SID, else the one the environment or .env names. */
function accountSidFor(credentials: DeployCredentials, config: DeployConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (credentials.username.startsWith('AC')) return credentials.username;
  return env['TWILIO_ACCOUNT_SID'] || config.env['TWILIO_ACCOUNT_SID'] || undefined;
}

/**
 * Reads the configuration as twilio-run deploy would (deploy-config.ts), finds the credentials and the account, and runs the same checks as
 * `npm run doctor -- --deploy`: a problem refuses the deploy (printed), a warning is printed and the deploy goes on.
 * @example const preflight = await checkBeforeSending({ forward: args.forward }); if (!preflight.ok) return 1;
 */
export async function checkBeforeSending(options: {
  readonly forward: readonly string[];
  /** The command the refusal names (`deploy`, `rotate-key`). */
  readonly command?: string;
}): Promise<PreflightResult> {
  const config = readDeployConfig(options.forward);
  const credentials = resolveDeployCredentials(options.forward, config, process.env);
  const accountSid = accountSidFor(credentials, config, process.env);
  const packageName = String(JSON.parse(readFileSync('package.json', 'utf8')).name);
  const serviceName = config.serviceName || packageName;
  const environmentName = config.functionsEnv;
  // The same reading and checks as npm run doctor -- --deploy (project/config.ts), on the file twilio-run reads.
  const report = checkDeployConfiguration(readProjectConfiguration({ envFile: config.envPath, loadSystemEnv: config.loadSystemEnv }), {
    ...(accountSid !== undefined && { accountSid }),
    serviceName,
    domainSuffix: /^ZE/.test(environmentName) ? 'dev' : environmentName,
  });
  const problems = [...report.problems];
  if (!accountSid) {
    problems.push({
      variable: 'TWILIO_ACCOUNT_SID',
      message: 'deploying with an API key needs the Account SID it belongs to',
      fix: 'set TWILIO_ACCOUNT_SID in the environment or in .env',
    });
  }
  if (problems.length > 0 || !accountSid) {
    say(
      `${options.command ?? 'deploy'}: refused; nothing was sent to Twilio. ${problems.length} problem(s) in ${config.envPath} and src/assets:`,
    );
    say('');
    for (const problem of problems) say(`✗ ${problem.variable}: ${problem.message}\n  fix: ${problem.fix}`);
    return { ok: false };
  }
  for (const warning of report.warnings) say(`${options.command ?? 'deploy'}: warning: ${warning.message}`);
  return { ok: true, config, credentials, accountSid, serviceName, environmentName };
}
