/**
 * The real `npm run deploy`, run as a user runs it in a clone of this project, against the loopback harness.fake of
 * Twilio's Serverless API (tests/helpers/fake-twilio): a first deploy, a redeploy, a redeploy from a fresh
 * clone, the refusals before anything is sent, and the deployed artifact booted alone and called through
 * the fake's edge for tokens, /health and the demo page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callDeployed } from '../helpers/fake-twilio/call-deployed';
import { useDeployHarness } from '../helpers/deploy-harness';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import type { CommandResult, ProjectCopy } from '../helpers/project-copy';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { findProjectRoot } from '../helpers/twilio-run-server';

const projectRoot = findProjectRoot(__dirname);
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
};
const DEPLOY_TIMEOUT_MS = 240_000;

const harness = useDeployHarness();
const { newCopy, registeredCredentials, ciEnvironment, expectNoSecretIn } = harness;

async function deploy(copy: ProjectCopy, args: readonly string[] = [], kind: 'account' | 'apiKey' = 'account'): Promise<CommandResult> {
  return copy.npmRun('deploy', args, ciEnvironment(kind), DEPLOY_TIMEOUT_MS);
}

describe('a first deploy, then the deployed artifact on its own', () => {
  let copy: ProjectCopy;
  let credentials: TestCredentials;
  let env: Record<string, string>;
  let result: CommandResult;
  let requestsBefore: number;

  beforeAll(async () => {
    copy = newCopy();
    credentials = registeredCredentials(['alice', 'bob']);
    env = await environmentFor(credentials, {
      TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid,
      VIDEO_ROOM: 'standup',
      TOKEN_TTL: '600',
    });
    copy.writeEnv({ ...env, OIDC_ISSUER: '', TOKEN_POLICY: '' });
    requestsBefore = harness.fake.requests().length;
    result = await deploy(copy);
  }, DEPLOY_TIMEOUT_MS);

  it('succeeds, prints the URLs and reports the deployed service healthy', () => {
    expect(result.code).toBe(0);
    const service = harness.fake.state.service(packageJson.name)!;
    const environment = harness.fake.state.environments(service.sid)[0]!;
    expect(result.stdout).toContain(`https://${environment.domainName}/token`);
    expect(result.stdout).toContain(`https://${environment.domainName}/health`);
    expect(result.stdout).toMatch(/✓ GET \/health/);
    expect(result.stdout).toMatch(/deploy: done/);
    expectNoSecretIn(result.output, [credentials.apiKeySecret, credentials.sharedSecret, ...Object.values(credentials.passwords)]);
    const record = harness.fake
      .requests()
      .slice(requestsBefore)
      .map(
        (request) =>
          `${request.method} ${request.host.replace('.twilio.com', '')}${request.path.replace(/\?.*/, '')} ${request.status}${request.summary ? ` ${JSON.stringify(request.summary)}` : ''}`,
      );
    console.log(`The recorded upload of a first deploy (${record.length} requests):\n  ${record.join('\n  ')}`);
  });

  it('uploaded each function public, the assets public with no source map, and nothing private by URL', () => {
    const service = harness.fake.state.service(packageJson.name)!;
    const environment = harness.fake.state.environments(service.sid)[0]!;
    const build = harness.fake.state.build(environment.buildSid!)!;
    const uploaded = [...build.functionVersionSids, ...build.assetVersionSids].map((sid) => harness.fake.state.version(sid)!);
    const byKind = (kind: string) =>
      uploaded
        .filter((version) => version.kind === kind)
        .map((version) => `${version.path} ${version.visibility}`)
        .sort();
    expect(byKind('function')).toEqual(['/deploy-manifest private', '/health public', '/token public']);
    expect(byKind('asset')).toEqual(
      ['/assets/index.html', '/demo.css', '/demo.js', '/index.html', '/openapi.json', '/token-client.js'].map((path) => `${path} public`),
    );
    expect(uploaded.some((version) => version.path.endsWith('.map'))).toBe(false);
  });

  it('created the service with IncludeCredentials false: no function receives the account auth token', () => {
    const service = harness.fake.state.service(packageJson.name)!;
    expect(service.includeCredentials).toBe(false);
    const created = harness.fake.requests().find((request) => request.method === 'POST' && request.path === '/v1/Services');
    expect(created?.summary).toMatchObject({ IncludeCredentials: 'false' });
  });

  it('built with exactly the dependencies of package.json, on node22', () => {
    const service = harness.fake.state.service(packageJson.name)!;
    const build = harness.fake.state.build(harness.fake.state.environments(service.sid)[0]!.buildSid!)!;
    expect(build.runtime).toBe('node22');
    expect(Object.fromEntries(build.dependencies.map(({ name, version }) => [name, version]))).toEqual(packageJson.dependencies);
  });

  it('set the variables to exactly the non-empty values of .env', () => {
    const service = harness.fake.state.service(packageJson.name)!;
    const variables = harness.fake.state.variables(harness.fake.state.environments(service.sid)[0]!.sid);
    expect(Object.fromEntries(variables.map(({ key, value }) => [key, value]))).toEqual(env);
  });

  it('the artifact, booted alone from the uploaded bytes and dependencies, gives tokens, /health and the demo page', async () => {
    const service = harness.fake.state.service(packageJson.name)!;
    const domain = harness.fake.state.environments(service.sid)[0]!.domainName;
    const basic = await callDeployed(harness.fake, `https://${domain}/token`, {
      method: 'POST',
      headers: { authorization: basicHeader('alice', credentials.passwords.alice!), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(basic.status).toBe(200);
    const verified = await verifyTwilioToken(basic.json.token, credentials.apiKeySecret);
    expect(verified.claims.grants).toMatchObject({ identity: 'alice', video: { room: 'standup' } });
    expect(verified.claims.sub).toBe(harness.fake.credentials.accountSid);
    const bearer = await callDeployed(harness.fake, `https://${domain}/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' },
      body: '{"identity":"kiosk-7"}',
    });
    expect(bearer.status).toBe(200);
    expect((await verifyTwilioToken(bearer.json.token, credentials.apiKeySecret)).claims.grants?.identity).toBe('kiosk-7');
    const health = await callDeployed(harness.fake, `https://${domain}/health`);
    expect(health).toMatchObject({ status: 200, json: { status: 'ok', authSchemes: ['basic', 'bearer'] } });
    const page = await callDeployed(harness.fake, `https://${domain}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Twilio Access Token demo</title>');
  }, 120_000);

  it('npm run smoke -- https://<domain> checks the deployed service again, through HTTP_PROXY', async () => {
    const service = harness.fake.state.service(packageJson.name)!;
    const domain = harness.fake.state.environments(service.sid)[0]!.domainName;
    const smoke = await copy.npmRun('smoke', [`https://${domain}`], { ...harness.fake.env });
    expect(smoke.code).toBe(0);
    expect(smoke.stdout).toMatch(/✓ GET \/health[\s\S]*✓ POST \/token without credentials[\s\S]*all checks passed/);
    const unknown = await copy.npmRun('smoke', ['https://not-deployed-0000-dev.twil.io'], { ...harness.fake.env });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/✗ GET \/health: the proxy refused to connect/);
  }, 60_000);
});

