/**
 * The promises `npm run deploy` keeps when things are not the happy case, each shown with the real command in a
 * throwaway clone against the loopback stand-in of Twilio: a plan before every change (and `--plan` that only reads),
 * no private configuration file dropped by accident, convergence after a cut connection, a signal that leaves no
 * secret behind and no child running, the signing key checked with Twilio, least privilege, and messages that name
 * the real cause.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callDeployed } from '../helpers/fake-twilio/call-deployed';
import type { RecordedRequest } from '../helpers/fake-twilio';
import { useDeployHarness } from '../helpers/deploy-harness';
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { killGroupAfter, signalGroup } from '../helpers/process-group';
import { cleanEnvironment, type CommandResult, type ProjectCopy } from '../helpers/project-copy';

const DEPLOY_TIMEOUT_MS = 240_000;
const USERS_FILE = 'src/assets/basic-users.private.txt';
const POLICY_FILE = 'src/assets/policy.private.json';
/** A deny-by-default policy: shared-secret callers get video in the lobby for 900 s at most. */
const POLICY = { default: 'deny', rules: [{ match: { any: true }, grants: ['video'], rooms: ['lobby'], maxTtl: 900 }] };

const harness = useDeployHarness();
const { newCopy, registeredCredentials, ciEnvironment, expectNoSecretIn } = harness;

function deploy(copy: ProjectCopy, args: readonly string[], env: NodeJS.ProcessEnv = ciEnvironment()): Promise<CommandResult> {
  return copy.npmRun('deploy', ['--no-smoke', ...args], env, DEPLOY_TIMEOUT_MS);
}

/** The configuration of one service: .env (users in the users file) and the policy file. */
async function configure(
  copy: ProjectCopy,
  credentials: TestCredentials,
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  const { AUTH_BASIC_USERS: users, ...env } = await environmentFor(credentials, {
    TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid,
    ...overrides,
  });
  copy.writeEnv(env);
  copy.writeFile(USERS_FILE, `${users!.split(' ').join('\n')}\n`);
  copy.writeFile(POLICY_FILE, JSON.stringify(POLICY));
  return env;
}

const since = (count: number): readonly RecordedRequest[] => harness.fake.requests().slice(count);
const methods = (requests: readonly RecordedRequest[]) => [...new Set(requests.map((request) => request.method))];

function liveOf(serviceName: string) {
  const service = harness.fake.state.service(serviceName)!;
  const environment = harness.fake.state.environments(service.sid)[0]!;
  const build = environment.buildSid ? harness.fake.state.build(environment.buildSid) : undefined;
  const paths = build ? [...build.functionVersionSids, ...build.assetVersionSids].map((sid) => harness.fake.state.version(sid)!.path) : [];
  const variables = Object.fromEntries(harness.fake.state.variables(environment.sid).map(({ key, value }) => [key, value]));
  return { service, environment, build, paths, variables };
}

