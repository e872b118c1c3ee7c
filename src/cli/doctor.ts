/**
 * npm run doctor [-- FILE]: checks a .env file (default .env) and the policy asset with the same code the
 * function uses, printing each problem with its fix. Never prints a value. Exit 1 if anything is wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, POLICY_ASSET_NAME, type ConfigSources } from '../lib/config';
import { parseEnvFile } from '../lib/env-file';
import { healthReportFor } from '../lib/health-report';

/** Where the build picks the policy asset up from (it copies src/assets as is). */
const POLICY_ASSET_PATH = join('src', 'assets', POLICY_ASSET_NAME);

function usage(): never {
  process.stderr.write('usage: npm run doctor [-- ENV_FILE] [--policy-asset FILE]\n');
  process.exit(2);
}

function main(argv: string[]): number {
  let envFile = '.env';
  let policyAssetPath = POLICY_ASSET_PATH;
  const rest = [...argv];
  let positional = 0;
  while (rest.length > 0) {
    const argument = rest.shift()!;
    if (argument === '--policy-asset') policyAssetPath = rest.shift() ?? usage();
    else if (argument === '--help' || argument === '-h') usage();
    else if (argument.startsWith('-') || positional++ > 0) usage();
    else envFile = argument;
  }

  if (!existsSync(envFile)) {
    process.stdout.write(`doctor: ${envFile} does not exist\n  fix: copy .env.example to ${envFile} and fill it in (or run npm start once for a development one)\n`);
    return 1;
  }
  const env = parseEnvFile(readFileSync(envFile, 'utf8'));
  const sources: ConfigSources = existsSync(policyAssetPath) ? { policyAsset: readAsset(policyAssetPath) } : {};
  const report = healthReportFor(parseConfig(env, sources));
  const checked = `${envFile}${sources.policyAsset ? ` and ${policyAssetPath}` : ''}`;

  if (report.status === 'misconfigured') {
    process.stdout.write(`doctor: ${report.problems.length} problem(s) in ${checked}\n\n`);
    for (const problem of report.problems) {
      process.stdout.write(`✗ ${problem.variable}: ${problem.message}\n  fix: ${problem.fix}\n`);
    }
    process.stdout.write('\n/token answers 500 server_misconfigured and /health answers 503 until these are fixed.\n');
    return 1;
  }
  process.stdout.write(
    [
      `doctor: OK, ${checked} is valid`,
      `  sign-in:  ${report.authSchemes.map(describeScheme).join(', ')}`,
      `  grants:   ${report.grants.join(', ')}`,
      `  oidc:     ${report.oidc ? 'on' : 'off'}`,
      `  policy:   ${report.policy ? (env['TOKEN_POLICY']?.trim() ? 'TOKEN_POLICY' : policyAssetPath) : 'none (global settings apply to every caller)'}`,
      '',
    ].join('\n'),
  );
  return 0;
}

function readAsset(path: string): NonNullable<ConfigSources['policyAsset']> {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch {
    return { unreadable: true };
  }
}

function describeScheme(scheme: string): string {
  if (scheme === 'basic') return 'Basic (AUTH_BASIC_USERS)';
  if (scheme === 'bearer') return 'shared secret (AUTH_SHARED_SECRETS)';
  return 'identity-provider JWT (OIDC_ISSUER)';
}

process.exitCode = main(process.argv.slice(2));
