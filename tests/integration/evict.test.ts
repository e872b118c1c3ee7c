/**
 * npm run revoke -- IDENTITY --evict against loopback stand-ins for Sync, Video, Conversations and TaskRouter, which
 * the operator's twilio-node reaches the way it reaches Twilio (one HTTP_PROXY, TLS from a CA made for this run). After
 * the revocation is written, the identity's Participants are disconnected from every in-progress room, it is removed
 * from every Conversation it takes part in (over more than one page), and its Worker goes offline, while everyone else
 * stays as they were. A product that fails (an error, or a call that hangs past 10 s) is reported with Twilio's code and
 * the others are still done; a product whose
 * grant is off is skipped with the reason; when the revocation cannot be written, nothing is evicted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dotenvText, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { startFakeLiveSessions, type FakeLiveSessions } from '../helpers/fake-twilio/live-sessions';
import { runCliAsync } from '../helpers/run-cli';
import { revocationKey } from '../../src/lib/revocation/revocations';

let credentials: TestCredentials;
let live: FakeLiveSessions;
let workDir: string;
let conversationService: string;
let workspace: string;

beforeAll(async () => {
  credentials = newCredentials(['alice', 'bob']);
  live = await startFakeLiveSessions({
    accountSid: credentials.accountSid,
    apiKeySid: credentials.apiKeySid,
    apiKeySecret: credentials.apiKeySecret,
  });
  conversationService = live.conversations.addService();
  workspace = live.taskrouter.addWorkspace();
  const base = {
    THROTTLE_SYNC_SERVICE_SID: live.syncServiceSid,
    CONVERSATIONS_SERVICE_SID: conversationService,
    TASKROUTER_WORKSPACE_SID: workspace,
  };
  workDir = mkdtempSync(join(tmpdir(), 'evict-'));
  writeFileSync(
    join(workDir, 'all.env'),
    dotenvText(await environmentFor(credentials, { ...base, TOKEN_GRANTS: 'video,chat,taskrouter' })),
    {
      mode: 0o600,
    },
  );
  writeFileSync(join(workDir, 'broken.env'), dotenvText(await environmentFor(credentials, { ...base, TOKEN_GRANTS: 'video,fax' })), {
    mode: 0o600,
  });
  writeFileSync(join(workDir, 'video.env'), dotenvText(await environmentFor(credentials, { ...base, TOKEN_GRANTS: 'video' })), {
    mode: 0o600,
  });
}, 30_000);

afterAll(async () => {
  await live?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

afterEach(() => {
  live.video.fail(undefined);
  live.conversations.fail(undefined);
  live.sync.resetBehaviour();
});

/** The operator's run: credentials in the environment (never argv), the project's env file named. */
function revoke(envFile: string, ...args: string[]) {
  return revokeThrough(live, envFile, ...args);
}

function revokeThrough(standIns: FakeLiveSessions, envFile: string, ...args: string[]) {
  return runCliAsync('revoke', [...args, '--env', join(workDir, envFile)], {
    cwd: workDir,
    env: { ...process.env, ...standIns.env, TWILIO_API_KEY: credentials.apiKeySid, TWILIO_API_SECRET: credentials.apiKeySecret },
  });
}

/** Rooms, conversations and Workers for `who`, beside `other` who shares some of them and must stay. */
function liveSessions(who: string, other: string) {
  const rooms = [live.video.addRoom(`standup-${who}`), live.video.addRoom(`review-${who}`)];
  const otherOnly = live.video.addRoom(`other-${who}`);
  const ended = live.video.addRoom(`yesterday-${who}`, 'completed');
  for (const room of rooms) {
    live.video.connect(room, who);
    live.video.connect(room, other);
  }
  live.video.connect(otherOnly, other);
  // 52 conversations: more than one page of Participant Conversations (at most 50 a page).
  const conversations = Array.from({ length: 52 }, (_, index) =>
    live.conversations.addConversation(conversationService, `${who}-${index}`),
  );
  for (const conversation of conversations) live.conversations.addParticipant(conversation, who);
  live.conversations.addParticipant(conversations[0]!, other);
  const notHers = live.conversations.addConversation(conversationService, `without-${who}`);
  live.conversations.addParticipant(notHers, other);
  const worker = live.taskrouter.addWorker(workspace, who, {}, 'Available');
  const otherWorker = live.taskrouter.addWorker(workspace, other, {}, 'Available');
  return { rooms, otherOnly, ended, conversations, notHers, worker, otherWorker };
}