describe('--plan reads the live service with GETs only and names every change, never a value', () => {
  const SERVICE = 'plan-tokens';
  let copy: ProjectCopy;
  let credentials: TestCredentials;
  let env: Record<string, string>;

  beforeAll(async () => {
    copy = newCopy();
    credentials = registeredCredentials(['ann', 'ben']);
    env = await configure(copy, credentials);
    const first = await deploy(copy, ['--service-name', SERVICE]);
    expect(first.code).toBe(0);
  }, DEPLOY_TIMEOUT_MS);

  it(
    'exits 0 with "nothing to change" right after a deploy, and sent only GET requests',
    async () => {
      const before = harness.fake.requests().length;
      const plan = await deploy(copy, ['--plan']);
      expect(plan.stdout).toMatch(/plan for service plan-tokens \(ZS\w+\), environment dev: nothing to change/);
      expect(plan.code).toBe(0);
      expect(since(before).length).toBeGreaterThan(3);
      expect(methods(since(before))).toEqual(['GET']);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'a redeploy that rotates the key, removes a user and changes the policy: --plan exits 2 naming each, then the deploy prints the same plan and converges',
    async () => {
      const rotated = registeredCredentials([]);
      const users = copy
        .read(USERS_FILE)
        .split('\n')
        .filter((line) => !line.startsWith('ben:'));
      copy.writeFile(USERS_FILE, users.join('\n'));
      copy.writeFile(POLICY_FILE, JSON.stringify({ ...POLICY, rules: [{ ...POLICY.rules[0], maxTtl: 600 }] }));
      copy.writeEnv({ ...env, TWILIO_API_KEY_SID: rotated.apiKeySid, TWILIO_API_KEY_SECRET: rotated.apiKeySecret });
      const before = harness.fake.requests().length;
      const plan = await deploy(copy, ['--plan']);
      console.log(
        `npm run deploy -- --plan, for a redeploy that rotates the key, removes a user and changes the policy (exit ${plan.code}):\n${plan.stdout}`,
      );
      expect(plan.code).toBe(2);
      expect(methods(since(before))).toEqual(['GET']);
      const planLines = [
        '  ~ variable TWILIO_API_KEY_SID changed — access unchanged: tokens are signed with another API key',
        '  ~ variable TWILIO_API_KEY_SECRET changed — access unchanged: tokens are signed with another API key',
        '  ~ private configuration file /basic-users.txt changed',
        '  ~ private configuration file /policy.json changed',
      ];
      for (const line of planLines) expect(plan.stdout.split('\n')).toContain(line);
      expect(plan.stdout).not.toMatch(/^\s+[~+-] (function|asset|dependency|build) /m);
      expectNoSecretIn(plan.output, [rotated.apiKeySecret, credentials.apiKeySecret, credentials.sharedSecret]);

      const applied = await deploy(copy, []);
      expect(applied.code).toBe(0);
      expect(applied.stdout).toContain(
        plan.stdout
          .split('\n')
          .filter((line) => line.startsWith('  '))
          .join('\n'),
      );
      expect(applied.stdout).toMatch(/the service read back matches this checkout/);
      expect(liveOf(SERVICE).variables).toMatchObject({
        TWILIO_API_KEY_SID: rotated.apiKeySid,
        TWILIO_API_KEY_SECRET: rotated.apiKeySecret,
      });
      expect((await deploy(copy, ['--plan'])).code).toBe(0);
    },
    3 * DEPLOY_TIMEOUT_MS,
  );

  it(
    'exits 1 on a problem (deploy credentials Twilio refuses)',
    async () => {
      const plan = await deploy(copy, ['--plan'], { ...ciEnvironment(), TWILIO_AUTH_TOKEN: 'f'.repeat(32) });
      expect(plan.code).toBe(1);
      expect(plan.output).toMatch(/Twilio refused the deploy credentials \(TWILIO_ACCOUNT_SID\/TWILIO_AUTH_TOKEN\) with error 20003/);
      // Not the hint for a taken service name: the credentials are the cause.
      expect(plan.output).not.toMatch(/taken|--override-existing-project/);
    },
    DEPLOY_TIMEOUT_MS,
  );
});

describe('a deploy from a fresh clone or CI never drops the users file or the policy by accident', () => {
  const SERVICE = 'ci-tokens';
  let serviceSid: string;
  let env: Record<string, string>;
  let usersText: string;

  beforeAll(async () => {
    const copy = newCopy();
    env = await configure(copy, registeredCredentials(['cat', 'dan']));
    usersText = copy.read(USERS_FILE);
    expect((await deploy(copy, ['--service-name', SERVICE])).code).toBe(0);
    serviceSid = harness.fake.state.service(SERVICE)!.sid;
  }, DEPLOY_TIMEOUT_MS);

  it(
    'refuses, before any change, a clone without them, naming each file and the ways out',
    async () => {
      const clone = newCopy();
      clone.writeEnv(env);
      const before = harness.fake.requests().length;
      const buildBefore = liveOf(SERVICE).build!.sid;
      const result = await deploy(clone, ['--service-sid', serviceSid]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/refused; nothing was changed on Twilio/);
      expect(result.stdout).toMatch(
        /✗ \/basic-users\.txt: the live build has it and this checkout has no src\/assets\/basic-users\.private\.txt: every Basic user of the live service would be locked out/,
      );
      expect(result.stdout).toMatch(
        /fix: put src\/assets\/basic-users\.private\.txt in place \(in CI, write it from a secret: see docs\/deploy\.md, "Deploying from CI"\), or pass --remove-users-file/,
      );
      expect(result.stdout).toMatch(/✗ \/policy\.json: the live build has it and this checkout has no src\/assets\/policy\.private\.json/);
      expect(result.stdout).toMatch(/fix: commit src\/assets\/policy\.private\.json \(a policy holds no secret\).*or pass --remove-policy/);
      expect(methods(since(before))).toEqual(['GET']);
      expect(liveOf(SERVICE).build!.sid).toBe(buildBefore);
      expect(liveOf(SERVICE).paths).toEqual(expect.arrayContaining(['/basic-users.txt', '/policy.json']));
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'with --remove-users-file and --remove-policy the plan removes them on purpose',
    async () => {
      const clone = newCopy();
      clone.writeEnv(env);
      const plan = await deploy(clone, ['--service-sid', serviceSid, '--plan', '--remove-users-file', '--remove-policy']);
      expect(plan.code).toBe(2);
      expect(plan.stdout).toMatch(/- private configuration file \/basic-users\.txt removed/);
      expect(plan.stdout).toMatch(/- private configuration file \/policy\.json removed/);
      expect(plan.stdout).not.toMatch(/refused/);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    "the README's CI recipe (users file written from a CI secret, the policy committed) has nothing to change",
    async () => {
      const clone = newCopy();
      clone.writeEnv(env);
      clone.writeFile(POLICY_FILE, JSON.stringify(POLICY));
      const script = `printf '%s\\n' "$BASIC_USERS_FILE" > ${USERS_FILE}`;
      const written = spawnSync('sh', ['-c', script], {
        cwd: clone.dir,
        env: { PATH: process.env.PATH, BASIC_USERS_FILE: usersText.trimEnd() },
      });
      expect(written.status).toBe(0);
      const plan = await deploy(clone, ['--service-sid', serviceSid, '--plan']);
      expect(plan.stdout).toMatch(/nothing to change/);
      expect(plan.code).toBe(0);
    },
    DEPLOY_TIMEOUT_MS,
  );
});

describe('a deploy cut part-way never leaves a revoked secret valid or a mixed key pair, and the next run converges', () => {
  const SERVICE = 'cut-tokens';
  let copy: ProjectCopy;
  let credentials: TestCredentials;
  let env: Record<string, string>;

  beforeAll(async () => {
    copy = newCopy();
    credentials = registeredCredentials(['eve']);
    env = await configure(copy, credentials);
    expect((await deploy(copy, ['--service-name', SERVICE])).code).toBe(0);
  }, DEPLOY_TIMEOUT_MS);

  it(
    'the connection cut right after activating the build: the removed shared secret was deleted first; the run says what is unknown; again converges',
    async () => {
      const { AUTH_SHARED_SECRETS: _removed, ...rest } = env;
      copy.writeEnv(rest);
      copy.writeFile('src/assets/demo.css', `${readFileSync(join(copy.dir, 'src/assets/demo.css'), 'utf8')}\n/* changed */\n`);
      const fault = harness.fake.addFault({ method: 'POST', path: /\/Deployments$/, action: 'drop-after' });
      const cut = await deploy(copy, []);
      await fault.reached;
      expect(cut.code).toBe(1);
      expect(cut.stdout).toMatch(
        /applied:\n[\s\S]*delete variable AUTH_SHARED_SECRETS[\s\S]*unknown \(sent, no answer[^\n]*\n\s+activate the new build/,
      );
      expect(cut.stdout).toMatch(/run `npm run deploy` again/);
      expect(liveOf(SERVICE).variables).not.toHaveProperty('AUTH_SHARED_SECRETS');
      const refused = await callDeployed(harness.fake, `https://${liveOf(SERVICE).environment.domainName}/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' },
        body: '{"identity":"kiosk"}',
      });
      expect(refused.status).toBe(401);
      const again = await deploy(copy, []);
      expect(again.code).toBe(0);
      expect((await deploy(copy, ['--plan'])).stdout).toMatch(/nothing to change/);
    },
    3 * DEPLOY_TIMEOUT_MS,
  );

  it(
    'a key rotation cut between the secret and the SID: the SID is absent (fails closed), never the old SID with the new secret; it says so; again converges',
    async () => {
      const current = liveOf(SERVICE).variables;
      const rotated = registeredCredentials([]);
      copy.writeEnv({ ...current, ...rotatedKeys(rotated) });
      const fault = harness.fake.addFault({ method: 'POST', path: /\/Variables$/, nth: 1, action: 'drop-before' });
      const cut = await deploy(copy, []);
      await fault.reached;
      expect(cut.code).toBe(1);
      const live = liveOf(SERVICE).variables;
      expect(live).not.toHaveProperty('TWILIO_API_KEY_SID');
      expect(live['TWILIO_API_KEY_SECRET']).toBe(rotated.apiKeySecret);
      expect(cut.stdout).toMatch(/TWILIO_API_KEY_SID is not set on the service now, so it refuses to sign tokens/);
      const health = await callDeployed(harness.fake, `https://${liveOf(SERVICE).environment.domainName}/health`);
      expect(health.status).not.toBe(200);
      const again = await deploy(copy, []);
      expect(again.code).toBe(0);
      expect(liveOf(SERVICE).variables).toMatchObject(rotatedKeys(rotated));
    },
    3 * DEPLOY_TIMEOUT_MS,
  );

  it(
    'the service changed by someone else while the deploy ran: the read-back names the difference, exits 1, and says to run again; again converges',
    async () => {
      const { service, environment, variables } = liveOf(SERVICE);
      copy.writeEnv({ ...variables, TOKEN_TTL: '700' });
      const fault = harness.fake.addFault({ method: 'POST', path: /\/Variables$/, action: 'pause' });
      const running = deploy(copy, []);
      await fault.reached;
      const meddled = await callDeployed(
        harness.fake,
        `https://serverless.twilio.com/v1/Services/${service.sid}/Environments/${environment.sid}/Variables`,
        {
          method: 'POST',
          headers: {
            authorization: basicHeader(harness.fake.credentials.accountSid, harness.fake.credentials.authToken),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'Key=VIDEO_ROOM&Value=backroom',
        },
      );
      expect(meddled.status).toBe(201);
      fault.release();
      const result = await running;
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /the service read back differs from this checkout:\n\s+- variable VIDEO_ROOM deleted \(no longer set\) — widens access: video tokens are no longer pinned to one room\ndeploy: run `npm run deploy` again/,
      );
      expect(result.stdout).not.toContain('backroom');
      // The room someone pinned is a limit: removing it widens access, so the next deploy asks for --remove.
      const refused = await deploy(copy, []);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(
        /✗ VIDEO_ROOM: the live service has it and this deploy does not set it[^\n]*\n\s+fix: [^\n]*--remove VIDEO_ROOM/,
      );
      expect(liveOf(SERVICE).variables).toHaveProperty('VIDEO_ROOM');
      const again = await deploy(copy, ['--remove', 'VIDEO_ROOM']);
      expect(again.code).toBe(0);
      expect(liveOf(SERVICE).variables).not.toHaveProperty('VIDEO_ROOM');
    },
    3 * DEPLOY_TIMEOUT_MS,
  );
});

function rotatedKeys(credentials: TestCredentials): Record<string, string> {
  return { TWILIO_API_KEY_SID: credentials.apiKeySid, TWILIO_API_KEY_SECRET: credentials.apiKeySecret };
}

/** `npm run deploy` started in its own process group, so a test can signal it (or just the deploy) mid-way. */
function startDeploy(copy: ProjectCopy, args: readonly string[]) {
  const child = spawn('npm', ['run', '--silent', 'deploy', '--', '--no-smoke', ...args], {
    cwd: copy.dir,
    env: { ...cleanEnvironment(), ...ciEnvironment() },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = killGroupAfter(child, DEPLOY_TIMEOUT_MS);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // stdout may still be draining when the process exits.
      setTimeout(() => resolve({ code, signal, output }), 200);
    }),
  );
  return { child, done };
}

/**
 * Every running process's pid, group and full command line, as `ps` shows them to any user of the machine. Zombies
 * (exited, waiting to be reaped by init, which in a container may never come) run nothing and are left out.
 */
function processes(): { pid: number; pgid: number; args: string }[] {
  const listing = spawnSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' }).stdout;
  return listing
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && !match[3]!.startsWith('Z'))
    .map((match) => ({ pid: Number(match[1]), pgid: Number(match[2]), args: match[4]! }));
}

/** Files under `dir` (not following links, skipping node_modules) changed since `sinceMs`. */
function filesChangedSince(dir: string, sinceMs: number, depth = 4): string[] {
  if (depth < 0) return [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink() || entry.name === 'node_modules') return [];
    if (entry.isDirectory()) return filesChangedSince(path, sinceMs, depth - 1);
    try {
      const stats = statSync(path);
      return entry.isFile() && stats.mtimeMs >= sinceMs - 1000 && stats.size < 4 * 1024 * 1024 ? [path] : [];
    } catch {
      return [];
    }
  });
}

describe('a policy moved from TOKEN_POLICY into the policy file keeps applying while the deploy runs', () => {
  const SERVICE = 'moved-policy-tokens';

  it(
    'the activation cut: TOKEN_POLICY is still on the service and still limits callers; again converges and deletes it',
    async () => {
      const copy = newCopy();
      const credentials = registeredCredentials(['amy']);
      const env = await environmentFor(credentials, {
        TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid,
        TOKEN_POLICY: JSON.stringify(POLICY),
      });
      copy.writeEnv(env);
      expect((await deploy(copy, ['--service-name', SERVICE])).code).toBe(0);
      const outsideTheLobby = () =>
        callDeployed(harness.fake, `https://${liveOf(SERVICE).environment.domainName}/token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' },
          body: '{"identity":"kiosk","room":"backroom"}',
        });
      expect((await outsideTheLobby()).status).toBe(403);

      const { TOKEN_POLICY: _moved, ...rest } = env;
      copy.writeEnv(rest);
      copy.writeFile(POLICY_FILE, JSON.stringify(POLICY));
      const fault = harness.fake.addFault({ method: 'POST', path: /\/Deployments$/, action: 'drop-before' });
      const cut = await deploy(copy, []);
      await fault.reached;
      expect(cut.code).toBe(1);
      // The old build is still live, without the file: the variable must still be there for it.
      expect(liveOf(SERVICE).variables).toHaveProperty('TOKEN_POLICY');
      const during = await outsideTheLobby();
      expect({ status: during.status, code: during.json?.error?.code }).toEqual({ status: 403, code: 'policy_room_denied' });

      expect((await deploy(copy, [])).code).toBe(0);
      const after = liveOf(SERVICE);
      expect(after.variables).not.toHaveProperty('TOKEN_POLICY');
      expect(after.paths).toContain('/policy.json');
      expect((await outsideTheLobby()).status).toBe(403);
    },
    4 * DEPLOY_TIMEOUT_MS,
  );
});

describe('Ctrl-C or SIGTERM at any phase: no secret on disk or in any argv, no child left running, what is applied is said', () => {
  const SERVICE = 'signal-tokens';
  let copy: ProjectCopy;
  let credentials: TestCredentials;
  let env: Record<string, string>;

  beforeAll(async () => {
    copy = newCopy();
    credentials = registeredCredentials(['fay']);
    env = await configure(copy, credentials, { VIDEO_ROOM: 'lobby' });
    expect((await deploy(copy, ['--service-name', SERVICE])).code).toBe(0);
  }, DEPLOY_TIMEOUT_MS);

  const phases = [
    {
      name: 'SIGTERM to the deploy alone while reading the live service',
      signal: 'SIGTERM',
      group: false,
      at: { method: 'GET', path: /\/Environments$/ },
      said: /stopped by SIGTERM; nothing was changed on Twilio/,
    },
    {
      name: 'Ctrl-C (SIGINT to the group) while the build is created',
      signal: 'SIGINT',
      group: true,
      at: { method: 'POST', path: /\/Builds$/ },
      said: /stopped by SIGINT part-way:\n\s+applied:\n\s+set variable TOKEN_TTL\n\s+upload[^\n]*\n\s+unknown[^\n]*\n\s+build them[\s\S]*not applied:[\s\S]*activate the new build[^\n]*\n\s+delete variable VIDEO_ROOM/,
    },
    {
      name: 'SIGTERM to the group while the variables are set',
      signal: 'SIGTERM',
      group: true,
      // TOKEN_TTL exists on the service by now (the previous phase wrote it before its upload): an update.
      at: { method: 'POST', path: /\/Variables(\/ZV\w+)?$/ },
      said: /stopped by SIGTERM part-way:[\s\S]*unknown[^\n]*\n\s+set variable TOKEN_TTL[\s\S]*not applied:[\s\S]*upload[\s\S]*activate the new build/,
    },
  ] as const;

  for (const [index, phase] of phases.entries()) {
    it(
      phase.name,
      async () => {
        const secrets = [harness.fake.credentials.authToken, credentials.apiKeySecret, credentials.sharedSecret];
        const started = Date.now();
        // Each phase lowers TOKEN_TTL further (a narrowing change, written before the upload) and removes VIDEO_ROOM
        // on purpose (a widening one, deleted once the new build is live).
        copy.writeEnv({ ...env, VIDEO_ROOM: '', TOKEN_TTL: String(1500 - 100 * index) });
        copy.writeFile('src/assets/demo.css', `/* ${started} */\n`);
        const fault = harness.fake.addFault({ ...phase.at, action: 'hold' });
        const running = startDeploy(copy, ['--remove', 'VIDEO_ROOM']);
        const argvSeen: string[] = [];
        const sampler = setInterval(() => argvSeen.push(...processes().map((entry) => entry.args)), 100);
        try {
          await fault.reached;
          const group = processes().filter((entry) => entry.pgid === running.child.pid);
          argvSeen.push(...group.map((entry) => entry.args));
          if (phase.group) signalGroup(running.child, phase.signal);
          else {
            const deployProcess = group.find((entry) => /^node scripts\/run-ts\.mjs src\/cli\/deploy\.ts/.test(entry.args));
            expect(deployProcess).toBeDefined();
            process.kill(deployProcess!.pid, phase.signal);
          }
          const result = await running.done;
          expect(result.output).toMatch(phase.said);
          expect(result.code === 0).toBe(false);
        } finally {
          clearInterval(sampler);
          fault.release();
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(processes().filter((entry) => entry.pgid === running.child.pid)).toEqual([]);
        expect(argvSeen.length).toBeGreaterThan(0);
        for (const args of argvSeen) for (const secret of secrets) expect(args.includes(secret)).toBe(false);
        const written = [...filesChangedSince(tmpdir(), started, 2), ...filesChangedSince(copy.dir, started)].filter(
          (path) => path !== join(copy.dir, '.env'),
        );
        for (const path of written) {
          let text = '';
          try {
            text = readFileSync(path, 'latin1');
          } catch {
            continue;
          }
          for (const secret of secrets) expect({ path, holds: text.includes(secret) }).toEqual({ path, holds: false });
        }
      },
      DEPLOY_TIMEOUT_MS,
    );
  }

  it(
    'after all of that, one more run converges',
    async () => {
      const again = await deploy(copy, ['--remove', 'VIDEO_ROOM']);
      expect(again.code).toBe(0);
      expect((await deploy(copy, ['--plan'])).stdout).toMatch(/nothing to change/);
    },
    2 * DEPLOY_TIMEOUT_MS,
  );
});

describe('the signing key is checked with Twilio before anything changes', () => {
  const SERVICE = 'key-tokens';
  let copy: ProjectCopy;
  let env: Record<string, string>;

  beforeAll(async () => {
    copy = newCopy();
    env = await configure(copy, registeredCredentials(['gus']));
    expect((await deploy(copy, ['--service-name', SERVICE])).code).toBe(0);
  }, DEPLOY_TIMEOUT_MS);

  async function expectKeyRefused(keys: Record<string, string>): Promise<void> {
    copy.writeEnv({ ...env, ...keys });
    const before = harness.fake.requests().length;
    const result = await deploy(copy, []);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ TWILIO_API_KEY_SID: Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for account AC\w+ \(error 20003\): the secret is not this key's, the key was deleted, or it belongs to another account/,
    );
    expect(methods(since(before))).toEqual(['GET']);
    expect(since(before).some((request) => request.host === 'api.twilio.com' && request.status === 401)).toBe(true);
    expectNoSecretIn(result.output, Object.values(keys));
  }

  it(
    "refuses a secret that is not the key's",
    async () => {
      await expectKeyRefused({ TWILIO_API_KEY_SECRET: newCredentials([]).apiKeySecret });
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'refuses a key of another account',
    async () => {
      const other = newCredentials([]);
      harness.fake.addApiKey(other.apiKeySid, other.apiKeySecret, { accountSid: other.accountSid });
      await expectKeyRefused(rotatedKeys(other));
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'refuses a Restricted key (it cannot sign Access Tokens, error 20160), saying which key type to create',
    async () => {
      const restricted = newCredentials([]);
      harness.fake.addApiKey(restricted.apiKeySid, restricted.apiKeySecret, { type: 'restricted' });
      copy.writeEnv({ ...env, ...rotatedKeys(restricted) });
      const before = harness.fake.requests().length;
      const result = await deploy(copy, []);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /✗ TWILIO_API_KEY_SID: TWILIO_API_KEY_SID is a Restricted API key, and Twilio refuses every Access Token a Restricted key signs \(error 20160\)\n {2}fix: create a Standard API key/,
      );
      expect(methods(since(before))).toEqual(['GET']);
      // Twilio authenticated the key but refused it the Balance read (70051), which a Standard key always may make.
      expect(since(before).some((request) => request.host === 'api.twilio.com' && request.status === 401)).toBe(true);
      copy.writeEnv(env);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it('npm run doctor -- --online makes the same check', async () => {
    copy.writeEnv({ ...env, TWILIO_API_KEY_SECRET: newCredentials([]).apiKeySecret });
    const refused = await copy.npmRun('doctor', ['--online'], { ...harness.fake.env });
    expect(refused.stdout).toMatch(
      /✗ TWILIO_API_KEY_SID: Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for account AC\w+ \(error 20003\)/,
    );
    expect(refused.code).toBe(1);
    copy.writeEnv(env);
    const accepted = await copy.npmRun('doctor', ['--online'], { ...harness.fake.env });
    expect(accepted.stdout).toMatch(/online: {3}Twilio accepts TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for AC\w+/);
    expect(accepted.code).toBe(0);
  }, 60_000);

  it(
    'least privilege: a service that gives functions the account auth token is corrected to IncludeCredentials false on redeploy, and the plan says so',
    async () => {
      copy.writeEnv(env);
      const sid = harness.fake.state.service(SERVICE)!.sid;
      // As a user could in the Console or with twilio-node: the Serverless API's own update.
      const flipped = await callDeployed(harness.fake, `https://serverless.twilio.com/v1/Services/${sid}`, {
        method: 'POST',
        headers: {
          authorization: basicHeader(harness.fake.credentials.accountSid, harness.fake.credentials.authToken),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'IncludeCredentials=true',
      });
      expect(flipped.status).toBe(200);
      expect(harness.fake.state.service(sid)!.includeCredentials).toBe(true);
      const redeploy = await deploy(copy, []);
      expect(redeploy.code).toBe(0);
      expect(redeploy.stdout).toMatch(/~ service IncludeCredentials true -> false/);
      expect(harness.fake.state.service(sid)!.includeCredentials).toBe(false);
      const update = harness.fake
        .requests()
        .filter((request) => request.method === 'POST' && request.path === `/v1/Services/${sid}`)
        .pop();
      expect(update?.summary).toMatchObject({ IncludeCredentials: 'false' });
    },
    DEPLOY_TIMEOUT_MS,
  );
});
