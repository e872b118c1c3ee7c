/** npm run smoke -- URL against the real twilio-run: every check passes on a good service and names what is wrong on a broken one. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const root = join(__dirname, '..', '..');
let credentials: TestCredentials;
let good: RunningServer;
let broken: RunningServer;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  [good, broken] = await Promise.all([
    startServer(await environmentFor(credentials)),
    startServer(await environmentFor(credentials, { TWILIO_API_KEY_SID: 'SKnot-a-sid' })),
  ]);
}, 60_000);

afterAll(async () => {
  await good?.stop();
  await broken?.stop();
});

function smoke(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'scripts', 'run-ts.mjs'), 'src/cli/smoke.ts', ...args], { cwd: root, env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

it('passes every check on a good service: /health, the demo page, /token without credentials, the client and the OpenAPI file', async () => {
  const result = await smoke([good.url]);
  expect(result.code).toBe(0);
  expect(result.stdout.split('\n').filter((line) => line.startsWith('  ✓'))).toEqual([
    '  ✓ GET /health',
    '  ✓ GET / (the demo page)',
    '  ✓ POST /token without credentials',
    '  ✓ GET /token-client.js',
    '  ✓ GET /openapi.json',
  ]);
  expect(result.stdout).toMatch(/all checks passed/);
}, 30_000);

it('fails on a misconfigured service, naming the variable and never a value', async () => {
  const result = await smoke([broken.url]);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/✗ GET \/health: 503 misconfigured: TWILIO_API_KEY_SID: TWILIO_API_KEY_SID must start with SK/);
  expect(result.stdout).toMatch(/✗ POST \/token without credentials: expected 401 missing_credentials, got 500 server_misconfigured/);
  expect(result.stdout).not.toContain('SKnot-a-sid');
  expect(result.stdout).toMatch(/FAILED/);
}, 30_000);

it('fails when nothing answers, and loopback URLs never go through HTTP_PROXY', async () => {
  const result = await smoke([`http://127.0.0.1:${good.port}`], { HTTP_PROXY: 'http://127.0.0.1:9' });
  expect(result.code).toBe(0);
  const nothing = await smoke(['http://127.0.0.1:9']);
  expect(nothing.code).toBe(1);
  expect(nothing.stdout).toMatch(/✗ GET \/health: .*ECONNREFUSED/);
}, 30_000);

it('refuses a URL with credentials or a query string, and other arguments, with exit code 2', async () => {
  for (const args of [[`http://user:pw@127.0.0.1:${good.port}`], [`${good.url}/?x=1`], [], ['--bogus', good.url], ['ftp://example.com']]) {
    const result = await smoke(args);
    expect({ args, code: result.code }).toEqual({ args, code: 2 });
    expect(result.stdout).toBe('');
  }
}, 60_000);