const connected = (room: string, identity: string) =>
  live.video.participantsOf(room).some((participant) => participant.identity === identity && participant.status === 'connected');

it('revokes, then disconnects the identity from every in-progress room, removes it from its conversations and moves its Worker offline; no one else is touched', async () => {
  const s = liveSessions('carol', 'dave');
  const run = await revoke('all.env', 'carol', '--evict', '--reason', 'laptop stolen');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^revoke: revoked carol until lifted/);
  expect(run.stdout).toMatch(/✓ Video: disconnected from 2 of \d+ in-progress room\(s\): RM/);
  for (const room of s.rooms) expect(run.stdout).toContain(room);
  expect(run.stdout).toMatch(
    new RegExp(
      `✓ Conversations: removed from 52 conversation\\(s\\) of ${conversationService}: (CH[0-9a-f]{32}, ){9}CH[0-9a-f]{32} and 42 more\n`,
    ),
  );
  expect(run.stdout).toMatch(
    new RegExp(`✓ TaskRouter: moved Worker ${s.worker} to Offline \\(WA[0-9a-f]{32}, unavailable\\) in ${workspace}`),
  );
  expect(run.stdout).toMatch(
    /cannot be evicted through the REST API: Voice push registrations .* and Sync sessions .* usable until \d{4}-\d\d-\d\dT/,
  );
  expect(run.stdout).not.toContain('--evict ends them');
  expect(`${run.stdout}${run.stderr}`).not.toContain(credentials.apiKeySecret);

  for (const room of s.rooms) {
    expect(connected(room, 'carol')).toBe(false);
    expect(connected(room, 'dave')).toBe(true);
  }
  expect(connected(s.otherOnly, 'dave')).toBe(true);
  for (const conversation of s.conversations) expect(live.conversations.identitiesIn(conversation)).not.toContain('carol');
  expect(live.conversations.identitiesIn(s.conversations[0]!)).toEqual(['dave']);
  expect(live.conversations.identitiesIn(s.notHers)).toEqual(['dave']);
  expect(live.taskrouter.activityOf(s.worker)).toMatchObject({ friendlyName: 'Offline', available: false });
  expect(live.taskrouter.activityOf(s.otherWorker)).toMatchObject({ friendlyName: 'Available', available: true });
  // Rooms were found as Twilio documents (in-progress only), and the completed room was never asked about.
  expect(live.video.requests().some((request) => request.path.includes(s.ended))).toBe(false);
  expect(live.video.requests().some((request) => /\/v1\/Rooms\?.*Status=in-progress/.test(request.path))).toBe(true);
  expect(live.refusals()).toEqual([]);
}, 60_000);

it('a product that fails is reported with its Twilio code and a non-zero exit, and the other products are still done', async () => {
  const s = liveSessions('erin', 'frank');
  live.conversations.fail({ status: 500, code: 20500, message: 'Internal Server Error' });
  const run = await revoke('all.env', 'erin', '--evict');
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/^revoke: revoked erin until lifted/);
  expect(run.stdout).toContain('✗ Conversations: failed: Twilio answered 500 (error 20500): Internal Server Error');
  expect(run.stdout).toMatch(/✓ Video: disconnected from 2 of/);
  expect(run.stdout).toMatch(/✓ TaskRouter: moved Worker/);
  expect(run.stdout).toContain('✗ evict: Conversations failed (the revocation stands); run the same command again');
  for (const room of s.rooms) expect(connected(room, 'erin')).toBe(false);
  expect(live.taskrouter.activityOf(s.worker)).toMatchObject({ available: false });
  expect(live.conversations.identitiesIn(s.conversations[1]!)).toEqual(['erin']);
}, 60_000);

it('a call that hangs is given up after 10 s: that product fails, the others are still done', async () => {
  const s = liveSessions('mona', 'ned');
  // Longer than the CLI's 10 s per call, shorter than runCliAsync's 30 s kill: twilio-node's default (30 s) would fail this.
  live.video.fail({ status: 500, code: 20500, delayMs: 25_000, path: /^\/v1\/Rooms$/, count: 1 });
  const run = await revoke('all.env', 'mona', '--evict');
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/✗ Video: failed: no answer \(timeout of 10000ms exceeded\)/);
  expect(run.stdout).toContain('✓ Conversations: removed from 52 conversation(s)');
  expect(run.stdout).toMatch(/✓ TaskRouter: moved Worker/);
  expect(connected(s.rooms[0]!, 'mona')).toBe(true);
  expect(live.taskrouter.activityOf(s.worker)).toMatchObject({ available: false });
}, 60_000);

