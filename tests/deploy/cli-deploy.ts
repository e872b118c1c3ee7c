/**
 * npm run test:deploy:cli — the Twilio CLI path (`npm run build && twilio serverless:deploy`), rehearsed against
 * the loopback fake of Twilio's Serverless API (tests/helpers/fake-twilio): the CLI and its Serverless plugin are
 * installed into a throwaway folder with a HOME of their own, then deploy throwaway clones of this project with
 * credentials from the environment, and the upload is checked as tests/deploy/deploy.test.ts checks
 * `npm run deploy`'s. Prints one ✓/✗ line per check; exits 0 when all pass, 1 otherwise; removes everything it
 * made on every path.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllBounded, runBounded, type BoundedResult } from '../helpers/bounded-process';
import { callDeployed } from '../helpers/fake-twilio/call-deployed';
import { startFakeTwilio, type BuildSnapshot, type FakeTwilio } from '../helpers/fake-twilio';
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { cleanEnvironment, copyProject, type ProjectCopy } from '../helpers/project-copy';
import { createTwilioCliSandbox, SandboxSetupError, type TwilioCliSandbox } from '../helpers/twilio-cli-sandbox';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { findProjectRoot } from '../helpers/twilio-run-server';

/** The current twilio-cli on the npm registry when this script was written, pinned exactly. */
const CLI_VERSION = '6.2.4';
/** The plugin the CLI offers for `twilio serverless:*` (it runs twilio-run 3.5.x). */
const PLUGIN_VERSION = '3.1.3';
const DEPLOY_TIMEOUT_MS = 240_000;
const BUILD_TIMEOUT_MS = 180_000;
/** The whole run, installs included: past this everything is killed and removed, and the run fails. */
const WATCHDOG_MS = 25 * 60_000;

const projectRoot = findProjectRoot(__dirname);
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
};
const SERVICE = packageJson.name;
const FUNCTIONS = ['/health public', '/token public'];
const PUBLIC_ASSETS = ['/assets/index.html', '/demo.css', '/demo.js', '/index.html', '/openapi.json', '/token-client.js'].map(
  (path) => `${path} public`,
);
const USERS_ASSET = '/basic-users.txt private';
const projectTwilioRun = (
  JSON.parse(readFileSync(join(projectRoot, 'node_modules', 'twilio-run', 'package.json'), 'utf8')) as { version: string }
).version;

// ---------------------------------------------------------------------------------------------------------------
// The report: one line per check, printed as it is decided.

interface Outcome {
  readonly name: string;
  readonly problems: readonly string[];
}

const outcomes: Outcome[] = [];
/** Every secret of the run, so that nothing printed can hold one. */
const secrets = new Set<string>();

function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[secret]');
  return out.replace(/\$scrypt\$\S+/g, '[password hash]');
}

function say(line = ''): void {
  process.stdout.write(`${redact(line)}\n`);
}

/** Runs one check: it answers the problems it found (none: passed) or throws (failed with that message). */
async function check(name: string, body: () => readonly string[] | Promise<readonly string[]>): Promise<void> {
  let problems: readonly string[];
  try {
    problems = await body();
  } catch (error) {
    problems = [error instanceof Error ? error.message : String(error)];
  }
  outcomes.push({ name, problems });
  say(problems.length === 0 ? `  ✓ ${name}` : `  ✗ ${name}: ${problems.join('; ')}`);
}

