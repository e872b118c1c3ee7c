/**
 * Starts the Sync stand-in behind its own CONNECT proxy, with a CA made for this run: a twilio-node client in
 * another process reaches it as it reaches sync.twilio.com, through HTTP_PROXY (its RequestClient's own proxy
 * support) and TLS trusted via NODE_EXTRA_CA_CERTS. Separate from startFakeTwilio (the Serverless stand-in).
 */
import { randomBytes } from 'node:crypto';
import { serveSingleHost, type SingleHost } from './single-host';
import { FakeSyncApi, SYNC_HOST, type SyncCredentials } from './sync-api';

/** The proxy's env (HTTP_PROXY and NODE_EXTRA_CA_CERTS for the client process), refusals and stop, with the stand-in. */
export interface FakeSync extends SingleHost {
  readonly api: FakeSyncApi;
  readonly credentials: SyncCredentials;
}

/**
 * @example
 * const sync = await startFakeSync();
 * spawn('node', ['uses-twilio-node.js'], { env: { ...process.env, ...sync.env } });
 * sync.api.behaviour.latencyMs = 50;
 * await sync.stop();
 */
export async function startFakeSync(credentials: Partial<SyncCredentials> = {}): Promise<FakeSync> {
  const hex = () => randomBytes(16).toString('hex');
  const full: SyncCredentials = {
    accountSid: `AC${hex()}`,
    apiKeySid: `SK${hex()}`,
    apiKeySecret: randomBytes(24).toString('base64url'),
    serviceSid: `IS${hex()}`,
    ...credentials,
  };
  const api = new FakeSyncApi(full);
  const served = await serveSingleHost(SYNC_HOST, api.handle);
  return { ...served, api, credentials: Object.freeze(full) };
}
