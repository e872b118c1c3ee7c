/**
 * npm run deploy [-- --plan] [--remove-users-file] [--remove-policy] [--no-smoke] [<twilio-run deploy options>]:
 * checks what would be deployed and refuses before sending anything, builds, reads the live service (GETs only),
 * checks the signing key with Twilio, prints the plan, applies it in an order that never widens access (see
 * deploy-apply.ts), reads the service back to confirm it matches, prints the URLs and checks the deployed service.
 * `--plan` stops after printing the plan: exit 0 when nothing would change, 2 when something would, 1 on a problem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan, planSteps } from './deploy-apply';
import { CredentialProblem, resolveDeployCredentials } from './deploy-credentials';
import { recordedServiceSid, recordService } from './deploy-info';
import { DeployJournal } from './deploy-journal';
import { checkSigningKey } from './deploy-key-check';
import { findService, readLiveState } from './deploy-live';
import { readLocalDeployment } from './deploy-local';
import {
  countChanges,
  planDeployment,
  PRIVATE_CONFIG_FILES,
  renderPlan,
  type DeployPlan,
  type DesiredState,
  type PrivateConfigFile,
} from './deploy-plan';
import { ServerlessApi, TwilioRequestError, type DeployCredentials } from './deploy-serverless';
import { checkDeployConfiguration, readProjectConfiguration } from './project-config';
import { runSmokeChecks } from './smoke-checks';
import { readTwilioRunDeployConfig, type TwilioRunDeployConfig } from './twilio-run-deploy-config';

/** How long the smoke checks wait for a new deployment to answer. */
const SMOKE_WAIT_SECONDS = 60;
/** --plan's exit statuses, as `terraform plan -detailed-exitcode`. */
const PLAN_NOTHING_TO_CHANGE = 0;
const PLAN_HAS_CHANGES = 2;

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

interface Options {
  /** Everything that is not ours, parsed by twilio-run's own parser. */
  readonly forward: string[];
  readonly plan: boolean;
  readonly smoke: boolean;
  readonly help: boolean;
  readonly allowRemoval: Set<PrivateConfigFile>;
}

function parseOptions(argv: readonly string[]): Options {
  const forward: string[] = [];
  const allowRemoval = new Set<PrivateConfigFile>();
  let smoke = true;
  let help = false;
  let plan = false;
  for (const argument of argv) {
    if (argument === '--no-smoke') smoke = false;
    else if (argument === '--plan') plan = true;
    else if (argument === PRIVATE_CONFIG_FILES.users.flag) allowRemoval.add('users');
    else if (argument === PRIVATE_CONFIG_FILES.policy.flag) allowRemoval.add('policy');
    else {
      if (argument === '--help' || argument === '-h') help = true;
      if (argument === '--cwd' || argument.startsWith('--cwd=')) {
        throw new DeployStop(
          '--cwd is not supported: npm run deploy checks, builds and deploys this project (run it from the project folder)',
          2,
        );
      }
      forward.push(argument);
    }
  }
  return { forward, plan, smoke, help, allowRemoval };
}

const HELP = `usage: npm run deploy [-- options]
  --plan               read the live service (GET requests only) and print what a deploy would change, by name;
                       exit 0 nothing to change, 2 changes, 1 a problem
  --remove-users-file  allow removing src/assets/basic-users.private.txt from the live build (else refused)
  --remove-policy      allow removing src/assets/policy.private.json from the live build (else refused)
  --no-smoke           skip the checks of the deployed /health, demo page and /token
  --service-sid ZS…, --service-name NAME, --environment SUFFIX, --production, --env FILE, --load-system-env,
  --override-existing-project, --runtime, --region, --edge: as twilio-run deploy
Credentials come from the environment: TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and
TWILIO_AUTH_TOKEN), or .env's ACCOUNT_SID/AUTH_TOKEN; never from the command line.`;

/** The account deployed to: the user name when it is an Account SID, else the one the environment or .env names. */
function accountSidFor(credentials: DeployCredentials, config: TwilioRunDeployConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (credentials.username.startsWith('AC')) return credentials.username;
  return env['TWILIO_ACCOUNT_SID'] || config.env['TWILIO_ACCOUNT_SID'] || undefined;
}

/** What a deploy that stops or fails part-way knows, printed once. */
const state: { journal?: DeployJournal; child?: ChildProcess; reported: boolean } = { reported: false };

function reportInterruption(why: string): void {
  if (state.reported) return;
  state.reported = true;
  const journal = state.journal;
  if (!journal || !journal.started) {
    say(`deploy: ${why}; nothing was changed on Twilio`);
    return;
  }
  if (journal.finished) {
    say(`deploy: ${why} after every change was applied`);
    return;
  }
  say(`deploy: ${why} part-way:`);
  for (const line of journal.report()) say(line);
  say('deploy: run `npm run deploy` again: it plans against what is live and applies what is missing');
}

