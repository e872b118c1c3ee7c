/**
 * npm run deploy [-- <twilio-run deploy options>] [--no-smoke]: checks what would be deployed and refuses
 * before sending anything, builds, runs `twilio-run deploy`, then deletes the service variables this
 * service reads that .env no longer sets, prints the URLs and checks the deployed service.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { planVariableSync } from '../lib/deploy-checks';
import { checkDeployConfiguration, readProjectConfiguration } from './project-config';
import { runSmokeChecks } from './smoke-checks';
import { readTwilioRunDeployConfig, type TwilioRunDeployConfig } from './twilio-run-deploy-config';

/** How long the smoke checks wait for a new deployment to answer. */
const SMOKE_WAIT_SECONDS = 60;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

class DeployStop extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Our own options, taken out; everything else goes to twilio-run unchanged. */
function splitArguments(argv: readonly string[]): { forward: string[]; smoke: boolean; help: boolean } {
  const forward: string[] = [];
  let smoke = true;
  let help = false;
  for (const argument of argv) {
    if (argument === '--no-smoke') smoke = false;
    else {
      if (argument === '--help' || argument === '-h') help = true;
      if (argument === '--cwd' || argument.startsWith('--cwd=')) {
        throw new DeployStop('--cwd is not supported: npm run deploy checks, builds and deploys this project (run it from the project folder)', 2);
      }
      forward.push(argument);
    }
  }
  return { forward, smoke, help };
}

interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Set when the credentials came from the environment, so they must be handed to twilio-run. */
  readonly fromEnvironment: boolean;
}

/**
 * twilio-run takes credentials from --username/--password or the .env file's ACCOUNT_SID and AUTH_TOKEN.
 * Otherwise, as the Twilio CLI does, an API key (TWILIO_API_KEY, TWILIO_API_SECRET) or the account's
 * (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) from the environment, which suits CI secrets.
 */
function resolveCredentials(config: TwilioRunDeployConfig, forward: readonly string[], env: NodeJS.ProcessEnv): Credentials {
  if (config.username && config.password) return { username: config.username, password: config.password, fromEnvironment: false };
  // Half a pair on the command line would be mixed with the other half from elsewhere: refuse it.
  if (forward.some((argument) => /^(--username|-u|--password)(=|$)/.test(argument))) {
    throw new DeployStop('pass both --username and --password, or neither (then the environment or .env provides them)', 2);
  }
  if (env['TWILIO_API_KEY'] && env['TWILIO_API_SECRET']) return { username: env['TWILIO_API_KEY'], password: env['TWILIO_API_SECRET'], fromEnvironment: true };
  if (env['TWILIO_ACCOUNT_SID'] && env['TWILIO_AUTH_TOKEN']) return { username: env['TWILIO_ACCOUNT_SID'], password: env['TWILIO_AUTH_TOKEN'], fromEnvironment: true };
  throw new DeployStop(
    'no Twilio credentials: set TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) in the environment, or pass --username and --password',
  );
}

/** The account deployed to: the user name when it is an Account SID, else the one the environment or .env names. */
function accountSidFor(credentials: Credentials, config: TwilioRunDeployConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (credentials.username.startsWith('AC')) return credentials.username;
  return env['TWILIO_ACCOUNT_SID'] || config.env['TWILIO_ACCOUNT_SID'] || undefined;
}

/**
 * twilio-run's arguments, with credentials from the environment passed in a private copy of the env file
 * (its ACCOUNT_SID/AUTH_TOKEN, which twilio-run reads and never uploads) rather than on a command line.
 */
