/**
 * npm run doctor [-- ENV_FILE | --env FILE] [--load-system-env] [--deploy] [--online] [--policy-asset FILE]
 * [--users-asset FILE]: checks the configuration (the env file, default .env, and the private assets, default
 * src/assets/policy.private.json and src/assets/basic-users.private.txt, or the files named) exactly as npm start
 * and npm run deploy read it (project-config), printing each problem with its fix and never a value. With --deploy
 * it runs the deploy's own checks (Twilio's limits, placeholders, loopback-only settings), so it passes exactly when
 * they do. With --online, once those pass, it asks Twilio whether it accepts the signing key for TWILIO_ACCOUNT_SID,
 * as npm run deploy does. Exit 1 on a problem, 2 on a usage mistake, 0 otherwise (warnings alone do not fail).
 */
import { healthReportFor } from '../lib/endpoints/health-report';
import { policyWarnings } from './project/policy-warnings';
import {
  checkDeployConfiguration,
  checkLocalConfiguration,
  deployTargetFor,
  formatReport,
  readProjectConfiguration,
  type ProjectConfigurationOptions,
} from './project/config';
import { ProjectConfigurationError } from './project/env-values';
import { inspectSync, serviceMapNames } from './sync-maps';
import { clientLocation, HostLocationError, type ClientLocation } from './twilio/hosts';
import { printSigningKeyCheck } from './deploy/key-check';
import { signingPlaceholders } from './project/placeholder-notice';

const USAGE =
  'usage: npm run doctor [-- ENV_FILE | --env FILE] [--load-system-env] [--deploy] [--online] [--policy-asset FILE] [--users-asset FILE]';

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): { options: ProjectConfigurationOptions; forDeploy: boolean; online: boolean } {
  const options: { -readonly [K in keyof ProjectConfigurationOptions]: ProjectConfigurationOptions[K] } = {};
  let forDeploy = false;
  let online = false;
  const rest = [...argv];
  const value = (flag: string) => {
    const next = rest.shift();
    if (next === undefined || next.startsWith('-')) throw new UsageError(`${flag} needs a file name`);
    return next;
  };
  while (rest.length > 0) {
    const argument = rest.shift()!;
    if (argument === '--policy-asset') options.policyAsset = value(argument);
    else if (argument === '--users-asset') options.usersAsset = value(argument);
    else if (argument === '--env') {
      if (options.envFile !== undefined) throw new UsageError('name one env file');
      options.envFile = value(argument);
    } else if (argument === '--load-system-env') options.loadSystemEnv = true;
    else if (argument === '--deploy') forDeploy = true;
    else if (argument === '--online') online = true;
    else if (argument === '--help' || argument === '-h') throw new UsageError('');
    else if (argument.startsWith('-')) throw new UsageError(`unknown option ${argument}`);
    else if (options.envFile !== undefined) throw new UsageError('name one env file');
    else options.envFile = argument;
  }
  return { options, forDeploy, online };
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArguments>;
  let project: ReturnType<typeof readProjectConfiguration>;
  try {
    parsed = parseArguments(argv);
    project = readProjectConfiguration(parsed.options);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ProjectConfigurationError)) throw error;
    process.stderr.write(`${error.message ? `doctor: ${error.message}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const { forDeploy } = parsed;
  const local = checkLocalConfiguration(project);
  const report = forDeploy ? checkDeployConfiguration(project, deployTargetFor(project)) : local;
  const checked = project.files.join(' and ') || project.envFile;

  if (report.problems.length > 0) {
    process.stdout.write(`doctor: ${report.problems.length} problem(s) in ${checked}${forDeploy ? ' (checked for deploying)' : ''}\n\n`);
    process.stdout.write(formatReport(report));
    process.stdout.write(
      forDeploy
        ? '\nnpm run deploy refuses to deploy until these are fixed.\n'
        : local.config
          ? '\nnpm start starts with these (printing them), but the settings are not what the file says; npm run deploy refuses them.\n'
          : '\nnpm start refuses to start and /token answers 500 server_misconfigured until these are fixed.\n',
    );
    return 1;
  }
  // The checks above passed, so the parse checkLocalConfiguration made succeeded: reuse it.
  const { config } = local;
  if (!config) return 1; // cannot happen: the same checks passed above
  const health = healthReportFor({ ok: true, config });
  if (health.status !== 'ok') return 1; // cannot happen for a parsed configuration
  const policySource = project.values['TOKEN_POLICY']?.trim() ? 'TOKEN_POLICY' : project.policyFile;
  const placeholders = signingPlaceholders(project.values);
  process.stdout.write(
    [
      placeholders.length > 0
        ? `doctor: ${checked} is valid for local use, but tokens are signed with PLACEHOLDER credentials that Twilio refuses (see below)`
        : `doctor: OK, ${checked} is valid${forDeploy ? ' and ready to deploy' : ''}`,
      `  sign-in:  ${health.authSchemes.map((scheme) => describeScheme(scheme, project)).join(', ')}`,
      `  grants:   ${health.grants.join(', ')}`,
      `  oidc:     ${health.oidc ? 'on' : 'off'}`,
      `  policy:   ${health.policy ? policySource : 'none (global settings apply to every caller)'}`,
      '',
    ].join('\n'),
  );
  if (report.warnings.length > 0) {
    process.stdout.write(`\n${formatReport({ problems: [], warnings: report.warnings })}`);
  }
  // Valid, but matching nobody: the service works (and fails closed), so these warn without failing.
  const unmatched = policyWarnings(config);
  if (unmatched.length > 0) {
    process.stdout.write(`\n${unmatched.length} warning(s):\n`);
    for (const warning of unmatched) process.stdout.write(`⚠ ${policySource} ${warning.path}: ${warning.message}\n`);
    process.stdout.write('  fix: correct the name, add the user, or turn on OIDC (docs/policy.md)\n');
  }
  // --online: the signing key checked with Twilio, as npm run deploy checks it, once the offline checks pass.
  if (parsed.online) {
    // Placeholders are never sent: Twilio would refuse them, and a made-up secret has no business leaving the machine.
    if (placeholders.length > 0) {
      process.stdout.write(
        `\n✗ ${placeholders[0]}: --online asks Twilio nothing while ${placeholders.join(', ')} ${placeholders.length === 1 ? 'is a placeholder' : 'are placeholders'}\n  fix: paste the real values into ${project.envFile}, then npm run doctor -- --online again\n`,
      );
      return 1;
    }
    const keyStatus = await printSigningKeyCheck(project.values, (line) => process.stdout.write(`${line}\n`));
    const syncStatus = await printSyncCheck(project.values);
    return Math.max(keyStatus, syncStatus);
  }
  return 0;
}

