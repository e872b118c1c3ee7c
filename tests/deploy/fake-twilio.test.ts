/**
 * The fake Twilio Serverless API, reached as real clients reach Twilio: child processes using twilio-node and
 * @twilio-labs/serverless-api from node_modules, with HTTP_PROXY and NODE_EXTRA_CA_CERTS pointing at the fake.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTwilio, type DeployedEnvironment, type FakeTwilio } from '../helpers/fake-twilio';
import { startFunctionsEdge, type StandaloneEdge } from '../helpers/fake-twilio/functions-edge';
import { send } from '../helpers/http';
import { findProjectRoot } from '../helpers/twilio-run-server';

const projectRoot = findProjectRoot(__dirname);
const projectPackage = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const SERVICE_NAME = 'fake-twilio-test';

let fake: FakeTwilio;
let scriptsDir: string;
let scriptCount = 0;

beforeAll(async () => {
  fake = await startFakeTwilio();
  scriptsDir = mkdtempSync(join(tmpdir(), 'fake-twilio-clients-'));
});

afterAll(async () => {
  await fake?.stop();
  if (scriptsDir) rmSync(scriptsDir, { recursive: true, force: true });
});

/**
 * Runs `body` (the inside of an async function with `input`, `twilio`, `serverlessApi` and `projectRequire` in scope)
 * in a fresh node process configured like a deploy: HTTP_PROXY and NODE_EXTRA_CA_CERTS set, no NODE_ENV=test.
 */
function runClient(body: string, input: unknown = {}): Promise<any> {
  const file = join(scriptsDir, `client-${(scriptCount += 1)}.cjs`);
  writeFileSync(
    file,
    `const { createRequire } = require('node:module');
const projectRequire = createRequire(${JSON.stringify(join(projectRoot, 'package.json'))});
const twilio = projectRequire('twilio');
const serverlessApi = projectRequire('@twilio-labs/serverless-api');
const input = JSON.parse(process.argv[2]);
const describe = (e) =>
  typeof e === 'string' ? { thrown: e } : { name: e.name, message: e.message, code: e.code, status: e.status, moreInfo: e.moreInfo };
(async () => {\n${body}\n})().then(
  (ok) => process.stdout.write(JSON.stringify({ ok })),
  (error) => process.stdout.write(JSON.stringify({ error: describe(error) })),
);
`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...fake.env };
  delete env.NODE_ENV; // jest sets NODE_ENV=test; a deploy run from a shell has none
  delete env.NO_PROXY;
  delete env.no_proxy;
  return new Promise((resolve, reject) => {
    // Generous: the cases that restart the booted service (a variable changed, the 82006 case's two reboots) took over
    // 30 s on a loaded 2-core machine; a client that hangs is still ended.
    const options = { env, timeout: 100_000, maxBuffer: 10 * 1024 * 1024 };
    execFile(process.execPath, [file, JSON.stringify(input)], options, (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`${error.message}\n${stderr}`));
      const result = JSON.parse(stdout) as { ok?: unknown; error?: unknown };
      if (!('error' in result)) return resolve(result.ok);
      reject(Object.assign(new Error(`client failed: ${JSON.stringify(result.error)}`), { client: result.error }));
    });
  });
}

/** A client script's rejection, as data: `{ name, message, code, status }` or `{ thrown }` for a thrown string. */
async function clientFailure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    if ((error as { client?: unknown }).client) return (error as { client: unknown }).client;
    throw error;
  }
  throw new Error('the client script succeeded');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The functions and assets of the fixture project, as serverless-api's deployProject takes them. */
const HEALTH_SOURCE = `const crypto = require('node:crypto');
const path = require('path');
const AccessToken = require('twilio/lib/jwt/AccessToken');
// A comment that mentions require('./not-a-real-require') must not fail the build.
exports.handler = function (context, event, callback) {
  callback(null, {
    greeting: context.GREETING,
    accountSid: context.ACCOUNT_SID,
    twilioEntry: require.resolve('twilio'),
    accessToken: typeof AccessToken,
    headers: event.request ? event.request.headers : null,
    digestLength: crypto.createHash('sha256').update(path.sep).digest('hex').length,
  });
};
`;
const PRIVATE_SOURCE = `exports.handler = (context, event, callback) => callback(null, 'private');\n`;
const INDEX_HTML = '<!doctype html><title>fake deployed page</title>\n';
const apiSecretValue = randomBytes(20).toString('hex');

function fixtureDeployInput(extra: Record<string, unknown> = {}) {
  return {
    serviceName: SERVICE_NAME,
    functionsEnv: 'dev',
    runtime: 'node22',
    pkgJson: { name: SERVICE_NAME, dependencies: projectPackage.dependencies },
    env: { GREETING: 'hello from the fake', API_SECRET: apiSecretValue },
    functions: [
      { name: '/health', path: '/health', access: 'public', content: HEALTH_SOURCE },
      { name: '/secret', path: '/secret', access: 'private', content: PRIVATE_SOURCE },
    ],
    assets: [{ name: '/assets/index.html', path: '/assets/index.html', access: 'public', content: INDEX_HTML, filePath: 'index.html' }],
    ...extra,
  };
}