function twilioRunArguments(forward: readonly string[], config: TwilioRunDeployConfig, credentials: Credentials): { args: string[]; cleanup(): void } {
  if (!credentials.fromEnvironment) return { args: ['deploy', ...forward], cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'token-service-deploy-'));
  const envCopy = join(dir, '.env');
  const original = existsSync(config.envPath) ? readFileSync(config.envPath, 'utf8') : '';
  writeFileSync(envCopy, `${original}\nACCOUNT_SID=${credentials.username}\nAUTH_TOKEN=${credentials.password}\n`, { mode: 0o600 });
  const args: string[] = ['deploy'];
  for (let i = 0; i < forward.length; i++) {
    if (forward[i] === '--env') i++;
    else if (!forward[i]!.startsWith('--env=')) args.push(forward[i]!);
  }
  args.push('--env', envCopy);
  return { args, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

type TwilioClient = ReturnType<typeof twilio>;

/** The service just deployed: named by the flags, recorded by twilio-run in .twiliodeployinfo, or found by name. */
async function findService(client: TwilioClient, config: TwilioRunDeployConfig, forward: readonly string[], name: string): Promise<string> {
  if (config.serviceSid) return config.serviceSid;
  // twilio-run records a new service in .twiliodeployinfo, but only when the user name is an Account SID.
  const recorded = (await readTwilioRunDeployConfig(forward).catch(() => undefined))?.serviceSid;
  if (recorded) return recorded;
  const services = await client.serverless.v1.services.list();
  const found = services.find((service) => service.uniqueName === name);
  if (!found) throw new DeployStop(`the service ${name} was deployed but cannot be found; run npm run deploy again with --service-sid`);
  return found.sid;
}

async function findEnvironment(client: TwilioClient, serviceSid: string, suffixOrSid: string): Promise<{ sid: string; domainName: string }> {
  const environments = await client.serverless.v1.services(serviceSid).environments.list();
  const found = /^ZE[0-9a-f]{32}$/i.test(suffixOrSid)
    ? environments.find((environment) => environment.sid === suffixOrSid)
    : environments.find((environment) => (environment.domainSuffix ?? '') === suffixOrSid);
  if (!found) throw new DeployStop(`the environment ${suffixOrSid || 'production'} cannot be found on service ${serviceSid}`);
  return { sid: found.sid, domainName: found.domainName };
}

async function main(argv: readonly string[]): Promise<number> {
  const { forward, smoke, help } = splitArguments(argv);
  if (help) {
    say('usage: npm run deploy [-- <twilio-run deploy options>] [--no-smoke]');
    say('  Checks .env and src/assets, refuses before sending anything if a problem is found, builds,');
    say('  deploys with twilio-run, deletes service variables this service reads that .env no longer sets,');
    say('  and checks the deployed /health, demo page and /token (--no-smoke skips that). twilio-run deploy options:');
    return run(join('node_modules', '.bin', 'twilio-run'), ['deploy', '--help']);
  }

  // 1. What twilio-run would upload, checked before any request to Twilio.
  let config: TwilioRunDeployConfig;
  try {
    config = await readTwilioRunDeployConfig(forward);
  } catch (error) {
    throw new DeployStop(`twilio-run cannot read its configuration: ${(error as Error).message}`);
  }
  const credentials = resolveCredentials(config, forward, process.env);
  const accountSid = accountSidFor(credentials, config, process.env);
  const packageName = String(JSON.parse(readFileSync('package.json', 'utf8')).name);
  const serviceName = config.serviceName || packageName;
  // The same reading and checks as npm run doctor -- --deploy (project-config), on the file twilio-run reads.
  const report = checkDeployConfiguration(readProjectConfiguration({ envFile: config.envPath, loadSystemEnv: config.loadSystemEnv }), {
    ...(accountSid !== undefined && { accountSid }),
    serviceName,
    domainSuffix: /^ZE/.test(config.functionsEnv) ? 'dev' : config.functionsEnv,
  });
  const problems = [...report.problems];
  if (!accountSid) {
    problems.push({
      variable: 'TWILIO_ACCOUNT_SID',
      message: 'deploying with an API key needs the Account SID it belongs to',
      fix: 'set TWILIO_ACCOUNT_SID in the environment or in .env',
    });
  }
  if (problems.length > 0) {
    say(`deploy: refused; nothing was sent to Twilio. ${problems.length} problem(s) in ${config.envPath} and src/assets:`);
    say();
    for (const problem of problems) say(`✗ ${problem.variable}: ${problem.message}\n  fix: ${problem.fix}`);
    return 1;
  }
  for (const warning of report.warnings) say(`deploy: warning: ${warning.message}`);

  // 2. Build, then twilio-run.
  const built = spawnSync(process.execPath, [join('scripts', 'build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new DeployStop('the build failed; nothing was sent to Twilio');
  const { args, cleanup } = twilioRunArguments(forward, config, credentials);
  let deployed: number;
  try {
    deployed = await run(join('node_modules', '.bin', 'twilio-run'), args);
  } finally {
    cleanup();
  }
  if (deployed !== 0) {
    say('deploy: twilio-run failed (see above); no variable was deleted');
    if (!config.serviceSid) {
      say('deploy: if the service name is taken (a redeploy from a fresh clone or CI), add --service-sid ZS… or --override-existing-project');
    }
    return deployed;
  }

  // 3. Variables: twilio-run creates and updates but never deletes.
  const client = twilio(credentials.username, credentials.password, {
    accountSid: accountSid!,
    ...(config.region !== undefined && { region: config.region }),
    ...(config.edge !== undefined && { edge: config.edge }),
  });
  const serviceSid = await findService(client, config, forward, serviceName);
  const environment = await findEnvironment(client, serviceSid, config.functionsEnv);
  const variables = await client.serverless.v1.services(serviceSid).environments(environment.sid).variables.list();
  const sync = planVariableSync(variables.map((variable) => ({ key: variable.key, sid: variable.sid })), config.env);
  for (const variable of sync.remove) {
    await client.serverless.v1.services(serviceSid).environments(environment.sid).variables(variable.sid).remove();
  }
  if (sync.remove.length > 0) say(`deploy: deleted ${sync.remove.length} variable(s) no longer set in .env: ${sync.remove.map((v) => v.key).join(', ')}`);
  else say('deploy: the service variables match .env; none to delete');
  if (sync.unread.length > 0) say(`deploy: warning: left alone, not read by this service: ${sync.unread.join(', ')}`);
  if (!config.serviceSid && !credentials.username.startsWith('AC')) {
    say(`deploy: with an API key twilio-run keeps no .twiliodeployinfo: redeploy with --service-sid ${serviceSid}`);
  }

  // 4. Where it is, and whether it answers.
  const base = `https://${environment.domainName}`;
  say();
  say(`  token endpoint  ${base}/token`);
  say(`  health          ${base}/health`);
  say(`  demo page       ${base}/`);
  say(`  OpenAPI         ${base}/openapi.json`);
  say();
  if (!smoke) return 0;
  const result = await runSmokeChecks(base, { waitSeconds: SMOKE_WAIT_SECONDS });
  say(`deploy: checking ${base}`);
  say(result.lines.join('\n'));
  say(result.ok ? 'deploy: done; the deployed service answers as it should' : 'deploy: deployed, but the checks above FAILED');
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof DeployStop) {
      process.stderr.write(`deploy: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    // Twilio API errors carry a code and a message without secrets; anything else is shown by its kind.
    const { code, message } = error as { code?: unknown; message?: unknown };
    process.stderr.write(`deploy: ${typeof code === 'number' ? `Twilio error ${code}: ` : ''}${typeof message === 'string' ? message : String(error)}\n`);
    process.exitCode = 1;
  },
);