it('a product whose grant is off is skipped with a line saying why, and is never called', async () => {
  // An identity with characters a URL path cannot hold as they are: found by a query filter, never put in the path.
  const s = liveSessions('gina/ops #2?', 'hank');
  const conversationCalls = live.conversations.requests().length;
  const taskrouterCalls = live.taskrouter.requests().length;
  const run = await revoke('video.env', 'gina/ops #2?', '--evict');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/✓ Video: disconnected from 2 of/);
  expect(run.stdout).toContain('- Conversations: skipped: the chat grant is off (TOKEN_GRANTS=video): no conversation to leave');
  expect(run.stdout).toContain('- TaskRouter: skipped: the taskrouter grant is off (TOKEN_GRANTS=video): no Worker to move');
  expect(live.conversations.requests()).toHaveLength(conversationCalls);
  expect(live.taskrouter.requests()).toHaveLength(taskrouterCalls);
  for (const room of s.rooms) expect(connected(room, 'gina/ops #2?')).toBe(false);
  expect(connected(s.rooms[0]!, 'hank')).toBe(true);
  expect(live.conversations.identitiesIn(s.conversations[0]!)).toContain('gina/ops #2?');
  expect(live.taskrouter.activityOf(s.worker)).toMatchObject({ available: true });
}, 60_000);

it('when the revocation cannot be written, nothing is evicted', async () => {
  const s = liveSessions('ivan', 'judy');
  const videoCalls = live.video.requests().length;
  live.sync.behaviour.failWith = 500;
  const run = await revoke('all.env', 'ivan', '--evict');
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/revoke: failed: Sync answered 500/);
  expect(run.stdout).not.toMatch(/evict/);
  expect(live.video.requests()).toHaveLength(videoCalls);
  for (const room of s.rooms) expect(connected(room, 'ivan')).toBe(true);
  expect(live.taskrouter.activityOf(s.worker)).toMatchObject({ available: true });
}, 60_000);

