/**
 * The taskrouter grant end to end: the real twilio-run serving /token, which asks the loopback TaskRouter stand-in
 * (through twilio-node's own HTTP_PROXY support and a CA in NODE_EXTRA_CA_CERTS) for the Worker whose FriendlyName is
 * the caller's identity, and binds the token to it. A caller never chooses the Worker; a failure is never a token.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { startFakeTaskRouter, type FakeTaskRouter } from '../helpers/fake-twilio/taskrouter';
import { send } from '../helpers/http';
import { WORKER_LOOKUP_TIMEOUT_MS } from '../../src/lib/token/taskrouter-workers';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const projectRoot = join(__dirname, '..', '..');

describe('the taskrouter grant against the TaskRouter stand-in, through the real twilio-run', () => {
  let credentials: TestCredentials;
  let taskrouter: FakeTaskRouter;
  let server: RunningServer;
  let unknownWorkspaceServer: RunningServer;
  let workspaceSid: string;
  let aliceWorker: string;

  beforeAll(async () => {
    credentials = newCredentials(['alice', 'bob', 'carol', 'twin']);
    taskrouter = await startFakeTaskRouter({
      accountSid: credentials.accountSid,
      apiKeySid: credentials.apiKeySid,
      apiKeySecret: credentials.apiKeySecret,
    });
    workspaceSid = taskrouter.api.addWorkspace();
    aliceWorker = taskrouter.api.addWorker(workspaceSid, 'alice');
    taskrouter.api.addWorker(workspaceSid, 'dave');
    taskrouter.api.addWorker(workspaceSid, 'twin');
    taskrouter.api.addWorker(workspaceSid, 'twin');
    // twilio-run gives functions only the .env keys as process.env, so HTTP_PROXY goes there; Node reads the CA at start.
    const settings = { TOKEN_GRANTS: 'video,taskrouter', TASKROUTER_WORKSPACE_SID: workspaceSid, HTTP_PROXY: taskrouter.env.HTTP_PROXY };
    const processEnv = { NODE_EXTRA_CA_CERTS: taskrouter.env.NODE_EXTRA_CA_CERTS };
    [server, unknownWorkspaceServer] = await Promise.all([
      environmentFor(credentials, settings).then((env) => startServer(env, { processEnv })),
      environmentFor(credentials, { ...settings, TASKROUTER_WORKSPACE_SID: newSid('WS') }).then((env) => startServer(env, { processEnv })),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), unknownWorkspaceServer?.stop()]);
    await taskrouter?.stop();
  });

  const signIn = (target: RunningServer, user: string, json: object = { grants: ['taskrouter'] }) =>
    send(`${target.url}/token`, { headers: { authorization: basicHeader(user, credentials.passwords[user]!) }, json });

  it("binds the token to the Worker named like the identity, found with the API key, in twilio-taskrouter's claims", async () => {
    const answer = await signIn(server, 'alice');
    expect(answer.status).toBe(200);
    expect(answer.json.grants).toEqual(['taskrouter']);
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.grants).toEqual({
      identity: 'alice',
      task_router: { workspace_sid: workspaceSid, worker_sid: aliceWorker, role: 'worker' },
    });
    const lookups = taskrouter.api.requests().filter((request) => request.path.includes('FriendlyName=alice'));
    expect(lookups).toEqual([
      { method: 'GET', path: `/v1/Workspaces/${workspaceSid}/Workers?FriendlyName=alice&PageSize=2`, status: 200, authenticatedAs: 'key' },
    ]);
    expect(taskrouter.refusals()).toEqual([]);
  });

  it('lists taskrouter among the products at GET /health, without asking TaskRouter', async () => {
    const before = taskrouter.api.requests().length;
    const health = await send(`${server.url}/health`, { method: 'GET' });
    expect([health.status, health.json.grants]).toEqual([200, ['video', 'taskrouter']]);
    expect(taskrouter.api.requests().length).toBe(before);
  });

  it('asks TaskRouter once per identity while the answer is cached', async () => {
    const before = taskrouter.api.requests().length;
    for (let i = 0; i < 3; i++) expect((await signIn(server, 'alice')).status).toBe(200);
    expect(taskrouter.api.requests().length).toBe(before);
  });

  it('ignores any worker or workspace the caller names: the token is bound to the Worker of the identity', async () => {
    const answer = await signIn(server, 'alice', {
      grants: ['taskrouter'],
      worker_sid: newSid('WK'),
      workspace_sid: newSid('WS'),
      role: 'supervisor',
    });
    expect(answer.status).toBe(200);
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.grants).toMatchObject({ task_router: { workspace_sid: workspaceSid, worker_sid: aliceWorker, role: 'worker' } });
  });

  it('refuses an identity with no Worker with 403 taskrouter_worker_not_found, and mints nothing', async () => {
    const answer = await signIn(server, 'bob');
    expect(answer.status).toBe(403);
    expect(answer.json.error.code).toBe('taskrouter_worker_not_found');
    expect(answer.json.token).toBeUndefined();
  });

  it('refuses an identity that two Workers carry with 403 taskrouter_worker_ambiguous', async () => {
    const answer = await signIn(server, 'twin');
    expect([answer.status, answer.json.error.code]).toEqual([403, 'taskrouter_worker_ambiguous']);
  });

  it('does no lookup for a token without the taskrouter grant', async () => {
    const before = taskrouter.api.requests().length;
    const answer = await signIn(server, 'bob', { grants: ['video'] });
    expect(answer.status).toBe(200);
    expect(taskrouter.api.requests().length).toBe(before);
  });

  it('answers 503 taskrouter_unavailable with Retry-After while TaskRouter fails, then recovers', async () => {
    taskrouter.api.addWorker(workspaceSid, 'carol');
    taskrouter.api.fail({ status: 503, code: 20503 });
    try {
      const answer = await signIn(server, 'carol');
      expect(answer.status).toBe(503);
      expect(answer.json.error.code).toBe('taskrouter_unavailable');
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.text).not.toMatch(/20503|taskrouter\.twilio\.com/);
    } finally {
      taskrouter.api.fail(undefined);
    }
    const retried = await signIn(server, 'carol');
    expect(retried.status).toBe(200);
  });

  it('answers 503 when TaskRouter does not answer within the lookup timeout, rather than holding the Function', async () => {
    taskrouter.api.addWorker(workspaceSid, 'erin');
    // The stand-in would answer 200 with erin's Worker after the delay: a 503 shows the service stopped waiting first.
    taskrouter.api.fail({ delayMs: WORKER_LOOKUP_TIMEOUT_MS + 8_000, count: 1 });
    const answer = await send(`${server.url}/token`, {
      headers: { authorization: `Bearer ${credentials.sharedSecret}` },
      json: { identity: 'erin', grants: ['taskrouter'] },
    });
    expect([answer.status, answer.json.error?.code]).toEqual([503, 'taskrouter_unavailable']);
    await server.waitForOutput(/no answer within 4000 ms/);
    expect(server.output()).toMatch(/no answer within 4000 ms/);
  }, 20_000);

  it('answers 503 for a Workspace TaskRouter does not know (its 404 20404), logging the cause and no secret', async () => {
    const answer = await signIn(unknownWorkspaceServer, 'alice');
    expect([answer.status, answer.json.error.code, answer.headers['retry-after']]).toEqual([503, 'taskrouter_unavailable', '5']);
    expect(taskrouter.api.requests().some((request) => request.status === 404)).toBe(true);
    await unknownWorkspaceServer.waitForOutput(/TaskRouter answered 404/);
    const log = unknownWorkspaceServer.output();
    expect(log).toMatch(/TaskRouter answered 404 \(error 20404\)/);
    expect(log).not.toContain(credentials.apiKeySecret);
  });
});

describe('the TaskRouter stand-in, as twilio-node sees it', () => {
  let taskrouter: FakeTaskRouter;
  let workspaceSid: string;

  beforeAll(async () => {
    taskrouter = await startFakeTaskRouter();
    workspaceSid = taskrouter.api.addWorkspace();
    for (let i = 0; i < 5; i++) taskrouter.api.addWorker(workspaceSid, `agent-${i}`);
  });
  afterAll(() => taskrouter?.stop());

  /** Runs twilio-node in a fresh Node (NODE_EXTRA_CA_CERTS is read at start) and returns what it printed. */
  async function withTwilioNode(username: string, password: string, script: string): Promise<any> {
    const program = `
      const twilio = require('twilio');
      const client = twilio(${JSON.stringify(username)}, process.env.STAND_IN_PASSWORD, { accountSid: ${JSON.stringify(taskrouter.credentials.accountSid)} });
      (async () => { ${script} })().then((out) => console.log(JSON.stringify(out)), (error) => console.log(JSON.stringify({ status: error.status, code: error.code })));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', program], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, ...taskrouter.env, STAND_IN_PASSWORD: password },
      timeout: 20_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  it("follows the stand-in's meta.next_page_url across pages, as with Twilio", async () => {
    const names = await withTwilioNode(
      taskrouter.credentials.apiKeySid,
      taskrouter.credentials.apiKeySecret,
      `return (await client.taskrouter.v1.workspaces('${workspaceSid}').workers.list({ pageSize: 2 })).map((w) => w.friendlyName);`,
    );
    expect(names).toEqual(['agent-0', 'agent-1', 'agent-2', 'agent-3', 'agent-4']);
  });

  it('refuses a wrong key secret with 401 / 20003 and an unknown Workspace with 404 / 20404', async () => {
    const list = (ws: string) => `return await client.taskrouter.v1.workspaces('${ws}').workers.page({ pageSize: 2 });`;
    await expect(withTwilioNode(taskrouter.credentials.apiKeySid, 'wrong-secret', list(workspaceSid))).resolves.toEqual({
      status: 401,
      code: 20003,
    });
    await expect(
      withTwilioNode(taskrouter.credentials.apiKeySid, taskrouter.credentials.apiKeySecret, list(newSid('WS'))),
    ).resolves.toEqual({
      status: 404,
      code: 20404,
    });
    expect(taskrouter.api.requests().map((request) => request.authenticatedAs)).toContain('none');
  });
});