/** deployProject exactly as twilio-run deploy calls it (after reading the project from disk). */
const DEPLOY_PROJECT = `
const client = new serverlessApi.TwilioServerlessApiClient({ username: input.username, password: input.password });
const statuses = [];
client.on('status-update', (event) => statuses.push(event.status));
const result = await client.deployProject(input.deploy);
return { ...result, functionResources: undefined, assetResources: undefined, statuses };
`;

describe('authentication', () => {
  it('answers 401 with code 20003 to an auth token that differs by one character, and records no credential', async () => {
    const { accountSid, authToken } = fake.credentials;
    const wrongToken = `${authToken.slice(0, -1)}${authToken.endsWith('0') ? '1' : '0'}`;
    const failure = await clientFailure(
      runClient(`await twilio(input.user, input.password).serverless.v1.services.list();`, { user: accountSid, password: wrongToken }),
    );
    expect(failure).toMatchObject({ status: 401, code: 20003, moreInfo: 'https://www.twilio.com/docs/errors/20003' });
    const refused = fake.requests().filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    const record = JSON.stringify(fake.requests());
    expect(record).not.toContain(wrongToken);
    expect(record).not.toContain(authToken);
  });

  it('accepts the account SID with its auth token, and an API key SID with its secret', async () => {
    const { accountSid, authToken, apiKeySid, apiKeySecret } = fake.credentials;
    const listed = await runClient(
      `const byAccount = await twilio(input.accountSid, input.authToken).serverless.v1.services.list();
       const byKey = await twilio(input.apiKeySid, input.apiKeySecret, { accountSid: input.accountSid }).serverless.v1.services.list();
       return [byAccount.length, byKey.length];`,
      { accountSid, authToken, apiKeySid, apiKeySecret },
    );
    expect(listed).toEqual([0, 0]);
    const secondKeyTry = await clientFailure(
      runClient(`await twilio(input.apiKeySid, input.authToken, { accountSid: input.accountSid }).serverless.v1.services.list();`, {
        accountSid,
        apiKeySid,
        authToken,
      }),
    );
    expect(secondKeyTry).toMatchObject({ status: 401, code: 20003 });
  });
});