describe('redeploys', () => {
  let copy: ProjectCopy;
  let credentials: TestCredentials;
  let env: Record<string, string>;
  let serviceSid: string;
  let environmentSid: string;
  let domain: string;
  const SERVICE = 'redeploy-tokens';

  beforeAll(async () => {
    copy = newCopy();
    credentials = registeredCredentials(['carol']);
    env = await environmentFor(credentials, { TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid, VIDEO_ROOM: 'lobby' });
    copy.writeEnv(env);
    const first = await deploy(copy, ['--service-name', SERVICE]);
    expect(first.code).toBe(0);
    serviceSid = harness.fake.state.service(SERVICE)!.sid;
    ({ sid: environmentSid, domainName: domain } = harness.fake.state.environments(serviceSid)[0]!);
  }, DEPLOY_TIMEOUT_MS);

  const variables = () => Object.fromEntries(harness.fake.state.variables(environmentSid).map(({ key, value }) => [key, value]));
  const bearerToken = () =>
    callDeployed(harness.fake, `https://${domain}/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' },
      body: '{"identity":"kiosk","room":"boardroom"}',
    });

  it(
    'removing AUTH_SHARED_SECRETS and blanking VIDEO_ROOM in .env: the room is kept unless --remove VIDEO_ROOM says so; then both go, the secret revoked, the room unpinned',
    async () => {
      expect((await bearerToken()).json.error.code).toBe('room_not_allowed'); // pinned to lobby, and the secret works
      const { AUTH_SHARED_SECRETS: _revoked, ...rest } = env;
      copy.writeEnv({ ...rest, VIDEO_ROOM: '' });
      const writesBefore = harness.fake.requests().filter((request) => request.method !== 'GET').length;
      const kept = await deploy(copy, ['--service-name', SERVICE]);
      expect(kept.code).toBe(1);
      expect(kept.stdout).toMatch(
        /✗ VIDEO_ROOM: the live service has it and this deploy does not set it \(absent or empty\): removing it widens access \(video tokens are no longer pinned to one room\)\n\s+fix: .*or pass --remove VIDEO_ROOM to remove it on purpose/,
      );
      expect(harness.fake.requests().filter((request) => request.method !== 'GET').length).toBe(writesBefore);
      const redeploy = await deploy(copy, ['--service-name', SERVICE, '--remove', 'VIDEO_ROOM']);
      expect(redeploy.code).toBe(0);
      expect(redeploy.stdout).toMatch(/- variable AUTH_SHARED_SECRETS deleted \(no longer set\) — narrows access: 1 secret revoked/);
      expect(redeploy.stdout).toMatch(
        /- variable VIDEO_ROOM deleted \(no longer set\) — widens access: video tokens are no longer pinned to one room/,
      );
      expect(redeploy.stdout).toMatch(/the service read back matches this checkout/);
      const { VIDEO_ROOM: _unpinned, ...expected } = rest;
      expect(variables()).toEqual(expected);
      expect(harness.fake.state.services().filter((service) => service.uniqueName === SERVICE)).toHaveLength(1);
      const refused = await bearerToken();
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('invalid_credentials');
      const basic = await callDeployed(harness.fake, `https://${domain}/token`, {
        method: 'POST',
        headers: { authorization: basicHeader('carol', credentials.passwords.carol!), 'content-type': 'application/json' },
        body: '{"room":"boardroom"}',
      });
      expect(basic.status).toBe(200);
      expect(basic.json.room).toBe('boardroom');
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'leaves a variable this service does not read alone, and says so',
    async () => {
      await runTwilioNode(`await variables.create({ key: 'SET_BY_HAND', value: 'kept' });`, serviceSid, environmentSid);
      const redeploy = await deploy(copy, ['--service-name', SERVICE, '--no-smoke']);
      expect(redeploy.code).toBe(0);
      expect(redeploy.stdout).toMatch(/warning: left alone, not read by this service: SET_BY_HAND/);
      expect(variables()['SET_BY_HAND']).toBe('kept');
      expect(redeploy.stdout).toMatch(/= variable SET_BY_HAND left alone \(not read by this service\)/);
      expect(redeploy.stdout).not.toMatch(/- variable/);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'from a fresh clone (no .twiliodeployinfo) stops on the name conflict and changes nothing; --service-sid and --override-existing-project redeploy',
    async () => {
      expect(copy.exists('.twiliodeployinfo')).toBe(true);
      const clone = newCopy();
      expect(clone.exists('.twiliodeployinfo')).toBe(false);
      clone.writeEnv({ ...env, TOKEN_TTL: '900' });
      const buildsBefore = harness.fake.state.builds(serviceSid).length;
      const variablesBefore = variables();
      const conflict = await deploy(clone, ['--service-name', SERVICE]);
      expect(conflict.code).not.toBe(0);
      expect(conflict.output).toMatch(/the service name redeploy-tokens is taken by ZS\w+ and this checkout has no record of deploying it/);
      expect(conflict.output).toMatch(/--service-sid ZS\w+ \(or --override-existing-project\)/);
      expect(conflict.output).toMatch(/nothing was changed/);
      expect(conflict.output).not.toMatch(/20003/);
      expect(harness.fake.state.builds(serviceSid)).toHaveLength(buildsBefore);
      expect(variables()).toEqual(variablesBefore);

      const bySid = await deploy(clone, ['--service-sid', serviceSid, '--no-smoke'], 'apiKey');
      expect(bySid.code).toBe(0);
      expect(variables()['TOKEN_TTL']).toBe('900');
      // Only a variable changed: the live build already holds these files (its manifest says so), so none is made.
      expect(bySid.stdout).toMatch(/\+ variable TOKEN_TTL added/);
      expect(harness.fake.state.builds(serviceSid)).toHaveLength(buildsBefore);

      const another = newCopy();
      another.writeEnv({ ...env, TOKEN_TTL: '1200' });
      const overriding = await deploy(another, ['--service-name', SERVICE, '--override-existing-project', '--no-smoke']);
      expect(overriding.code).toBe(0);
      expect(variables()['TOKEN_TTL']).toBe('1200');
      expect(harness.fake.state.services().filter((service) => service.uniqueName === SERVICE)).toHaveLength(1);
    },
    3 * DEPLOY_TIMEOUT_MS,
  );
});

