/**
 * The stand-ins `npm run revoke -- IDENTITY --evict` talks to in one run, behind one CONNECT proxy and one CA (the
 * operator's twilio-node has one HTTP_PROXY): Sync (the revocation list), Video, Conversations and TaskRouter, all
 * answering the same account's credentials.
 */
import { randomBytes } from 'node:crypto';
import { throwawayCredentials, type FakeCredentials } from './account-keys';
import { CONVERSATIONS_HOST, FakeConversationsApi } from './conversations-api';
import { serveHosts, type SingleHost } from './single-host';
import { FakeSyncApi, SYNC_HOST } from './sync-api';
import { FakeTaskRouterApi, TASKROUTER_HOST } from './taskrouter-api';
import { FakeVideoApi, VIDEO_HOST } from './video-api';

/** The proxy's env (HTTP_PROXY and NODE_EXTRA_CA_CERTS for the client process), refusals, hosts asked and stop, with the stand-ins. */
export interface FakeLiveSessions extends SingleHost {
  readonly sync: FakeSyncApi;
  readonly syncServiceSid: string;
  readonly video: FakeVideoApi;
  readonly conversations: FakeConversationsApi;
  readonly taskrouter: FakeTaskRouterApi;
}

/** Where the stand-ins answer: Twilio's default (US1) hosts, or a region's through an edge (sync.dublin.ie1.twilio.com). */
export interface StandInLocation {
  readonly region: string;
  readonly edge: string;
}

/**
 * @example
 * const live = await startFakeLiveSessions({ accountSid, apiKeySid, apiKeySecret });
 * const room = live.video.addRoom('standup'); live.video.connect(room, 'alice');
 * // run the CLI with { ...process.env, ...live.env }
 */
export async function startFakeLiveSessions(
  credentials: Partial<FakeCredentials> = {},
  location?: StandInLocation,
): Promise<FakeLiveSessions> {
  const at = (host: string) => (location ? host.replace(/\.twilio\.com$/, `.${location.edge}.${location.region}.twilio.com`) : host);
  const full = throwawayCredentials(credentials);
  const syncServiceSid = `IS${randomBytes(16).toString('hex')}`;
  const sync = new FakeSyncApi({
    accountSid: full.accountSid,
    apiKeySid: full.apiKeySid,
    apiKeySecret: full.apiKeySecret,
    serviceSid: syncServiceSid,
  });
  const video = new FakeVideoApi(full);
  const conversations = new FakeConversationsApi(full);
  const taskrouter = new FakeTaskRouterApi(full);
  const served = await serveHosts(
    new Map([
      [at(SYNC_HOST), sync.handle],
      [at(VIDEO_HOST), video.handle],
      [at(CONVERSATIONS_HOST), conversations.handle],
      [at(TASKROUTER_HOST), taskrouter.handle],
    ]),
  );
  return { ...served, sync, syncServiceSid, video, conversations, taskrouter };
}
