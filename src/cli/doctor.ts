/**
 * npm run doctor [-- FILE] [--deploy]: checks a .env file (default .env) and the private assets with the
 * same code the function uses, printing each problem with its fix. Never prints a value. With --deploy it
 * also runs the checks npm run deploy makes (Twilio's limits, placeholders, loopback-only settings).
 * Exit 1 if anything is wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseConfig, type ConfigProblem } from '../lib/config';
import { checkDeployment } from '../lib/deploy-checks';
import { parseEnvFile } from '../lib/env-file';
import { healthReportFor } from '../lib/health-report';
import { printSigningKeyCheck } from './deploy-key-check';
import { BASIC_USERS_ASSET_PATH, POLICY_ASSET_PATH, readPrivateAssets } from './private-assets';

function usage(): never {
  process.stderr.write('usage: npm run doctor [-- ENV_FILE] [--policy-asset FILE] [--users-asset FILE] [--deploy] [--online]\n');
  process.exit(2);
}

function main(argv: string[]): number {
  let envFile = '.env';
  let policyAssetPath = POLICY_ASSET_PATH;
  let usersAssetPath = BASIC_USERS_ASSET_PATH;
  let forDeploy = false;
  const rest = [...argv];
  let positional = 0;
  while (rest.length > 0) {
    const argument = rest.shift()!;
    if (argument === '--policy-asset') policyAssetPath = rest.shift() ?? usage();
    else if (argument === '--users-asset') usersAssetPath = rest.shift() ?? usage();
    else if (argument === '--deploy') forDeploy = true;
    else if (argument === '--help' || argument === '-h') usage();
    else if (argument.startsWith('-') || positional++ > 0) usage();
    else envFile = argument;
  }

  if (!existsSync(envFile)) {
    process.stdout.write(`doctor: ${envFile} does not exist\n  fix: copy .env.example to ${envFile} and fill it in (or run npm start once for a development one)\n`);
    return 1;
  }
  const env = parseEnvFile(readFileSync(envFile, 'utf8'));
  const sources = readPrivateAssets({ policy: policyAssetPath, users: usersAssetPath });
  const checked = [envFile, ...(sources.policyAsset ? [policyAssetPath] : []), ...(sources.basicUsersAsset ? [usersAssetPath] : [])].join(' and ');

  let problems: readonly ConfigProblem[];
  if (forDeploy) {
    // As twilio-run uploads them: empty values, ACCOUNT_SID and AUTH_TOKEN are not sent.
    const uploaded = Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== '' && key !== 'ACCOUNT_SID' && key !== 'AUTH_TOKEN'));
    problems = checkDeployment(uploaded, sources, {});
  } else {
    const report = healthReportFor(parseConfig(env, sources));
    problems = report.status === 'misconfigured' ? report.problems : [];
  }
  if (problems.length > 0) {
    process.stdout.write(`doctor: ${problems.length} problem(s) in ${checked}${forDeploy ? ' (checked for deploying)' : ''}\n\n`);
    for (const problem of problems) {
      process.stdout.write(`✗ ${problem.variable}: ${problem.message}\n  fix: ${problem.fix}\n`);
    }
    process.stdout.write(
      forDeploy ? '\nnpm run deploy refuses to deploy until these are fixed.\n' : '\n/token answers 500 server_misconfigured and /health answers 503 until these are fixed.\n',
    );
    return 1;
  }
  const report = healthReportFor(parseConfig(env, sources));
  if (report.status !== 'ok') return 1;
  process.stdout.write(
    [
      `doctor: OK, ${checked} is valid${forDeploy ? ' and ready to deploy' : ''}`,
      `  sign-in:  ${report.authSchemes.map((scheme) => describeScheme(scheme, sources.basicUsersAsset ? usersAssetPath : undefined)).join(', ')}`,
      `  grants:   ${report.grants.join(', ')}`,
      `  oidc:     ${report.oidc ? 'on' : 'off'}`,
      `  policy:   ${report.policy ? (env['TOKEN_POLICY']?.trim() ? 'TOKEN_POLICY' : policyAssetPath) : 'none (global settings apply to every caller)'}`,
      '',
    ].join('\n'),
  );
  return 0;
}

function describeScheme(scheme: string, usersFile: string | undefined): string {
  if (scheme === 'basic') return `Basic (${usersFile ?? 'AUTH_BASIC_USERS'})`;
  if (scheme === 'bearer') return 'shared secret (AUTH_SHARED_SECRETS)';
  return 'identity-provider JWT (OIDC_ISSUER)';
}

// --online (the signing key checked with Twilio) is a hook of npm run deploy's check, run after the offline checks pass.
const args = process.argv.slice(2);
process.exitCode = main(args.filter((argument) => argument !== '--online'));
if (args.includes('--online') && process.exitCode === 0) {
  const envFile = args.find((argument, index) => !argument.startsWith('-') && !['--policy-asset', '--users-asset'].includes(args[index - 1] ?? '')) ?? '.env';
  void printSigningKeyCheck(parseEnvFile(readFileSync(envFile, 'utf8')), (line) => process.stdout.write(`${line}\n`)).then((code) => (process.exitCode = code));
}