/** Runs twilio-node in a child process against the harness.fake, with `variables` bound to one environment's Variables. */
async function runTwilioNode(body: string, serviceSid: string, environmentSid: string): Promise<void> {
  const { execFile } = await import('node:child_process');
  const script = `
const { createRequire } = require('node:module');
const twilio = createRequire(process.argv[1])('twilio');
const [, , account, token, serviceSid, environmentSid] = process.argv;
const variables = twilio(account, token).serverless.v1.services(serviceSid).environments(environmentSid).variables;
(async () => { ${body} })().catch((error) => { process.stderr.write(String(error.message)); process.exit(1); });`;
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        '-e',
        script,
        join(projectRoot, 'package.json'),
        harness.fake.credentials.accountSid,
        harness.fake.credentials.authToken,
        serviceSid,
        environmentSid,
      ],
      { env: { PATH: process.env.PATH, ...harness.fake.env } },
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    ),
  );
}

describe('refused before anything is sent to Twilio (exit 1, one line per problem naming the variable and the way out)', () => {
  let copy: ProjectCopy;
  let credentials: TestCredentials;
  let valid: Record<string, string>;

  beforeAll(async () => {
    copy = newCopy();
    credentials = registeredCredentials(['dora']);
    valid = await environmentFor(credentials, { TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid });
  });

  /** Deploys this .env and expects a refusal that sent nothing, built nothing and names what it should. */
  async function expectRefused(
    variables: Record<string, string>,
    named: RegExp[],
    args: string[] = [],
    env?: NodeJS.ProcessEnv,
  ): Promise<CommandResult> {
    copy.writeEnv(variables);
    copy.removeFile('dist');
    const requests = harness.fake.requests().length;
    const refusals = harness.fake.refusals().length;
    const result = env ? await copy.npmRun('deploy', args, env) : await deploy(copy, args);
    expect(result.code).not.toBe(0);
    for (const pattern of named) expect(result.output).toMatch(pattern);
    expect(harness.fake.requests()).toHaveLength(requests);
    expect(harness.fake.refusals()).toHaveLength(refusals);
    expect(copy.exists('dist')).toBe(false);
    expectNoSecretIn(result.output, [credentials.apiKeySecret, credentials.sharedSecret, ...Object.values(credentials.passwords)]);
    return result;
  }

  it(
    'the development .env that npm start writes (placeholder SIDs)',
    async () => {
      const devCopy = newCopy();
      const written = await devCopy.npmRun('prestart', [], {});
      expect(written.code).toBe(0);
      copy.writeFile('.env', devCopy.read('.env'));
      copy.removeFile('dist');
      const requests = harness.fake.requests().length;
      const result = await deploy(copy);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/refused; nothing was sent to Twilio/);
      expect(result.output).toMatch(
        /✗ TWILIO_ACCOUNT_SID: TWILIO_ACCOUNT_SID is a placeholder \(a sample value, or the development \.env that npm start writes\)/,
      );
      expect(result.output).toMatch(/✗ TWILIO_API_KEY_SID: TWILIO_API_KEY_SID is a placeholder/);
      expect(harness.fake.requests()).toHaveLength(requests);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'a TOKEN_POLICY over 450 bytes (docs/policy.example.json is 563 minified): move it to policy.private.json',
    async () => {
      const policy = JSON.stringify(JSON.parse(readFileSync(join(projectRoot, 'docs', 'policy.example.json'), 'utf8')));
      expect(Buffer.byteLength(policy)).toBeGreaterThan(450);
      await expectRefused({ ...valid, TOKEN_GRANTS: 'video,chat', CONVERSATIONS_SERVICE_SID: newSid('IS'), TOKEN_POLICY: policy }, [
        /✗ TOKEN_POLICY: TOKEN_POLICY is \d+ bytes; Twilio refuses a value over 450/,
        /fix: move the policy to src\/assets\/policy\.private\.json and remove TOKEN_POLICY/,
      ]);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'five Basic users in AUTH_BASIC_USERS: move them to basic-users.private.txt',
    async () => {
      const many = await environmentFor(newCredentials(['u1', 'u2', 'u3', 'u4', 'u5']));
      await expectRefused({ ...valid, AUTH_BASIC_USERS: many.AUTH_BASIC_USERS! }, [
        /✗ AUTH_BASIC_USERS: AUTH_BASIC_USERS is \d+ bytes; Twilio refuses a value over 450/,
        /fix: move the users to src\/assets\/basic-users\.private\.txt, one name:<hash> entry a line, and remove AUTH_BASIC_USERS/,
      ]);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'variables that together make a context over 3 KB (each under 450 bytes): every request would fail with 82006',
    async () => {
      const notes = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`NOTES_${i}`, 'n'.repeat(440)]));
      await expectRefused({ ...valid, ...notes }, [
        /the variables make a context of about \d+ bytes; Twilio fails every request when it is over 3072 \(error 82006\)/,
      ]);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'settings that only work on this machine: an identity provider and an allowed origin on loopback',
    async () => {
      await expectRefused(
        { ...valid, OIDC_ISSUER: 'http://127.0.0.1:9000/', OIDC_AUDIENCE: 'tokens', ALLOWED_ORIGINS: 'http://localhost:5173' },
        [
          /✗ OIDC_ISSUER: OIDC_ISSUER points at this machine \(loopback\)/,
          /✗ ALLOWED_ORIGINS: ALLOWED_ORIGINS lists http:\/\/localhost:5173, on this machine \(loopback\)/,
        ],
      );
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'a configuration the service itself refuses, as /health and npm run doctor would',
    async () => {
      await expectRefused({ ...valid, TWILIO_API_KEY_SID: 'SK-not-a-sid', TOKEN_TTL: 'an hour' }, [
        /✗ TWILIO_API_KEY_SID: /,
        /✗ TOKEN_TTL: /,
      ]);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'a setting renamed to a name that is not one (TOKEN_POLICY as TWILIO_TOKEN_POLICY), which would upload it beside the real one and delete that',
    async () => {
      const result = await expectRefused({ ...valid, TWILIO_TOKEN_POLICY: '{"rules":[],"default":"deny"}' }, [
        /✗ TWILIO_TOKEN_POLICY: TWILIO_TOKEN_POLICY is not a setting of this service, and DEPLOY_OWN_VARIABLES does not list it as one of your own/,
        /fix: if it is a setting renamed by mistake, give it its name again/,
      ]);
      expect(result.output).not.toContain('"rules"');
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'a near miss of a setting (ALLOWED_ORIGIN), which would leave ALLOWED_ORIGINS unset and then deleted on the service',
    async () => {
      await expectRefused({ ...valid, ALLOWED_ORIGIN: 'https://app.example.com' }, [
        /✗ ALLOWED_ORIGIN: ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS\?/,
      ]);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'lines twilio-run cannot read (an export prefix, a line separator inside TOKEN_POLICY), by line number',
    async () => {
      const lines = Object.keys(valid).length;
      const result = await expectRefused({ ...valid, 'export VIDEO_ROOM': 'lobby', TOKEN_POLICY: '{"rules":[],\u2028"default":"deny"}' }, [
        new RegExp(`✗ \\.env line ${lines + 1}: VIDEO_ROOM starts with "export "`),
        new RegExp(`✗ \\.env line ${lines + 2}: TOKEN_POLICY's value contains a line separator \\(U\\+2028\\)`),
      ]);
      expect(result.output).not.toMatch(/lobby|"default"/);
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    'both src/assets/basic-users.private.txt and AUTH_BASIC_USERS',
    async () => {
      copy.writeFile('src/assets/basic-users.private.txt', `${valid.AUTH_BASIC_USERS}\n`);
      try {
        await expectRefused(valid, [
          /AUTH_BASIC_USERS is set and assets\/basic-users\.private\.txt exists; only one list of users may be configured/,
        ]);
      } finally {
        copy.removeFile('src/assets/basic-users.private.txt');
      }
    },
    DEPLOY_TIMEOUT_MS,
  );

  it(
    "no credentials, half a pair of them, and --cwd (the checks and the build are this project's)",
    async () => {
      await expectRefused(valid, [/no Twilio credentials: set TWILIO_API_KEY and TWILIO_API_SECRET/], [], { ...harness.fake.env });
      const cwd = await expectRefused(valid, [/--cwd is not supported/], ['--cwd', '/tmp']);
      expect(cwd.code).toBe(2);
      const argv = await expectRefused(
        valid,
        [/visible to every user of this machine in `ps`: pass them in the environment instead, TWILIO_API_KEY and TWILIO_API_SECRET/],
        ['--password', 'not-a-secret'],
        { ...harness.fake.env },
      );
      expect(argv.code).toBe(2);
      const username = await expectRefused(valid, [/--username\/--password/], ['--username', harness.fake.credentials.accountSid], {
        ...harness.fake.env,
      });
      expect(username.code).toBe(2);
      await expectRefused(
        valid,
        [/half a pair of Twilio credentials: TWILIO_API_KEY is set in the environment but TWILIO_API_SECRET is not/],
        [],
        {
          ...harness.fake.env,
          TWILIO_API_KEY: harness.fake.credentials.apiKeySid,
        },
      );
    },
    DEPLOY_TIMEOUT_MS,
  );
});

describe('users beyond what fits in a variable: src/assets/basic-users.private.txt', () => {
  it(
    'is uploaded as a private asset, read by the deployed function, and not served by URL',
    async () => {
      const copy = newCopy();
      const names = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
      const credentials = registeredCredentials(names);
      const { AUTH_BASIC_USERS: users, ...env } = await environmentFor(credentials, {
        TWILIO_ACCOUNT_SID: harness.fake.credentials.accountSid,
      });
      const lines = users!.split(' ');
      copy.writeFile(
        'src/assets/basic-users.private.txt',
        ['# staff', ...lines.slice(0, 3), '', '# contractors', ...lines.slice(3)].join('\n'),
      );
      copy.writeEnv(env);
      const result = await deploy(copy, ['--service-name', 'users-file-tokens']);
      expect(result.code).toBe(0);
      const service = harness.fake.state.service('users-file-tokens')!;
      const environment = harness.fake.state.environments(service.sid)[0]!;
      const build = harness.fake.state.build(environment.buildSid!)!;
      const usersAsset = build.assetVersionSids
        .map((sid) => harness.fake.state.version(sid)!)
        .find((version) => version.path === '/basic-users.txt');
      expect(usersAsset).toMatchObject({ visibility: 'private' });
      expect(harness.fake.state.variables(environment.sid).map((variable) => variable.key)).not.toContain('AUTH_BASIC_USERS');
      const token = await callDeployed(harness.fake, `https://${environment.domainName}/token`, {
        method: 'POST',
        headers: { authorization: basicHeader('fay', credentials.passwords.fay!), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(token.status).toBe(200);
      expect((await verifyTwilioToken(token.json.token, credentials.apiKeySecret)).claims.grants?.identity).toBe('fay');
      expect((await callDeployed(harness.fake, `https://${environment.domainName}/health`)).json).toMatchObject({
        status: 'ok',
        authSchemes: ['basic', 'bearer'],
      });
      const byUrl = await callDeployed(harness.fake, `https://${environment.domainName}/basic-users.txt`);
      expect(byUrl.status).not.toBe(200);
      expect(byUrl.text).not.toContain('$scrypt$');
    },
    DEPLOY_TIMEOUT_MS,
  );
});