function onSignal(signal: NodeJS.Signals): void {
  // The build is the only child; every Twilio request is made here and ends with this process.
  if (state.child && state.child.exitCode === null) state.child.kill('SIGTERM');
  reportInterruption(`stopped by ${signal}`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function build(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join('scripts', 'build.mjs')], { stdio: 'inherit' });
    state.child = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function printPlan(lines: readonly string[], plan: DeployPlan, where: string): void {
  const changes = countChanges(plan);
  say(changes === 0 ? `deploy: plan for ${where}: nothing to change` : `deploy: plan for ${where}: ${changes} change(s)`);
  for (const line of lines) say(line);
}

function refusedRemovalLines(plan: DeployPlan): string[] {
  return plan.refusedRemovals.map((name) => {
    const file = PRIVATE_CONFIG_FILES[name];
    const what =
      name === 'users'
        ? 'every Basic user of the live service would be locked out'
        : 'the live policy would disappear and access would fall back to the variables alone (the grants, rooms and TTLs it restricted would widen)';
    const supply =
      name === 'users'
        ? `put ${file.source} in place (in CI, write it from a secret: see the README, "Deploying from CI")`
        : `commit ${file.source} (a policy holds no secret) or put it in place before deploying`;
    return `✗ ${file.path}: the live build has it and this checkout has no ${file.source}: ${what}\n  fix: ${supply}, or pass ${file.flag} to remove it on purpose`;
  });
}

/**
 * After a failure: what is live now (read back with GETs), as the changes still to apply, and whether the service
 * is left without its signing key SID (a rotation cut part-way: it fails closed until a deploy completes).
 */
async function reportWhatIsLive(
  api: ServerlessApi,
  serviceSid: string | undefined,
  environment: string,
  desired: DesiredState,
  allowRemoval: ReadonlySet<PrivateConfigFile>,
): Promise<void> {
  let now;
  try {
    now = await readLiveState(api, { serviceSid, environment });
  } catch {
    say('deploy: the service could not be read back to say more');
    return;
  }
  const remaining = planDeployment(now, desired, { allowRemoval });
  if (countChanges(remaining) > 0) {
    say('deploy: read back, the service still differs from this checkout in:');
    for (const line of renderPlan(remaining, desired)) say(line);
  }
  if (
    desired.variables['TWILIO_API_KEY_SID'] &&
    now.environment &&
    !now.variables.some((variable) => variable.key === 'TWILIO_API_KEY_SID')
  ) {
    say(
      "deploy: TWILIO_API_KEY_SID is not set on the service now, so it refuses to sign tokens (it never pairs one key SID with another key's secret) until a deploy completes",
    );
  }
}

/** Twilio's refusals, named by cause: a wrong credential is not a taken name. */
function describeTwilioError(error: TwilioRequestError, credentials: DeployCredentials): string {
  if (error.code === 20003 || error.status === 401) {
    return `Twilio refused the deploy credentials (${credentials.source}) with error 20003 (Authenticate): the secret does not belong to that SID, or it was revoked`;
  }
  return error.message;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    say(HELP);
    return 0;
  }
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // 1. What would be deployed, checked before any request to Twilio.
  let config: TwilioRunDeployConfig & { functionsFolderName?: string; assetsFolderName?: string; runtime?: string };
  try {
    config = await readTwilioRunDeployConfig(options.forward);
  } catch (error) {
    throw new DeployStop(`twilio-run cannot read its configuration: ${(error as Error).message}`);
  }
  const credentials = resolveDeployCredentials(options.forward, config, process.env);
  const accountSid = accountSidFor(credentials, config, process.env);
  const packageName = String(JSON.parse(readFileSync('package.json', 'utf8')).name);
  const environmentName = config.functionsEnv;
  // The same reading and checks as npm run doctor -- --deploy (project-config), on the file twilio-run reads.
  const report = checkDeployConfiguration(readProjectConfiguration({ envFile: config.envPath, loadSystemEnv: config.loadSystemEnv }), {
    ...(accountSid !== undefined && { accountSid }),
    serviceName: config.serviceName || packageName,
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
  if (problems.length > 0) {
    say(`deploy: refused; nothing was sent to Twilio. ${problems.length} problem(s) in ${config.envPath} and src/assets:`);
    say();
    for (const problem of problems) say(`✗ ${problem.variable}: ${problem.message}\n  fix: ${problem.fix}`);
    return 1;
  }
  for (const warning of report.warnings) say(`deploy: warning: ${warning.message}`);

  // 2. Build: the plan compares the built files with the live build's.
  if ((await build()) !== 0) throw new DeployStop('the build failed; nothing was sent to Twilio');
  state.child = undefined;

  // 3. The live service, read with GETs only.
  const api = new ServerlessApi(credentials, {
    ...(config.region !== undefined && { region: config.region }),
    ...(config.edge !== undefined && { edge: config.edge }),
  });
  const cwd = process.cwd();
  const target = {
    ...(config.serviceSid || recordedServiceSid({ cwd, accountSid: accountSid!, region: config.region })
      ? { serviceSid: config.serviceSid || recordedServiceSid({ cwd, accountSid: accountSid!, region: config.region }) }
      : {}),
    serviceName: config.serviceName || packageName,
    environment: environmentName,
  };
  let found;
  let live;
  try {
    found = await findService(api, target, Boolean(config.overrideExistingService || config.force));
    if (!found.sid && 'conflict' in found && found.conflict) {
      throw new DeployStop(
        `the service name ${target.serviceName} is taken by ${found.conflict} and this checkout has no record of deploying it (no .twiliodeployinfo: a fresh clone or CI); nothing was changed.\n` +
          `  fix: to redeploy that service add --service-sid ${found.conflict} (or --override-existing-project); to make a new one, choose another --service-name`,
      );
    }
    live = await readLiveState(api, { serviceSid: found.sid, environment: environmentName });
  } catch (error) {
    if (error instanceof TwilioRequestError) throw new DeployStop(`${describeTwilioError(error, credentials)}; nothing was changed`);
    throw error;
  }
  const { desired, uploads } = await readLocalDeployment({
    cwd,
    env: config.env,
    functionsFolderName: config.functionsFolderName ?? 'dist/functions',
    assetsFolderName: config.assetsFolderName ?? 'dist/assets',
    runtime: config.runtime ?? 'node22',
    serviceName: live.service?.uniqueName ?? target.serviceName,
    environment: environmentName,
  });

  // 4. The signing key, checked with Twilio itself.
  const keySid = config.env['TWILIO_API_KEY_SID'];
  const keySecret = config.env['TWILIO_API_KEY_SECRET'];
  if (keySid && keySecret) {
    const check = await checkSigningKey({ accountSid: accountSid!, keySid, keySecret });
    if (!check.ok) {
      say(`deploy: refused; nothing was changed on Twilio:`);
      say(`✗ TWILIO_API_KEY_SID: ${check.message}\n  fix: ${check.fix}`);
      return 1;
    }
  }

  // 5. The plan, printed before anything changes.
  const plan = planDeployment(live, desired, { allowRemoval: options.allowRemoval });
  const where = `service ${desired.serviceName}${live.service ? ` (${live.service.sid})` : ''}, environment ${environmentName || 'production'}`;
  printPlan(renderPlan(plan, desired), plan, where);
  if (plan.refusedRemovals.length > 0) {
    say(`deploy: refused; nothing was changed on Twilio:`);
    for (const line of refusedRemovalLines(plan)) say(line);
    return 1;
  }
  if (options.plan) return countChanges(plan) === 0 ? PLAN_NOTHING_TO_CHANGE : PLAN_HAS_CHANGES;

  // 6. Apply, then read back.
  const journal = new DeployJournal();
  state.journal = journal;
  planSteps({ plan, desired, uploads, journal, live });
  let applied;
  try {
    applied = await applyPlan({
      api,
      plan,
      live,
      desired,
      uploads,
      journal,
      onService: (serviceSid, buildSid) =>
        recordService({ cwd, accountSid: accountSid!, region: config.region, serviceSid, latestBuild: buildSid }),
    });
  } catch (error) {
    const cause = error instanceof TwilioRequestError ? describeTwilioError(error, credentials) : (error as Error).message;
    reportInterruption(`failed (${cause})`);
    await reportWhatIsLive(
      api,
      live.service?.sid ?? recordedServiceSid({ cwd, accountSid: accountSid!, region: config.region }),
      environmentName,
      desired,
      options.allowRemoval,
    );
    return 1;
  }
  let after;
  try {
    after = await readLiveState(api, { serviceSid: applied.serviceSid, environment: environmentName });
  } catch (error) {
    say(`deploy: every change was sent, but reading the service back failed (${(error as Error).message})`);
    say('deploy: run `npm run deploy` again: it plans against what is live and applies what is missing');
    return 1;
  }
  const remaining = planDeployment(after, desired, { allowRemoval: options.allowRemoval });
  if (countChanges(remaining) > 0) {
    say('deploy: the service read back differs from this checkout:');
    for (const line of renderPlan(remaining, desired)) say(line);
    say('deploy: run `npm run deploy` again');
    return 1;
  }
  say('deploy: applied; the service read back matches this checkout');
  if (plan.leftAlone.length > 0) say(`deploy: warning: left alone, not read by this service: ${plan.leftAlone.join(', ')}`);

  // 7. Where it is, and whether it answers.
  const base = `https://${applied.domainName}`;
  say();
  say(`  token endpoint  ${base}/token`);
  say(`  health          ${base}/health`);
  say(`  demo page       ${base}/`);
  say(`  OpenAPI         ${base}/openapi.json`);
  say();
  if (!options.smoke) return 0;
  const result = await runSmokeChecks(base, { waitSeconds: SMOKE_WAIT_SECONDS });
  say(`deploy: checking ${base}`);
  say(result.lines.join('\n'));
  say(result.ok ? 'deploy: done; the deployed service answers as it should' : 'deploy: deployed, but the checks above FAILED');
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof DeployStop || error instanceof CredentialProblem) {
      process.stderr.write(`deploy: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    // Twilio API errors carry a code and a message without secrets; anything else is shown by its kind.
    const { message } = error as { message?: unknown };
    process.stderr.write(`deploy: ${typeof message === 'string' ? message : String(error)}\n`);
    process.exitCode = 1;
  },
);