it('when one replica Map does not take the revocation, nothing is evicted: exit 1, and the output says why', async () => {
  const s = liveSessions('uma', 'vic');
  const evictionCalls = () => [live.video.requests().length, live.conversations.requests().length, live.taskrouter.requests().length];
  const before = evictionCalls();
  live.sync.behaviour.failWritesTo = 'token-service-revocations-2';
  const run = await revoke('all.env', 'uma', '--evict');
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/^revoke: revoked uma until lifted \(3 of 4 replica Maps/);
  expect(run.stdout).toContain(
    '✗ 1 replica Map(s) did not take it: instances reading them may still issue tokens; run the same command again',
  );
  expect(run.stdout).toContain('✗ evict: not done until every replica holds the revocation');
  expect(run.stdout).not.toMatch(/✓|evict: uma's live sessions/);
  // No eviction call reached Video, Conversations or TaskRouter, and every session is as it was.
  expect(evictionCalls()).toEqual(before);
  for (const room of s.rooms) expect(connected(room, 'uma')).toBe(true);
  expect(live.conversations.identitiesIn(s.conversations[0]!)).toContain('uma');
  expect(live.taskrouter.activityOf(s.worker)).toMatchObject({ available: true });
  expect(['1', '2'].map((n) => live.sync.itemsOf(`token-service-revocations-${n}`).has(revocationKey('uma')))).toEqual([true, false]);
}, 60_000);

it('without --evict, says how to end the sessions and leaves them open', async () => {
  const s = liveSessions('kim', 'lee');
  const run = await revoke('all.env', 'kim');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(
    'sessions already open stay open (Video rooms, Conversations, TaskRouter): npm run revoke -- kim --evict ends them',
  );
  expect(run.stdout).not.toContain('not built yet');
  expect(connected(s.rooms[0]!, 'kim')).toBe(true);
}, 60_000);

it('with a configuration that does not parse, the revocation is written but nothing is evicted (which grants are on is unknown)', async () => {
  const s = liveSessions('olga', 'pete');
  const videoCalls = live.video.requests().length;
  const run = await revoke('broken.env', 'olga', '--evict');
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/^revoke: revoked olga until lifted \(4 of 4 replica Maps/);
  expect(run.stdout).toContain("✗ evict: not done: the project's configuration has problems (npm run doctor lists them)");
  expect(live.video.requests()).toHaveLength(videoCalls);
  expect(connected(s.rooms[0]!, 'olga')).toBe(true);
}, 60_000);

describe('hosts: an edge, and a region without Sync', () => {
  let regional: FakeLiveSessions;
  beforeAll(async () => {
    // The stand-ins answer only on US1's hosts through the Sydney edge: a request to a default host is refused.
    regional = await startFakeLiveSessions(
      { accountSid: credentials.accountSid, apiKeySid: credentials.apiKeySid, apiKeySecret: credentials.apiKeySecret },
      { region: 'us1', edge: 'sydney' },
    );
    const variables = {
      THROTTLE_SYNC_SERVICE_SID: regional.syncServiceSid,
      CONVERSATIONS_SERVICE_SID: regional.conversations.addService(),
      TASKROUTER_WORKSPACE_SID: regional.taskrouter.addWorkspace(),
      TOKEN_GRANTS: 'video,chat,taskrouter',
    };
    writeFileSync(join(workDir, 'edge.env'), dotenvText(await environmentFor(credentials, variables)), { mode: 0o600 });
    writeFileSync(join(workDir, 'ie1.env'), dotenvText(await environmentFor(credentials, { ...variables, TWILIO_REGION: 'ie1' })), {
      mode: 0o600,
    });
  }, 30_000);
  afterAll(async () => {
    await regional?.stop();
  });
  const throughSydney = (...args: string[]) =>
    runCliAsync('revoke', args, {
      cwd: workDir,
      env: {
        ...process.env,
        ...regional.env,
        TWILIO_EDGE: 'sydney',
        TWILIO_API_KEY: credentials.apiKeySid,
        TWILIO_API_SECRET: credentials.apiKeySecret,
      },
    });

  it("revokes, evicts, lists and lifts through the operator's TWILIO_EDGE (sync.sydney.us1.twilio.com…), never the default hosts", async () => {
    const room = regional.video.addRoom('standup-edge');
    regional.video.connect(room, 'rita');
    const env = join(workDir, 'edge.env');
    const revoked = await throughSydney('rita', '--evict', '--env', env);
    expect(revoked.stderr).toBe('');
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toMatch(/^revoke: revoked rita until lifted \(4 of 4 replica Maps/);
    expect(revoked.stdout).toMatch(/✓ Video: disconnected from 1 of 1 in-progress room\(s\)/);
    expect(revoked.stdout).toMatch(/✓ Conversations: takes part in no conversation/);
    expect(revoked.stdout).toMatch(/✓ TaskRouter: no Worker named rita/);
    const listed = await throughSydney('--list', '--env', env);
    expect(listed.stdout).toMatch(/revoke: 1 revocation\(s\) in force/);
    const lifted = await throughSydney('--lift', 'rita', '--env', env);
    expect(lifted.stdout).toMatch(/revoke: lifted rita \(4 of 4 replica Maps\)/);
    expect([listed.status, lifted.status]).toEqual([0, 0]);
    expect(new Set(regional.hostsAsked())).toEqual(
      new Set(['sync', 'video', 'conversations', 'taskrouter'].map((product) => `${product}.sydney.us1.twilio.com`)),
    );
    expect(regional.refusals()).toEqual([]);
  }, 60_000);

  it('a project in a region without Sync (TWILIO_REGION=ie1) is refused before anything is sent, as deploy refuses it', async () => {
    const asked = regional.hostsAsked().length;
    const run = await revokeThrough(regional, 'ie1.env', 'rita');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/revoke: refused; nothing was changed: THROTTLE_SYNC_SERVICE_SID .*Twilio offers no Sync in region ie1/);
    expect(run.stderr).toMatch(/fix: unset THROTTLE_SYNC_SERVICE_SID/);
    expect(regional.hostsAsked()).toHaveLength(asked);
    expect(regional.refusals()).toEqual([]);
  }, 60_000);

  it('a malformed TWILIO_EDGE is refused before anything is sent, naming the setting', async () => {
    const asked = regional.hostsAsked().length;
    const run = await runCliAsync('revoke', ['rita', '--env', join(workDir, 'edge.env')], {
      cwd: workDir,
      env: {
        ...process.env,
        ...regional.env,
        TWILIO_EDGE: 'Dublin 2',
        TWILIO_API_KEY: credentials.apiKeySid,
        TWILIO_API_SECRET: credentials.apiKeySecret,
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/revoke: refused; nothing was changed: TWILIO_EDGE must be a Twilio edge ID/);
    expect(regional.hostsAsked()).toHaveLength(asked);
    expect(regional.refusals()).toEqual([]);
  }, 60_000);
});