/** The end of a command's output, for a failure's diagnosis (redacted when printed). */
function tail(output: string, lines = 40): string {
  return output
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `      | ${line}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// What a deploy should have uploaded, and how the fake recorded it.

/** Differences between two lists, as "missing x" / "unexpected y". */
function listDifference(actual: readonly string[], expected: readonly string[]): string[] {
  return [
    ...expected.filter((item) => !actual.includes(item)).map((item) => `missing ${item}`),
    ...actual.filter((item) => !expected.includes(item)).map((item) => `unexpected ${item}`),
  ];
}

interface UploadedKind {
  /** Each version as "path visibility". */
  readonly listed: string[];
  /** Paths whose bytes are not those of the clone's dist/ file. */
  readonly notFromDist: string[];
}

/** The deployed Build's functions or assets, and whether each is the clone's dist/ file byte for byte. */
function uploaded(fake: FakeTwilio, copy: ProjectCopy, kind: 'function' | 'asset'): UploadedKind {
  const build = requireBuild(fake);
  const versions = (kind === 'function' ? build.functionVersionSids : build.assetVersionSids).map((sid) => fake.state.version(sid)!);
  const folder = join(copy.dir, 'dist', kind === 'function' ? 'functions' : 'assets');
  const fromDist = (version: (typeof versions)[number]) => {
    // The path drops a function's .js and an asset's .private/.protected part of the file name.
    const stem = version.path.replace(/^\//, '');
    const names = kind === 'function' ? [`${stem}.js`] : [stem, stem.replace(/(\.[^./]+)$/, `.${version.visibility}$1`)];
    const file = names.map((name) => join(folder, name)).find((path) => existsSync(path));
    return file !== undefined && createHash('sha256').update(readFileSync(file)).digest('hex') === version.sha256;
  };
  return {
    listed: versions.map((version) => `${version.path} ${version.visibility}`),
    notFromDist: versions.filter((version) => !fromDist(version)).map((version) => `${version.path} is not the dist/ file`),
  };
}

const asList = (dependencies: Record<string, string>) => Object.entries(dependencies).map(([name, version]) => `${name}@${version}`);

function dependencyProblems(build: BuildSnapshot): string[] {
  return listDifference(
    build.dependencies.map(({ name, version }) => `${name}@${version}`),
    asList(packageJson.dependencies),
  );
}

/** What twilio-run uploads as variables: the non-empty .env values, without ACCOUNT_SID and AUTH_TOKEN. */
function expectedVariables(dotEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(dotEnv).filter(([key, value]) => value !== '' && key !== 'ACCOUNT_SID' && key !== 'AUTH_TOKEN'));
}

/** Differences between the service's variables and the expected ones, by key only (values are secrets). */
function variableProblems(actual: Record<string, string>, expected: Record<string, string>, { extraAllowed = false } = {}): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(expected)) {
    if (!(key in actual)) problems.push(`${key} missing`);
    else if (actual[key] !== value) problems.push(`${key} has another value`);
  }
  if (!extraAllowed) for (const key of Object.keys(actual)) if (!(key in expected)) problems.push(`${key} set but not in .env`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// The run.

type CredentialKind = 'apiKey' | 'account' | 'none';

interface Context {
  readonly fake: FakeTwilio;
  readonly cli: TwilioCliSandbox;
  /** Every CLI output, to check for secrets at the end. */
  readonly outputs: string[];
  /** Where a step registers the removal of what it made. */
  readonly cleanups: Array<() => void | Promise<void>>;
}

/** The CI job's environment for the CLI: the fake's proxy and CA, and credentials the CLI reads from the environment. */
function credentialsEnv(fake: FakeTwilio, kind: CredentialKind): NodeJS.ProcessEnv {
  const { accountSid, authToken, apiKeySid, apiKeySecret } = fake.credentials;
  if (kind === 'none') return {};
  return kind === 'apiKey'
    ? { TWILIO_ACCOUNT_SID: accountSid, TWILIO_API_KEY: apiKeySid, TWILIO_API_SECRET: apiKeySecret }
    : { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken };
}

interface Deployed {
  readonly result: BoundedResult;
  readonly requests: number;
}

async function cliDeploy(context: Context, copy: ProjectCopy, kind: CredentialKind, args: readonly string[] = []): Promise<Deployed> {
  const before = context.fake.requests().length;
  const result = await context.cli.twilio(['serverless:deploy', ...args], {
    cwd: copy.dir,
    env: { ...context.fake.env, ...credentialsEnv(context.fake, kind) },
    timeoutMs: DEPLOY_TIMEOUT_MS,
  });
  context.outputs.push(result.output);
  const requests = context.fake.requests().length - before;
  const how = { apiKey: 'TWILIO_API_KEY/TWILIO_API_SECRET', account: 'TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN', none: 'none' }[kind];
  say(
    `  twilio serverless:deploy${args.length ? ` ${args.join(' ')}` : ''} (credentials: ${how}): ${result.timedOut ? 'timed out' : `exit ${result.code ?? result.signal}`} in ${result.seconds.toFixed(1)} s, ${requests} requests recorded`,
  );
  return { result, requests };
}

/** `npm run <script>` in a clone, bounded and killed with the rest on an abort, as a user's shell would run it. */
async function npmRun(copy: ProjectCopy, script: string): Promise<boolean> {
  const result = await runBounded('npm', ['run', '--silent', script], {
    cwd: copy.dir,
    env: cleanEnvironment(),
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (result.code !== 0)
    say(`  npm run ${script} ${result.timedOut ? 'timed out' : `failed (exit ${result.code ?? result.signal})`}:\n${tail(result.output)}`);
  return result.code === 0;
}

function showFailure(deployed: Deployed): void {
  if (deployed.result.code !== 0) say(`    the CLI's output (end):\n${tail(deployed.result.output)}`);
}