/**
 * --online with THROTTLE_SYNC_SERVICE_SID: the Sync Service read with the service's own API key (what its instances
 * use), and the Maps npm run deploy creates. A missing Service fails; missing Maps only warn (instances cope).
 */
async function printSyncCheck(values: Readonly<Record<string, string>>): Promise<number> {
  const serviceSid = values['THROTTLE_SYNC_SERVICE_SID'];
  const [username, password, accountSid] = [values['TWILIO_API_KEY_SID'], values['TWILIO_API_KEY_SECRET'], values['TWILIO_ACCOUNT_SID']];
  if (!serviceSid || !username || !password || !accountSid) return 0;
  let location: ClientLocation;
  try {
    // The project's region through the operator's edge, as the key check and npm run deploy ask.
    location = clientLocation({ region: values['TWILIO_REGION'], edge: process.env['TWILIO_EDGE'] });
  } catch (error) {
    if (!(error instanceof HostLocationError)) throw error;
    process.stdout.write(`✗ ${error.variable}: ${error.message}\n  fix: ${error.fix}\n`);
    return 1;
  }
  const seen = await inspectSync({ username, password, accountSid, serviceSid, location });
  if (!seen.ok) {
    process.stdout.write(`✗ THROTTLE_SYNC_SERVICE_SID: ${seen.message}\n  fix: create a Sync Service and copy its SID, or write default\n`);
    return 1;
  }
  const total = serviceMapNames().length;
  if (seen.missing.length === 0) {
    process.stdout.write(`  sync:     Sync Service ${serviceSid} reachable with TWILIO_API_KEY_SID; all ${total} Maps present\n`);
  } else {
    process.stdout.write(
      `  sync:     Sync Service ${serviceSid} reachable with TWILIO_API_KEY_SID\n⚠ THROTTLE_SYNC_SERVICE_SID: ${seen.missing.length} of ${total} Maps missing (${seen.missing.join(', ')})\n  fix: npm run deploy creates them (instances also make them on first use)\n`,
    );
  }
  return 0;
}

function describeScheme(scheme: string, project: ReturnType<typeof readProjectConfiguration>): string {
  if (scheme === 'basic') return `Basic (${project.usersFile ?? 'AUTH_BASIC_USERS'})`;
  if (scheme === 'bearer') return 'shared secret (AUTH_SHARED_SECRETS)';
  return 'identity-provider JWT (OIDC_ISSUER)';
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