describe("API keys and their accounts (the deploy's signing-key check)", () => {
  const otherAccount = `AC${randomBytes(16).toString('hex')}`;
  const key = { sid: `SK${randomBytes(16).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
  const foreign = { sid: `SK${randomBytes(16).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
  const balance = (sid: string, secret: string, account: string) =>
    runClient(
      `const b = await twilio(input.sid, input.secret, { accountSid: input.account }).api.v2010.accounts(input.account).balance.fetch(); return b.accountSid;`,
      {
        sid,
        secret,
        account,
      },
    );

  beforeAll(() => {
    fake.addApiKey(key.sid, key.secret);
    fake.addApiKey(foreign.sid, foreign.secret, { accountSid: otherAccount });
  });

  it("answers api.twilio.com's Balance with the account SID to a key of that account, and 401/20003 to a wrong secret", async () => {
    expect(await balance(key.sid, key.secret, fake.credentials.accountSid)).toBe(fake.credentials.accountSid);
    expect(await clientFailure(balance(key.sid, foreign.secret, fake.credentials.accountSid))).toMatchObject({ status: 401, code: 20003 });
  });

  it('refuses a key of another account for this one (Balance and the Serverless API), and answers it for its own', async () => {
    expect(await clientFailure(balance(foreign.sid, foreign.secret, fake.credentials.accountSid))).toMatchObject({
      status: 401,
      code: 20003,
    });
    expect(await balance(foreign.sid, foreign.secret, otherAccount)).toBe(otherAccount);
    const serverless = await clientFailure(
      runClient(`await twilio(input.sid, input.secret, { accountSid: input.account }).serverless.v1.services.list();`, {
        ...foreign,
        account: fake.credentials.accountSid,
      }),
    );
    expect(serverless).toMatchObject({ status: 401, code: 20003 });
    expect(JSON.stringify(fake.requests())).not.toContain(foreign.secret);
  });
});

/** A raw request to the proxy itself, as a misbehaving client would send it. */
function rawProxyRequest(method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(fake.proxyUrl, { method, path, headers: { host: path.replace(/^https?:\/\//, '').split('/')[0] } });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the CONNECT proxy', () => {
  it('refuses a tunnel to a host that is not Twilio, and records the refusal', async () => {
    // https-proxy-agent replays the proxy's refusal as the response, so twilio-node sees the 403 itself.
    const status = await runClient(
      `const client = twilio(input.user, input.password);
       const response = await client.request({ method: 'get', uri: 'https://api.example.com/v1/anything' });
       return response.statusCode;`,
      { user: fake.credentials.accountSid, password: fake.credentials.authToken },
    );
    expect(status).toBe(403);
    expect(fake.requests().some((r) => r.path.includes('anything'))).toBe(false);
    expect(fake.refusals()).toContainEqual(expect.objectContaining({ method: 'CONNECT', target: 'api.example.com:443' }));
  });

  it('refuses other ports, unknown twil.io domains and every non-CONNECT request', async () => {
    expect(await rawProxyRequest('CONNECT', 'serverless.twilio.com:80')).toBe(403);
    expect(await rawProxyRequest('CONNECT', 'someone-else-1234.twil.io:443')).toBe(403);
    expect(await rawProxyRequest('GET', 'http://serverless.twilio.com/v1/Services')).toBe(403);
    expect(fake.refusals().map((r) => r.reason)).toEqual(
      expect.arrayContaining(['only port 443 is tunnelled', 'host is not a Twilio host this fake serves', 'not a CONNECT request']),
    );
    // None of these reached the API.
    expect(fake.requests().some((r) => r.path.includes('someone-else'))).toBe(false);
  });
});

describe('the Functions edge, in front of a server that echoes what reaches it', () => {
  let upstream: Server;
  let edge: StandaloneEdge;
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(
          418,
          [
            ['Set-Cookie', 'a=1'],
            ['Set-Cookie', 'b=2'],
            ['X-Upstream', 'yes'],
            ['Content-Type', 'text/plain'],
          ].flat(),
        );
        res.end(`echo:${body}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    edge = await startFunctionsEdge(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await edge?.close();
    upstream?.closeAllConnections();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  });

  it('strips Referer, X-Forwarded-*, X-Real-IP and Via, rewrites Host, and keeps Authorization and repeated headers', async () => {
    const answer = await send(`${edge.url}/fn?x=1`, {
      method: 'POST',
      body: 'a=1',
      headers: {
        host: 'app-1234-dev.twil.io',
        'content-type': 'application/x-www-form-urlencoded',
        referer: 'https://page.example/',
        'x-forwarded-for': '203.0.113.1',
        'x-forwarded-proto': 'https',
        'x-real-ip': '203.0.113.1',
        via: '1.1 somewhere',
        authorization: 'Bearer abc',
        'x-multi': ['one', 'two'],
      },
    });
    const [request] = seen.splice(0);
    expect(request).toMatchObject({ method: 'POST', url: '/fn?x=1', body: 'a=1' });
    for (const stripped of ['referer', 'x-forwarded-for', 'x-forwarded-proto', 'x-real-ip', 'via']) {
      expect(request.headers).not.toHaveProperty(stripped);
    }
    expect(request.headers).toMatchObject({
      authorization: 'Bearer abc',
      'x-multi': 'one, two',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(request.headers.host).toBe(`127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    // Status, headers and body come back as the upstream sent them.
    expect(answer.status).toBe(418);
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(answer.headers['x-upstream']).toBe('yes');
    expect(answer.text).toBe('echo:a=1');
  });

  it('answers OPTIONS, other methods and a GET with a body itself: the upstream never sees them', async () => {
    const preflight = await send(`${edge.url}/fn`, { method: 'OPTIONS', headers: { origin: 'https://page.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' });
    for (const method of ['PUT', 'DELETE', 'PATCH', 'HEAD']) {
      expect([method, (await send(`${edge.url}/fn`, { method })).status]).toEqual([method, 405]);
    }
    expect((await send(`${edge.url}/fn`, { method: 'GET', body: 'x' })).status).toBe(403);
    const tooMany = Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`x-h${i}`, 'v']));
    expect((await send(`${edge.url}/fn`, { method: 'GET', headers: tooMany })).status).toBe(431);
    expect(seen).toEqual([]);
    expect((await send(`${edge.url}/fn`, { method: 'GET' })).status).toBe(418);
    expect(seen.splice(0).map((r) => r.method)).toEqual(['GET']);
  });
});

describe('a first deploy through serverless-api (what twilio-run deploy runs)', () => {
  let deployed: { serviceSid: string; environmentSid: string; buildSid: string; domain: string; runtime: string; statuses: string[] };

  beforeAll(async () => {
    deployed = await runClient(DEPLOY_PROJECT, {
      username: fake.credentials.accountSid,
      password: fake.credentials.authToken,
      deploy: fixtureDeployInput(),
    });
  }, 30_000);

  it('creates the service, a dev environment with a twil.io domain, and deploys a completed build', () => {
    expect(deployed.domain).toMatch(new RegExp(`^${SERVICE_NAME}-\\d{4}-dev\\.twil\\.io$`));
    expect(fake.state.service(deployed.serviceSid)).toMatchObject({
      uniqueName: SERVICE_NAME,
      includeCredentials: true,
      uiEditable: false,
    });
    expect(fake.state.environment(deployed.environmentSid)).toMatchObject({
      uniqueName: 'dev-environment',
      domainSuffix: 'dev',
      domainName: deployed.domain,
      buildSid: deployed.buildSid,
    });
    const build = fake.state.build(deployed.buildSid)!;
    expect(build).toMatchObject({ status: 'completed', runtime: 'node22', failureReasons: [] });
    expect(build.dependencies).toEqual(Object.entries(projectPackage.dependencies).map(([name, version]) => ({ name, version })));
    expect(fake.state.deployments(deployed.environmentSid)).toEqual([expect.objectContaining({ buildSid: deployed.buildSid })]);
    for (const sid of [deployed.serviceSid, deployed.environmentSid, deployed.buildSid]) expect(sid).toMatch(/^Z[SEB][0-9a-f]{32}$/);
  });

  it('keeps the uploaded bytes, paths and visibilities, and the variables with their values', () => {
    const functions = fake.state.functions(deployed.serviceSid).flatMap((fn) => fn.versions);
    expect(functions.map((v) => [v.path, v.visibility, v.content.toString('utf8')]).sort()).toEqual(
      [
        ['/health', 'public', HEALTH_SOURCE],
        ['/secret', 'private', PRIVATE_SOURCE],
      ].sort(),
    );
    const [asset] = fake.state.assets(deployed.serviceSid).flatMap((a) => a.versions);
    expect(asset).toMatchObject({ path: '/assets/index.html', visibility: 'public', sha256: sha256(INDEX_HTML), contentType: 'text/html' });
    expect(functions.every((v) => /^ZN[0-9a-f]{32}$/.test(v.sid))).toBe(true);
    expect(Object.fromEntries(fake.state.variables(deployed.environmentSid).map((v) => [v.key, v.value]))).toEqual({
      GREETING: 'hello from the fake',
      API_SECRET: apiSecretValue,
    });
  });

  it('records the requests in order, polls the build until completed, and never records a secret value', () => {
    const all = fake.requests();
    const log = all.slice(all.findIndex((r) => r.method === 'POST' && r.path === '/v1/Services'));
    // SIDs shortened to their prefix, uploads marked: `POST upload:/v1/Services/ZS/Functions/ZH/Versions 201`.
    const lines = log.map((r) => {
      const path = r.path.replace(/Z[A-Z][0-9a-f]{32}/g, (sid) => sid.slice(0, 2));
      return `${r.method} ${r.host === 'serverless-upload.twilio.com' ? 'upload:' : ''}${path} ${r.status}`;
    });
    expect(lines[0]).toBe('POST /v1/Services 201');
    expect(lines).toEqual(
      expect.arrayContaining([
        'GET /v1/Services/ZS/Environments 200',
        'POST /v1/Services/ZS/Environments 201',
        'POST upload:/v1/Services/ZS/Functions/ZH/Versions 201',
        'POST upload:/v1/Services/ZS/Assets/ZH/Versions 201',
        'POST /v1/Services/ZS/Builds 201',
        'POST /v1/Services/ZS/Environments/ZE/Variables 201',
      ]),
    );
    expect(lines.at(-1)).toBe('POST /v1/Services/ZS/Environments/ZE/Deployments 201');
    const polls = log.filter((r) => r.path.endsWith('/Status')).map((r) => r.summary?.status);
    expect(polls).toEqual(['building', 'completed']);
    const build = log.find((r) => r.method === 'POST' && r.path.endsWith('/Builds'))!;
    expect(build.summary).toMatchObject({ Runtime: 'node22', Dependencies: projectPackage.dependencies });
    expect(build.summary!.FunctionVersions).toHaveLength(2);
    const upload = log.find((r) => r.summary?.Path === '/health')!;
    expect(upload.summary).toMatchObject({
      Visibility: 'public',
      contentBytes: Buffer.byteLength(HEALTH_SOURCE),
      contentSha256: sha256(HEALTH_SOURCE),
    });
    const secretVariable = log.find((r) => r.summary?.Key === 'API_SECRET')!;
    expect(secretVariable.summary).toEqual({ Key: 'API_SECRET', valueBytes: apiSecretValue.length });
    const record = JSON.stringify(fake.requests());
    expect(record).not.toContain(apiSecretValue);
    expect(record).not.toContain(fake.credentials.authToken);
    expect(record).not.toContain('hello from the fake');
    expect(deployed.statuses.slice(-3)).toEqual(['building', 'setting-variables', 'activating-deployment']);
  });

  it('answers 409 to a second service with the same UniqueName, and the client stops with conflicting-servicename', async () => {
    const failure = await clientFailure(
      runClient(DEPLOY_PROJECT, {
        username: fake.credentials.accountSid,
        password: fake.credentials.authToken,
        deploy: fixtureDeployInput(),
      }),
    );
    expect(failure.name).toBe('conflicting-servicename');
    const creations = fake.requests().filter((r) => r.method === 'POST' && r.path === '/v1/Services');
    expect(creations.map((r) => r.status)).toEqual([201, 409]);
    expect(fake.state.services()).toHaveLength(1);
  });

  it('fails a build whose function requires a relative file or a package outside Dependencies', async () => {
    const base = fixtureDeployInput({ serviceSid: deployed.serviceSid, env: {}, assets: [] });
    const attempt = (name: string, source: string) =>
      clientFailure(
        runClient(DEPLOY_PROJECT, {
          username: fake.credentials.accountSid,
          password: fake.credentials.authToken,
          deploy: { ...base, functions: [{ name, path: name, access: 'public', content: source }] },
        }),
      );
    const [relative, undeclared] = await Promise.all([
      attempt('/relative', `const helper = require('../lib/helper');\nexports.handler = (c, e, cb) => cb(null, helper());\n`),
      attempt('/undeclared', `const _ = require("lodash/fp");\nexports.handler = (c, e, cb) => cb(null, _.identity(1));\n`),
    ]);
    // waitForSuccessfulBuild rejects with the bare status string: twilio-run prints an empty error.
    expect(relative).toEqual({ thrown: 'failed' });
    expect(undeclared).toEqual({ thrown: 'failed' });
    const failed = fake.state.builds(deployed.serviceSid).filter((b) => b.status === 'failed');
    expect(failed.flatMap((b) => b.failureReasons).sort()).toEqual([
      "/relative: relative require '../lib/helper'",
      "/undeclared: 'lodash/fp' is neither a Node built-in nor in the Build's Dependencies",
    ]);
    // A failed build is never deployed: the environment keeps the first build.
    expect(fake.state.environment(deployed.environmentSid)!.buildSid).toBe(deployed.buildSid);
  });

  it('accepts node20, node22 and node24 builds and refuses node18 and node16 with 82007', async () => {
    const [healthVersion] = fake.state.functions(deployed.serviceSid).find((fn) => fn.friendlyName === '/health')!.versions;
    const outcome = await runClient(
      `const builds = twilio(input.user, input.password).serverless.v1.services(input.serviceSid).builds;
       const results = {};
       for (const runtime of ['node18', 'node16', 'node20', 'node22', 'node24', undefined]) {
         try {
           const build = await builds.create({ functionVersions: [input.version], runtime, dependencies: input.dependencies });
           results[String(runtime)] = { runtime: build.runtime, dependencies: build.dependencies };
         } catch (e) {
           results[String(runtime)] = { status: e.status, code: e.code, moreInfo: e.moreInfo };
         }
       }
       return results;`,
      {
        user: fake.credentials.accountSid,
        password: fake.credentials.authToken,
        serviceSid: deployed.serviceSid,
        version: healthVersion.sid,
        // twilio-node sends the string as is: a plain JSON array, without serverless-api's extra quotes.
        dependencies: JSON.stringify([{ name: 'twilio', version: projectPackage.dependencies.twilio }]),
      },
    );
    const refusal = { status: 400, code: 82007, moreInfo: 'https://www.twilio.com/docs/errors/82007' };
    expect(outcome.node18).toEqual(refusal);
    expect(outcome.node16).toEqual(refusal);
    for (const runtime of ['node20', 'node22', 'node24']) expect(outcome[runtime].runtime).toBe(runtime);
    expect(outcome.undefined.runtime).toBe('node22');
    expect(outcome.node22.dependencies).toEqual([{ name: 'twilio', version: projectPackage.dependencies.twilio }]);
  });

  it('enforces the Variable limits, pages lists with meta, updates and deletes a variable', async () => {
    const outcome = await runClient(
      `const service = twilio(input.user, input.password).serverless.v1.services(input.serviceSid);
       const attempt = async (fn) => { try { const v = await fn(); return { ok: v.sid }; } catch (e) { return { status: e.status, code: e.code }; } };
       const environment = await service.environments.create({ uniqueName: 'vars-environment', domainSuffix: 'vars' });
       const duplicateEnvironment = await attempt(() => service.environments.create({ uniqueName: 'other', domainSuffix: 'vars' }));
       const variables = service.environments(environment.sid).variables;
       const results = {
         duplicateEnvironment,
         key128: await attempt(() => variables.create({ key: 'K'.repeat(128), value: 'x' })),
         key129: await attempt(() => variables.create({ key: 'L'.repeat(129), value: 'x' })),
         value450: await attempt(() => variables.create({ key: 'V450', value: 'v'.repeat(450) })),
         value451: await attempt(() => variables.create({ key: 'V451', value: 'v'.repeat(451) })),
         multibyte452: await attempt(() => variables.create({ key: 'UTF8', value: '\u00e9'.repeat(226) })),
         duplicateKey: await attempt(() => variables.create({ key: 'V450', value: 'again' })),
       };
       const filler = [];
       for (let i = 0; i < 10; i += 1) {
         const result = await attempt(() => variables.create({ key: 'FILL_' + i, value: 'f'.repeat(440) }));
         filler.push(result);
         if (!result.ok) break;
       }
       results.filler = filler;
       const all = await variables.list({ pageSize: 2 });
       const firstPage = await variables.page({ pageSize: 2 });
       results.listed = all.map((v) => v.key);
       results.firstPage = { count: firstPage.instances.length, next: firstPage.nextPageUrl, lastSid: firstPage.instances[1].sid };
       const target = all.find((v) => v.key === 'V450');
       results.updated = (await variables(target.sid).update({ value: 'short' })).value;
       results.removed = await variables(target.sid).remove();
       results.afterRemove = await attempt(() => variables(target.sid).fetch());
       results.environmentSid = environment.sid;
       return results;`,
      { user: fake.credentials.accountSid, password: fake.credentials.authToken, serviceSid: deployed.serviceSid },
    );
    const invalid = { status: 400, code: 20001 };
    expect(outcome.duplicateEnvironment).toEqual({ status: 409, code: 20409 });
    expect(outcome.key128.ok).toMatch(/^ZV[0-9a-f]{32}$/);
    expect(outcome.key129).toEqual(invalid);
    expect(outcome.value450.ok).toBeDefined();
    expect(outcome.value451).toEqual(invalid);
    expect(outcome.multibyte452).toEqual(invalid); // 226 characters, but 452 bytes
    expect(outcome.duplicateKey).toEqual({ status: 409, code: 20409 });
    // Twilio accepts Variables beyond the 3 KB context: it is invocations that fail (82006, below).
    expect(outcome.filler).toHaveLength(10);
    for (const fill of outcome.filler) expect(fill.ok).toMatch(/^ZV/);
    const stored = fake.state.variables(outcome.environmentSid);
    expect(stored.map((v) => v.key)).not.toContain('V450');
    expect(outcome.listed).toHaveLength(stored.length + 1); // listed before the delete
    expect(outcome.firstPage.count).toBe(2);
    expect(outcome.firstPage.next).toBe(
      `https://serverless.twilio.com/v1/Services/${deployed.serviceSid}/Environments/${outcome.environmentSid}` +
        `/Variables?PageSize=2&Page=1&PageToken=PA${outcome.firstPage.lastSid}`,
    );
    expect(outcome.updated).toBe('short');
    expect(outcome.removed).toBe(true);
    expect(outcome.afterRemove).toEqual({ status: 404, code: 20404 });
    const pageRequests = fake
      .requests()
      .filter((r) => r.method === 'GET' && r.path.includes(`${outcome.environmentSid}/Variables?PageSize=2`));
    expect(pageRequests.length).toBe(Math.ceil(outcome.listed.length / 2) + 1);
    const deletion = fake.requests().find((r) => r.method === 'DELETE');
    expect(deletion).toMatchObject({ status: 204, summary: { Key: 'V450' } });
  });

  it('refuses uploads with a bad Visibility, a bad or long Path, or a missing part; adds a missing leading slash', async () => {
    const outcome = await runClient(
      `const FormData = projectRequire('form-data');
       const { getApiUrl } = projectRequire('@twilio-labs/serverless-api/dist/api/utils/api-client');
       const client = new serverlessApi.TwilioServerlessApiClient({ username: input.user, password: input.password });
       const created = await client.request('post', 'Services/' + input.serviceSid + '/Functions', { form: { FriendlyName: 'upload-rules' } });
       const upload = async (fields, functionSid = created.body.sid) => {
         const form = new FormData();
         for (const [name, value] of Object.entries(fields)) {
           if (name === 'Content') form.append(name, value, { filename: 'x.js', contentType: 'application/javascript' });
           else form.append(name, value);
         }
         try {
           const resp = await client.request('post', 'Services/' + input.serviceSid + '/Functions/' + functionSid + '/Versions', {
             prefixUrl: getApiUrl({}, 'serverless-upload'), body: form, responseType: 'text',
           });
           return { status: resp.statusCode, path: JSON.parse(resp.body).path };
         } catch (e) {
           return { status: e.response.statusCode, code: JSON.parse(e.response.body).code };
         }
       };
       const ok = { Path: '/fine', Visibility: 'protected', Content: 'exports.handler = () => {};' };
       return {
         ok: await upload(ok),
         noLeadingSlash: await upload({ ...ok, Path: 'no-slash' }),
         badVisibility: await upload({ ...ok, Visibility: 'secret' }),
         questionMark: await upload({ ...ok, Path: '/what?' }),
         space: await upload({ ...ok, Path: '/two words' }),
         longPath: await upload({ ...ok, Path: '/' + 'p'.repeat(255) }),
         noContent: await upload({ Path: '/fine', Visibility: 'public' }),
         noPath: await upload({ Visibility: 'public', Content: 'x' }),
         unknownFunction: await upload(ok, 'ZH' + '0'.repeat(32)),
       };`,
      { user: fake.credentials.accountSid, password: fake.credentials.authToken, serviceSid: deployed.serviceSid },
    );
    const invalid = { status: 400, code: 20001 };
    expect(outcome.ok).toEqual({ status: 201, path: '/fine' });
    expect(outcome.noLeadingSlash).toEqual({ status: 201, path: '/no-slash' });
    for (const key of ['badVisibility', 'questionMark', 'space', 'longPath', 'noContent', 'noPath']) {
      expect([key, outcome[key]]).toEqual([key, invalid]);
    }
    expect(outcome.unknownFunction).toEqual({ status: 404, code: 20404 });
  });

  describe('booted alone, behind the Functions edge', () => {
    let booted: DeployedEnvironment;
    let standalone: StandaloneEdge | undefined;

    beforeAll(async () => {
      booted = await fake.bootDeployedEnvironment(deployed.environmentSid);
    }, 150_000);

    afterAll(async () => {
      await standalone?.close();
      await booted?.stop();
    });

    const CALL_DOMAIN = `
const { HttpsProxyAgent } = projectRequire('hpagent');
const https = require('node:https');
const agent = new HttpsProxyAgent({ proxy: process.env.HTTP_PROXY });
const call = (method, path, headers = {}, body) => new Promise((resolve, reject) => {
  const req = https.request({ host: input.domain, path, method, headers, agent }, (res) => {
    let text = '';
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
  });
  req.on('error', reject);
  req.end(body);
});
`;

    it('serves the uploaded function through the proxy, with only the Build dependencies and the Variables', async () => {
      const outcome = await runClient(
        `${CALL_DOMAIN}
         const health = await call('GET', '/health', {
           referer: 'https://attacker.example/page', 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9',
           authorization: 'Basic dXNlcjpwYXNz', 'x-custom': 'kept',
         });
         return { health: { ...health, json: JSON.parse(health.text) }, root: await call('GET', '/') };`,
        { domain: booted.domain },
      );
      const { json } = outcome.health;
      expect(outcome.health.status).toBe(200);
      expect(json).toMatchObject({
        greeting: 'hello from the fake',
        accountSid: fake.credentials.accountSid,
        accessToken: 'function',
        digestLength: 64,
      });
      // twilio resolves inside the laid-out folder, never from the repository's node_modules.
      expect(json.twilioEntry.startsWith(realpathSync(booted.dir))).toBe(true);
      expect(json.twilioEntry).not.toContain(projectRoot);
      expect(json.headers).toMatchObject({ authorization: 'Basic dXNlcjpwYXNz', 'x-custom': 'kept' });
      for (const stripped of ['referer', 'x-forwarded-for', 'x-real-ip']) expect(json.headers).not.toHaveProperty(stripped);
      expect(json.headers.host).not.toBe(booted.domain);
      expect(outcome.root).toMatchObject({ status: 200, text: INDEX_HTML });
    });

    it('answers OPTIONS itself, refuses other methods and a GET with a body', async () => {
      const outcome = await runClient(
        `${CALL_DOMAIN}
         return {
           preflight: await call('OPTIONS', '/health', { origin: 'https://app.example', 'access-control-request-headers': 'authorization' }),
           put: await call('PUT', '/health', { 'content-type': 'application/json' }, '{}'),
           getWithBody: await call('GET', '/health', { 'content-type': 'text/plain', 'content-length': '5' }, 'hello'),
           post: await call('POST', '/health', { 'content-type': 'application/json' }, '{"a":1}'),
         };`,
        { domain: booted.domain },
      );
      expect(outcome.preflight.status).toBe(204);
      expect(outcome.preflight.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' });
      expect(outcome.put.status).toBe(405);
      expect(outcome.getWithBody.status).toBe(403);
      expect(outcome.post.status).toBe(200);
      // The edge answered, not twilio-run: twilio-run's own preflight lists methods and a max-age.
      expect(outcome.preflight.headers).not.toHaveProperty('access-control-allow-methods');
      expect(outcome.preflight.headers).not.toHaveProperty('access-control-max-age');
    });

    it('also runs standalone on a loopback port, for a page served from another origin', async () => {
      standalone = await startFunctionsEdge(booted.upstreamUrl);
      const preflight = await fetch(`${standalone.url}/health`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:1' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      const health = await fetch(`${standalone.url}/health`, { headers: { 'x-forwarded-for': '198.51.100.1' } });
      expect(health.status).toBe(200);
      expect((await health.json()).headers).not.toHaveProperty('x-forwarded-for');
    });

    it('applies a changed Variable to the running deployment without a deploy, as Twilio does', async () => {
      const readGreeting = () =>
        runClient(`${CALL_DOMAIN} return JSON.parse((await call('GET', '/health')).text).greeting;`, { domain: booted.domain });
      await runClient(
        `const variables = twilio(input.user, input.password).serverless.v1.services(input.serviceSid).environments(input.environmentSid).variables;
         const greeting = (await variables.list()).find((v) => v.key === 'GREETING');
         await variables(greeting.sid).update({ value: 'changed live' });`,
        {
          user: fake.credentials.accountSid,
          password: fake.credentials.authToken,
          serviceSid: deployed.serviceSid,
          environmentSid: deployed.environmentSid,
        },
      );
      expect(await readGreeting()).toBe('changed live');
    }, 120_000);

    it('fails invocations with 82006 while the context is over 3 KB, but still serves assets', async () => {
      const input = {
        domain: booted.domain,
        user: fake.credentials.accountSid,
        password: fake.credentials.authToken,
        serviceSid: deployed.serviceSid,
        environmentSid: deployed.environmentSid,
      };
      const VARIABLES = `${CALL_DOMAIN}
         const variables = twilio(input.user, input.password).serverless.v1.services(input.serviceSid).environments(input.environmentSid).variables;`;
      // Three client runs, each with at most one restart of the booted service (the asset after the Variables changed,
      // /health after they went): a restart can take tens of seconds on a loaded 2-core machine, two in one run did not fit.
      const tooLarge = await runClient(
        `${VARIABLES}
         for (let i = 0; i < 7; i += 1) await variables.create({ key: 'BULK_' + i, value: 'b'.repeat(440) });
         const tooLarge = await call('GET', '/health');
         return { status: tooLarge.status, text: tooLarge.text };`,
        input,
      );
      const asset = await runClient(
        `${VARIABLES}
         const asset = await call('GET', '/');
         for (const variable of await variables.list()) if (variable.key.startsWith('BULK_')) await variables(variable.sid).remove();
         return asset.status;`,
        input,
      );
      const after = await runClient(`${CALL_DOMAIN} return (await call('GET', '/health')).status;`, input);
      const outcome = { tooLarge, asset, after };
      expect(outcome.tooLarge).toEqual({ status: 500, text: expect.stringContaining('82006') });
      expect(outcome.asset).toBe(200);
      expect(outcome.after).toBe(200);
    }, 330_000);

    it('stops the whole process group and removes the folder', async () => {
      const { dir, pid } = booted;
      await booted.stop();
      expect(existsSync(dir)).toBe(false);
      expect(() => process.kill(-pid, 0)).toThrow();
      expect(await rawProxyRequest('CONNECT', `${booted.domain}:443`)).toBe(200);
    });
  });
});

// Last: it makes services of its own.
describe('faults', () => {
  it('drop-before cuts only the nth matching request, without applying it; drop-after applies it and cuts the answer', async () => {
    const { accountSid, authToken } = fake.credentials;
    const create = (name: string) =>
      runClient(
        `try { await twilio(input.accountSid, input.authToken).serverless.v1.services.create({ uniqueName: input.name, friendlyName: input.name }); return 'answered'; } catch (e) { return e.status ? 'refused' : 'cut'; }`,
        { accountSid, authToken, name },
      );
    const before = fake.addFault({ method: 'POST', path: /^\/v1\/Services$/, nth: 2, action: 'drop-before' });
    expect(await create('fault-one')).toBe('answered');
    expect(await create('fault-two')).toBe('cut');
    await before.reached;
    expect(fake.state.service('fault-two')).toBeUndefined();
    fake.addFault({ method: 'POST', path: /^\/v1\/Services$/, action: 'drop-after' });
    expect(await create('fault-three')).toBe('cut');
    expect(fake.state.service('fault-three')).toBeDefined();
    expect(
      fake
        .requests()
        .filter((request) => request.fault)
        .map((request) => request.fault),
    ).toEqual(['drop-before', 'drop-after']);
  });
});

// Last: its key deletions must not be taken for the Variable deletion the deploy tests above look for.
describe('the Key resource (v2010 and IAM v1) and regional hosts, through twilio-node', () => {
  const client = (user: string, password: string, extra = '') =>
    `twilio(${JSON.stringify(user)}, ${JSON.stringify(password)}, { accountSid: input.account${extra} })`;

  it('creates a Standard key whose secret is answered once, lists, fetches and deletes it; a deleted key stops authenticating', async () => {
    const { accountSid, authToken } = fake.credentials;
    const made = await runClient(
      `const account = ${client(accountSid, authToken)};
       const key = await account.newKeys.create({ friendlyName: 'rotation test' });
       const fetched = await account.keys(key.sid).fetch();
       const listed = (await account.keys.list()).map((k) => k.sid);
       const viaKey = await twilio(key.sid, key.secret, { accountSid: input.account }).serverless.v1.services.list();
       return { sid: key.sid, secret: key.secret, fetchedSecret: fetched.secret ?? null, name: fetched.friendlyName, listed, viaKey: viaKey.length };`,
      { account: accountSid },
    );
    expect(made.sid).toMatch(/^SK[0-9a-f]{32}$/);
    expect(made.secret.length).toBeGreaterThan(20);
    expect(made).toMatchObject({ fetchedSecret: null, name: 'rotation test', viaKey: fake.state.services().length });
    expect(made.listed).toContain(made.sid);
    expect(JSON.stringify(fake.requests())).not.toContain(made.secret);
    await runClient(`await ${client(accountSid, authToken)}.keys(input.sid).remove();`, { account: accountSid, sid: made.sid });
    const after = await clientFailure(
      runClient(`await twilio(input.sid, input.secret, { accountSid: input.account }).serverless.v1.services.list();`, {
        account: accountSid,
        ...made,
      }),
    );
    expect(after).toMatchObject({ status: 401, code: 20003 });
    expect(fake.apiKeys().map((key) => key.sid)).not.toContain(made.sid);
  });

  it('lets only the account or a Main key manage keys: a Standard key gets 20003, a Restricted one 70051', async () => {
    const { accountSid, apiKeySid, apiKeySecret } = fake.credentials;
    const main = { sid: `SK${randomBytes(16).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
    const restricted = { sid: `SK${randomBytes(16).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
    fake.addApiKey(main.sid, main.secret, { type: 'main' });
    fake.addApiKey(restricted.sid, restricted.secret, { type: 'restricted' });
    const create = (user: string, password: string) =>
      runClient(`return (await ${client(user, password)}.newKeys.create({ friendlyName: 'x' })).sid;`, { account: accountSid });
    expect(await create(main.sid, main.secret)).toMatch(/^SK/);
    expect(await clientFailure(create(apiKeySid, apiKeySecret))).toMatchObject({ status: 401, code: 20003 });
    expect(await clientFailure(create(restricted.sid, restricted.secret))).toMatchObject({ status: 401, code: 70051 });
  });

  it('IAM v1 tells a key type by its policy (null for Standard), and lists it with flags', async () => {
    const { accountSid, authToken, apiKeySid } = fake.credentials;
    const restricted = `SK${randomBytes(16).toString('hex')}`;
    fake.addApiKey(restricted, 'secret-of-restricted', { type: 'restricted' });
    const seen = await runClient(
      `const account = ${client(accountSid, authToken)};
       const standard = await account.iam.v1.apiKey(input.standard).fetch();
       const limited = await account.iam.v1.apiKey(input.restricted).fetch();
       const listed = await account.iam.v1.getApiKeys.list({ accountSid: input.account });
       return { standard: standard.policy, limited: limited.policy, flags: listed.find((k) => k.sid === input.standard).flags };`,
      { account: accountSid, standard: apiKeySid, restricted },
    );
    expect(seen.standard).toBeNull();
    expect(seen.limited).toEqual({ allow: expect.any(Array) });
    expect(seen.flags).toEqual(['rest_api', 'signing']);
  });

  it('serves api.dublin.ie1.twilio.com for IE1 keys only; api.twilio.com does not know them; the retired api.ie1.twilio.com is refused', async () => {
    const { accountSid } = fake.credentials;
    const ie1 = { sid: `SK${randomBytes(16).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
    fake.addApiKey(ie1.sid, ie1.secret, { region: 'ie1' });
    const balance = (extra: string) =>
      runClient(`return (await ${client(ie1.sid, ie1.secret, extra)}.api.v2010.accounts(input.account).balance.fetch()).accountSid;`, {
        account: accountSid,
      });
    expect(await balance(", region: 'ie1', edge: 'dublin'")).toBe(accountSid);
    expect(fake.requests().at(-1)).toMatchObject({ host: 'api.dublin.ie1.twilio.com', status: 200 });
    expect(await clientFailure(balance(''))).toMatchObject({ status: 401, code: 20003 });
    expect(await rawProxyRequest('CONNECT', 'api.ie1.twilio.com:443')).toBe(403);
  });
});
