/** npm run smoke -- URL against the real twilio-run: every check passes on a good service and names what is wrong on a broken one. */
import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    execFile(
      process.execPath,
      [join(root, 'scripts', 'run-ts.mjs'), 'src/cli/smoke.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

it('passes every check on a good service: /health, the demo page, /token without and with body credentials, the client and the OpenAPI file', async () => {
  const result = await smoke([good.url]);
  expect(result.code).toBe(0);
  expect(result.stdout.split('\n').filter((line) => line.startsWith('  ✓'))).toEqual([
    '  ✓ GET /health',
    '  ✓ GET / (the demo page)',
    '  ✓ POST /token without credentials',
    '  ✓ POST /token with credentials in a JSON body',
    '  ✓ GET /token-client.js',
    '  ✓ GET /openapi.json',
  ]);
  expect(result.stdout).toMatch(/all checks passed/);
}, 30_000);

it('fails on a misconfigured service, naming the variable and never a value', async () => {
  const result = await smoke([broken.url]);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(
    /✗ GET \/health: 503 misconfigured: TWILIO_API_KEY_SID: TWILIO_API_KEY_SID must be SK followed by 32 hexadecimal digits/,
  );
  expect(result.stdout).toMatch(/✗ POST \/token without credentials: expected 401 missing_credentials, got 500 server_misconfigured/);
  expect(result.stdout).not.toContain('SKnot-a-sid');
  // Users are configured: the body check is skipped because /health failed, not for want of a sign-in method.
  expect(result.stdout).toContain(
    '  - POST /token with credentials in a JSON body: skipped (GET /health failed, so the sign-in methods are unknown)',
  );
  expect(result.stdout).toMatch(/FAILED/);
}, 30_000);

it('fails on a service that signs with placeholder credentials, naming the settings and never a value', async () => {
  const placeholderSid = `AC${'0'.repeat(32)}`;
  const server = await startServer(await environmentFor(credentials, { TWILIO_ACCOUNT_SID: placeholderSid }));
  try {
    const result = await smoke([server.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '  ✗ GET /health: tokens are signed with placeholder credentials (TWILIO_ACCOUNT_SID): Twilio refuses them; set the real values and deploy again',
    );
    expect(result.stdout).not.toContain(placeholderSid);
  } finally {
    await server.stop();
  }
}, 60_000);

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

/** A loopback edge that passes requests on to `port` with their bodies chunked: no Content-Length reaches the function. */
async function startRechunkingEdge(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers['content-length'];
    const upstream = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...headers, 'transfer-encoding': 'chunked' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: edgePort } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${edgePort}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

it('fails when the edge in front drops Content-Length, since credentials in a body then cannot work', async () => {
  const edge = await startRechunkingEdge(good.port);
  try {
    const result = await smoke([edge.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✓ POST \/token without credentials/);
    expect(result.stdout).toMatch(
      /✗ POST \/token with credentials in a JSON body: refused as .*Content-Length.*send them in the Authorization header/,
    );
  } finally {
    await edge.close();
  }
}, 30_000);
