// Runs the Sync stand-in (tests/helpers/fake-twilio/sync-serve.ts) as a child process for the bench, in its own
// process group, and resolves once it printed where clients reach it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 20_000;

/**
 * @example const sync = await startSyncStandIn({ creds, latencyMs: 50 }); … sync.env.HTTP_PROXY …; sync.stop();
 */
export function startSyncStandIn({ creds, latencyMs = 0 }) {
  const child = spawn(
    process.execPath,
    ['scripts/run-ts.mjs', 'tests/helpers/fake-twilio/sync-serve.ts', '--latency-ms', String(latencyMs)],
    {
      cwd: projectRoot,
      detached: true,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        SYNC_STANDIN_ACCOUNT_SID: creds.accountSid,
        SYNC_STANDIN_API_KEY_SID: creds.apiKeySid,
        SYNC_STANDIN_API_KEY_SECRET: creds.apiKeySecret,
      },
    },
  );
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('exit', stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('the Sync stand-in did not start in time'));
    }, START_TIMEOUT_MS);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const { HTTP_PROXY, NODE_EXTRA_CA_CERTS, serviceSid } = JSON.parse(line);
      resolve({ env: { HTTP_PROXY, NODE_EXTRA_CA_CERTS }, serviceSid, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Sync stand-in exited (${code})`));
    });
  });
}
