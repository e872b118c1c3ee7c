/**
 * The Sync stand-in as a process of its own, for the bench: reads the credentials it accepts from the environment
 * (never argv), prints one JSON line with HTTP_PROXY and NODE_EXTRA_CA_CERTS for the client, and stops when its
 * stdin closes. `--latency-ms N` delays every answer.
 */
import { startFakeSync } from './sync-stand-in';

async function main(): Promise<void> {
  const latencyArg = process.argv.indexOf('--latency-ms');
  const latencyMs = latencyArg === -1 ? 0 : Number(process.argv[latencyArg + 1]);
  const { SYNC_STANDIN_ACCOUNT_SID, SYNC_STANDIN_API_KEY_SID, SYNC_STANDIN_API_KEY_SECRET, SYNC_STANDIN_SERVICE_SID } = process.env;
  const sync = await startFakeSync({
    ...(SYNC_STANDIN_ACCOUNT_SID && { accountSid: SYNC_STANDIN_ACCOUNT_SID }),
    ...(SYNC_STANDIN_API_KEY_SID && { apiKeySid: SYNC_STANDIN_API_KEY_SID }),
    ...(SYNC_STANDIN_API_KEY_SECRET && { apiKeySecret: SYNC_STANDIN_API_KEY_SECRET }),
    ...(SYNC_STANDIN_SERVICE_SID && { serviceSid: SYNC_STANDIN_SERVICE_SID }),
  });
  sync.api.behaviour.latencyMs = Number.isFinite(latencyMs) ? latencyMs : 0;
  process.stdout.write(`${JSON.stringify({ ...sync.env, serviceSid: sync.credentials.serviceSid })}\n`);
  const stop = () => void sync.stop().then(() => process.exit(0));
  process.stdin.on('end', stop).on('close', stop).resume();
  process.on('SIGTERM', stop);
}

void main();