const service = (fake: FakeTwilio) => fake.state.service(SERVICE);
const environmentOf = (fake: FakeTwilio) => {
  const found = service(fake);
  return found ? fake.state.environments(found.sid)[0] : undefined;
};
const deployedBuild = (fake: FakeTwilio) => {
  const environment = environmentOf(fake);
  return environment?.buildSid ? fake.state.build(environment.buildSid) : undefined;
};
const serviceVariables = (fake: FakeTwilio) => {
  const environment = environmentOf(fake);
  return Object.fromEntries((environment ? fake.state.variables(environment.sid) : []).map(({ key, value }) => [key, value]));
};

function requireBuild(fake: FakeTwilio): BuildSnapshot {
  const found = deployedBuild(fake);
  if (!found) throw new Error('no deployed Build in the fake');
  return found;
}

/** The upload checks of deploy.test.ts, on the Build deployed now. */
async function checkUpload(context: Context, copy: ProjectCopy): Promise<void> {
  const { fake } = context;
  await check("functions /token and /health uploaded public, each the clone's dist/functions file byte for byte", () => {
    const functions = uploaded(fake, copy, 'function');
    return [...listDifference(functions.listed, FUNCTIONS), ...functions.notFromDist];
  });
  await check(
    'assets /index.html, /assets/index.html, /demo.js, /demo.css, /token-client.js, /openapi.json public, no .map, bytes as in dist/assets',
    () => {
      const assets = uploaded(fake, copy, 'asset');
      return [
        ...listDifference(
          assets.listed.filter((asset) => asset.endsWith(' public')),
          PUBLIC_ASSETS,
        ),
        ...assets.listed.filter((asset) => asset.split(' ')[0]!.endsWith('.map')).map((asset) => `source map uploaded: ${asset}`),
        ...assets.notFromDist,
      ];
    },
  );
  await check('src/assets/basic-users.private.txt uploaded as /basic-users.txt, private (and nothing else non-public)', () =>
    listDifference(
      uploaded(fake, copy, 'asset').listed.filter((asset) => !asset.endsWith(' public')),
      [USERS_ASSET],
    ),
  );
  await check(`Build dependencies exactly package.json's (${asList(packageJson.dependencies).join(', ')})`, () =>
    dependencyProblems(requireBuild(fake)),
  );
  await check('Build runtime node22 (from .twilioserverlessrc)', () => {
    const runtime = requireBuild(fake).runtime;
    return runtime === 'node22' ? [] : [`runtime ${runtime}`];
  });
}

interface TokenAnswer {
  readonly status: number;
  readonly json: any;
}

