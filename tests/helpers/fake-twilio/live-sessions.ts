/**
 * The stand-ins `npm run revoke -- IDENTITY --evict` talks to in one run, behind one CONNECT proxy and one CA (the
 * operator's twilio-node has one HTTP_PROXY): Sync (the revocation list), Video, Conversations and TaskRouter, all
 * answering the same account's credentials.
 */
import { randomBytes } from 'node:crypto';
import type { FakeCredentials } from './account-keys';
import type { ProxyRefusal } from './connect-proxy';
import { CONVERSATIONS_HOST, FakeConversationsApi } from './conversations-api';
import { serveHosts } from './single-host';
import { FakeSyncApi, SYNC_HOST } from './sync-api';
import { FakeTaskRouterApi, TASKROUTER_HOST } from './taskrouter-api';
import { FakeVideoApi, VIDEO_HOST } from './video-api';

export interface FakeLiveSessions {
  readonly sync: FakeSyncApi;
  readonly syncServiceSid: string;
  readonly video: FakeVideoApi;
  readonly conversations: FakeConversationsApi;
  readonly taskrouter: FakeTaskRouterApi;
  /** HTTP_PROXY and NODE_EXTRA_CA_CERTS for the client process. */
  readonly env: Readonly<{ HTTP_PROXY: string; NODE_EXTRA_CA_CERTS: string }>;
  refusals(): readonly ProxyRefusal[];
  /** The host of every request the stand-ins answered, in order. */
  hostsAsked(): readonly string[];
  stop(): Promise<void>;
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
  const hex = () => randomBytes(16).toString('hex');
  const full: FakeCredentials = {
    accountSid: `AC${hex()}`,
    authToken: hex(),
    apiKeySid: `SK${hex()}`,
    apiKeySecret: hex(),
    ...credentials,
  };
  const syncServiceSid = `IS${hex()}`;
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
  return {
    sync,
    syncServiceSid,
    video,
    conversations,
    taskrouter,
    env: served.env,
    refusals: () => served.refusals(),
    hostsAsked: () => served.hostsAsked(),
    stop: () => served.stop(),
  };
}