async function askToken(fake: FakeTwilio, authorization: string, body: string): Promise<TokenAnswer> {
  const domain = environmentOf(fake)!.domainName;
  return callDeployed(fake, `https://${domain}/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body,
  });
}

async function tokenProblems(
  answer: TokenAnswer,
  credentials: TestCredentials,
  accountSid: string,
  expected: Record<string, unknown>,
): Promise<string[]> {
  if (answer.status !== 200) return [`status ${answer.status}${answer.json?.error?.code ? ` (${answer.json.error.code})` : ''}`];
  const verified = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
  const problems: string[] = [];
  if (verified.claims.sub !== accountSid) problems.push('sub is not the account SID');
  const grants = verified.claims.grants ?? {};
  for (const [key, value] of Object.entries(expected)) {
    if (JSON.stringify(grants[key]) !== JSON.stringify(value))
      problems.push(`grant ${key} is ${JSON.stringify(grants[key])}, not ${JSON.stringify(value)}`);
  }
  return problems;
}

async function run(context: Context): Promise<void> {
  const { fake, cli } = context;
  const { accountSid } = fake.credentials;

  await check(`the CLI lists @twilio-labs/plugin-serverless ${PLUGIN_VERSION} as a linked plugin`, async () => {
    const listed = await cli.twilio(['plugins'], { cwd: cli.dir, timeoutMs: 60_000 });
    return listed.code === 0 &&
      new RegExp(`@twilio-labs/plugin-serverless ${PLUGIN_VERSION.replace(/\./g, '\\.')} \\(link\\)`).test(listed.output)
      ? []
      : [`twilio plugins answered (exit ${listed.code}): ${listed.output.trim().split('\n').join(' / ')}`];
  });

  // 0. No credentials: the fresh HOME has no profile, and the environment names none.
  say();
  say('Deploy 0: a fresh clone, no credentials in the environment (and no profile in the fresh HOME)');
  const credentials = newCredentials(['alice', 'bob']);
  for (const secret of [credentials.apiKeySecret, credentials.sharedSecret, ...Object.values(credentials.passwords)]) secrets.add(secret);
  const { AUTH_BASIC_USERS: users, ...withoutUsers } = await environmentFor(credentials, {
    TWILIO_ACCOUNT_SID: accountSid,
    VIDEO_ROOM: 'standup',
    TOKEN_TTL: '600',
  });
  const dotEnv1: Record<string, string> = { ...withoutUsers, OIDC_ISSUER: '', TOKEN_POLICY: '' };
  const copy = copyProject();
  context.cleanups.push(() => copy.remove());
  copy.writeEnv(dotEnv1);
  copy.writeFile('src/assets/basic-users.private.txt', `# test users\n${users!.split(' ').join('\n')}\n`);
  if (!(await npmRun(copy, 'build'))) throw new Error('npm run build failed in the clone');
  const none = await cliDeploy(context, copy, 'none');
  await check(
    '(as npm run deploy) stops before any request, exit non-zero, naming TWILIO_API_KEY/TWILIO_API_SECRET and TWILIO_AUTH_TOKEN',
    () => {
      const problems: string[] = [];
      if (none.result.code === 0 || none.result.timedOut) problems.push(none.result.timedOut ? 'timed out' : 'exit 0');
      if (none.requests !== 0 || fake.refusals().length !== 0) problems.push(`${none.requests} request(s) sent`);
      if (!/TWILIO_API_KEY[\s\S]*TWILIO_API_SECRET[\s\S]*TWILIO_AUTH_TOKEN/.test(none.result.output))
        problems.push('does not name the variables');
      return problems;
    },
  );

  // 1. A first deploy with an API key, the users in the private asset (no AUTH_BASIC_USERS), empty values in .env.
  say();
  say(
    'Deploy 1: the same clone, credentials TWILIO_ACCOUNT_SID + TWILIO_API_KEY + TWILIO_API_SECRET, users in src/assets/basic-users.private.txt',
  );
  const first = await cliDeploy(context, copy, 'apiKey');
  await check('exits 0 and prints the deployed domain', () => {
    const domain = environmentOf(fake)?.domainName;
    const problems = [];
    if (first.result.code !== 0) problems.push(first.result.timedOut ? 'timed out' : `exit ${first.result.code ?? first.result.signal}`);
    if (!domain || !first.result.output.includes(domain)) problems.push('no deployed domain in the output');
    return problems;
  });
  showFailure(first);
  await check(`created one service named ${SERVICE} with one environment, and deployed a Build to it`, () => {
    const services = fake.state.services();
    const environment = environmentOf(fake);
    if (services.length !== 1 || services[0]!.uniqueName !== SERVICE)
      return [`services: ${services.map((s) => s.uniqueName).join(', ') || 'none'}`];
    if (!environment?.buildSid) return ['no Build deployed'];
    return fake.state.deployments(environment.sid).length === 1 ? [] : [`${fake.state.deployments(environment.sid).length} deployments`];
  });
  await checkUpload(context, copy);
  await check('variables exactly the non-empty .env values (no AUTH_BASIC_USERS, no empty OIDC_ISSUER/TOKEN_POLICY)', () =>
    variableProblems(serviceVariables(fake), expectedVariables(dotEnv1)),
  );
  await check(
    'the deployed service: a Basic user from the private asset gets a token that jose verifies (identity, room standup)',
    async () =>
      tokenProblems(await askToken(fake, basicHeader('bob', credentials.passwords.bob!), '{}'), credentials, accountSid, {
        identity: 'bob',
        video: { room: 'standup' },
      }),
  );
  await check('the deployed service: a shared secret (Bearer) gets a token that jose verifies', async () =>
    tokenProblems(await askToken(fake, `Bearer ${credentials.sharedSecret}`, '{"identity":"kiosk-7"}'), credentials, accountSid, {
      identity: 'kiosk-7',
    }),
  );
  await check('the deployed /health is ok with basic and bearer; /basic-users.txt is not served', async () => {
    const domain = environmentOf(fake)!.domainName;
    const health = await callDeployed(fake, `https://${domain}/health`);
    const byUrl = await callDeployed(fake, `https://${domain}/basic-users.txt`);
    const problems: string[] = [];
    if (health.status !== 200 || health.json?.status !== 'ok') problems.push(`/health answered ${health.status}`);
    else if (JSON.stringify(health.json.authSchemes) !== '["basic","bearer"]')
      problems.push(`authSchemes ${JSON.stringify(health.json.authSchemes)}`);
    if (byUrl.status === 200 || byUrl.text.includes('$scrypt$')) problems.push(`/basic-users.txt answered ${byUrl.status}`);
    return problems;
  });
  await check('(as npm run deploy) the CLI records the service in .twiliodeployinfo, also with an API key', () => {
    if (!copy.exists('.twiliodeployinfo')) return ['no .twiliodeployinfo'];
    const info = copy.read('.twiliodeployinfo');
    return info.includes(service(fake)?.sid ?? 'none') ? [] : ['.twiliodeployinfo does not name the service'];
  });

  // 2. A redeploy from the same clone with the account's auth token: a changed value, a removed one.
  say();
  say(
    'Deploy 2: the same clone again, credentials TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN; TOKEN_TTL changed, VIDEO_ROOM removed from .env',
  );
  const { VIDEO_ROOM: _removed, ...rest } = dotEnv1;
  const dotEnv2: Record<string, string> = { ...rest, TOKEN_TTL: '900' };
  copy.writeEnv(dotEnv2);
  const buildBefore = deployedBuild(fake)?.sid;
  const buildsBefore = service(fake) ? fake.state.builds(service(fake)!.sid).length : 0;
  const second = await cliDeploy(context, copy, 'account');
  await check('exits 0, updates the same service (from .twiliodeployinfo) and deploys a new Build', () => {
    const problems: string[] = [];
    if (second.result.code !== 0)
      problems.push(second.result.timedOut ? 'timed out' : `exit ${second.result.code ?? second.result.signal}`);
    if (fake.state.services().length !== 1) problems.push(`${fake.state.services().length} services`);
    if (!service(fake) || fake.state.builds(service(fake)!.sid).length !== buildsBefore + 1) problems.push('no new Build');
    if (deployedBuild(fake)?.sid === buildBefore) problems.push('the new Build is not deployed');
    return problems;
  });
  showFailure(second);
  await checkUpload(context, copy);
  await check('every non-empty .env value is set (TOKEN_TTL now 900)', () =>
    variableProblems(serviceVariables(fake), expectedVariables(dotEnv2), { extraAllowed: true }),
  );
  await check(
    '(unlike npm run deploy) VIDEO_ROOM, removed from .env, stays on the service: tokens are still pinned to room standup',
    async () => {
      const problems: string[] = [];
      if (serviceVariables(fake)['VIDEO_ROOM'] !== 'standup') problems.push('VIDEO_ROOM was deleted or changed');
      const answer = await askToken(fake, `Bearer ${credentials.sharedSecret}`, '{"identity":"kiosk","room":"boardroom"}');
      if (answer.json?.error?.code !== 'room_not_allowed') problems.push(`another room answered ${answer.status}`);
      return problems;
    },
  );

  // 3. A fresh clone (no .twiliodeployinfo), as a CI job or a colleague has it: the service name is taken.
  say();
  say('Deploy 3: a fresh clone of the same project (no .twiliodeployinfo), credentials TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN');
  const fresh = copyProject();
  context.cleanups.push(() => fresh.remove());
  fresh.writeEnv({ ...dotEnv2, TOKEN_TTL: '1200' });
  cpSync(join(copy.dir, 'dist'), join(fresh.dir, 'dist'), { recursive: true });
  const variablesBefore = serviceVariables(fake);
  const buildsBeforeConflict = service(fake) ? fake.state.builds(service(fake)!.sid).length : 0;
  const third = await cliDeploy(context, fresh, 'account');
  await check('(as npm run deploy) stops on the taken service name, exit non-zero, naming --override-existing-project', () => {
    const problems: string[] = [];
    if (third.result.code === 0) problems.push('exit 0');
    if (third.result.timedOut) problems.push('timed out');
    if (!/override-existing-project/.test(third.result.output)) problems.push('does not name --override-existing-project');
    return problems;
  });
  await check('(as npm run deploy) the conflict changes nothing: no new Build, variables as they were, one service', () => {
    const problems = variableProblems(serviceVariables(fake), variablesBefore);
    if (fake.state.builds(service(fake)!.sid).length !== buildsBeforeConflict) problems.push('a Build was created');
    if (fake.state.services().length !== 1) problems.push(`${fake.state.services().length} services`);
    return problems;
  });
  if (third.result.code === 0 || !/override-existing-project/.test(third.result.output))
    say(`    the CLI's output (end):\n${tail(third.result.output)}`);

  // 4. The development .env that `npm start` writes (placeholder SIDs), which npm run deploy refuses.
  say();
  say('Deploy 4: a fresh clone with the development .env of npm start (placeholder SIDs), --service-name dev-env-check');
  const development = copyProject();
  context.cleanups.push(() => development.remove());
  if (!(await npmRun(development, 'prestart'))) throw new Error('npm run prestart failed in the clone');
  cpSync(join(copy.dir, 'dist'), join(development.dir, 'dist'), { recursive: true });
  const fourth = await cliDeploy(context, development, 'account', ['--service-name', 'dev-env-check']);
  await check('(unlike npm run deploy, which refuses it before sending anything) the CLI deploys it, exit 0', () =>
    fourth.result.code === 0 && fake.state.service('dev-env-check')
      ? []
      : [fourth.result.timedOut ? 'timed out' : `exit ${fourth.result.code ?? fourth.result.signal}`],
  );
  await check('and the deployed /health answers 503 misconfigured, naming TWILIO_ACCOUNT_SID', async () => {
    const deployed = fake.state.service('dev-env-check');
    const environment = deployed && fake.state.environments(deployed.sid)[0];
    if (!environment) return ['not deployed'];
    const health = await callDeployed(fake, `https://${environment.domainName}/health`);
    const named = (health.json?.problems ?? []).map((problem: { variable?: string }) => problem.variable);
    return health.status === 503 && health.json?.status === 'misconfigured' && named.includes('TWILIO_ACCOUNT_SID')
      ? []
      : [`/health answered ${health.status} ${health.json?.status ?? ''} (${named.join(', ')})`];
  });

  // 5. What held over the whole run.
  say();
  say('The whole run');
  await check("no request to another host: the fake's proxy refused nothing", () =>
    fake.refusals().map((refusal) => `${refusal.method} ${refusal.target} (${refusal.reason})`),
  );
  await check("no update check or self-update ran (no version, last-warning or autoupdate file in the CLI's ~/.twilio-cli)", () =>
    cli.updateCheckTraces().map((name) => `~/.twilio-cli/${name} was written`),
  );
  await check('no credential, secret, password or hash in anything the CLI printed', () => {
    const printed = context.outputs.join('\n');
    const leaked = [...secrets].filter((secret) => secret && printed.includes(secret)).length;
    return [...(leaked > 0 ? [`${leaked} secret(s) printed`] : []), ...(printed.includes('$scrypt$') ? ['a password hash printed'] : [])];
  });
  say(
    `  recorded requests: ${fake.requests().length} in all (deploy 0: ${none.requests}, 1: ${first.requests}, 2: ${second.requests}, 3: ${third.requests}, 4: ${fourth.requests})`,
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** What the run made, in order; removed in reverse. */
const cleanups: Array<() => void | Promise<void>> = [];
let cleanedUp: Promise<void> | undefined;

/** Removes everything the run made, once, whichever path got here first. */
function cleanUp(): Promise<void> {
  cleanedUp ??= (async () => {
    killAllBounded();
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return cleanedUp;
}

function abort(reason: string): void {
  say(`\n✗ ${reason}: killing every child process and removing everything`);
  void cleanUp().finally(() => process.exit(1));
}

async function main(): Promise<number> {
  const started = Date.now();
  say(
    `twilio serverless:deploy rehearsed against the fake Twilio (twilio-cli ${CLI_VERSION}, @twilio-labs/plugin-serverless ${PLUGIN_VERSION})`,
  );
  try {
    const fake = await startFakeTwilio();
    cleanups.push(() => fake.stop());
    for (const secret of [fake.credentials.authToken, fake.credentials.apiKeySecret]) secrets.add(secret);

    say('  installing the CLI and the plugin with npm into a temporary folder with its own HOME…');
    const cliDir = mkdtempSync(join(tmpdir(), 'twilio-cli-sandbox-'));
    cleanups.push(() => rmSync(cliDir, { recursive: true, force: true }));
    const cli = await createTwilioCliSandbox(cliDir, { cliVersion: CLI_VERSION, pluginVersion: PLUGIN_VERSION });
    const { versions } = cli;
    say(
      `  installed in ${cli.installSeconds.toFixed(0)} s: twilio-cli ${versions.cli}, @twilio-labs/plugin-serverless ${versions.plugin} (npm, registered with twilio plugins:link)`,
    );
    say(
      `  the plugin deploys with twilio-run ${versions.twilioRun} (@twilio-labs/serverless-api ${versions.serverlessApi}); npm run deploy uses twilio-run ${projectTwilioRun}`,
    );
    await run({ fake, cli, outputs: [], cleanups });
  } catch (error) {
    const output = error instanceof SandboxSetupError && error.output ? `\n${tail(error.output)}` : '';
    await check('the run itself', () => [`${error instanceof Error ? error.message : String(error)}${output}`]);
  } finally {
    await cleanUp();
  }
  const failed = outcomes.filter((outcome) => outcome.problems.length > 0).length;
  say();
  say(`run time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  say(`cli-deploy: ${outcomes.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.once('SIGINT', () => abort('interrupted (SIGINT)'));
process.once('SIGTERM', () => abort('terminated (SIGTERM)'));
setTimeout(() => abort(`the run took over ${WATCHDOG_MS / 60_000} minutes`), WATCHDOG_MS).unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cli-deploy: ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
    void cleanUp().finally(() => process.exit(1));
  },
);
