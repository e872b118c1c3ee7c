/// <reference lib="dom" />
/**
 * The client matrix: real clients (curl, httpie as in the seed tutorial, python requests, Node's fetch and
 * http, Chromium's fetch and the project's own token client) against the real twilio-run. Each gets a token,
 * verified with jose and the API key secret, and each documented refusal; afterAll prints one line per
 * client and case for the release note. A missing client is skipped locally and fails when CI is set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, JSHandle } from 'playwright-core';
import type * as TokenClientModule from '../../src/assets/token-client';
import { chromiumAvailability, launchChromium, openSession, type PageSession } from '../helpers/chromium';
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpAnswer } from '../helpers/http';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { missingToolsFailTheRun } from '../helpers/tool-availability';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const CURL = '/usr/bin/curl';
const HTTPIE = '/usr/bin/http';
const PYTHON = '/usr/bin/python3';
/** Each wrong-password case has a user of its own, so the per-name throttle (5 failures) never blocks another case. */
const USERS = ['susan', 'curl-wrong', 'httpie-wrong', 'python-wrong', 'fetch-wrong', 'http-wrong', 'chromium-wrong', 'throttled'];

let credentials: TestCredentials;
let server: RunningServer;
/** A HOME for the child tools, so that none reads or writes the real one (httpie writes its config there). */
let toolHome: string;
const issuedTokens: string[] = [];

const password = (user: string) => credentials.passwords[user]!;
const tokenUrl = () => `${server.url}/token`;

beforeAll(async () => {
  credentials = newCredentials(USERS);
  toolHome = mkdtempSync(join(tmpdir(), 'client-matrix-home-'));
  // httpie would otherwise start a background check for updates on a public host.
  mkdirSync(join(toolHome, '.config', 'httpie'), { recursive: true });
  writeFileSync(join(toolHome, '.config', 'httpie', 'config.json'), JSON.stringify({ disable_update_warnings: true }));
  server = await startServer(await environmentFor(credentials, { TOKEN_GRANTS: 'video' }));
}, 60_000);

afterAll(async () => {
  console.log(formatMatrix());
  await server?.stop();
  if (toolHome) rmSync(toolHome, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// The matrix and the two checks every case ends with.

interface MatrixRow {
  client: string;
  label: string;
  expected: string;
  got: string;
  verified: string;
}
const matrix: MatrixRow[] = [];
/** Clients in the order their cases are declared: a skipped client's row is written early but printed in its place. */
const clientOrder: string[] = [];

function formatMatrix(): string {
  const header: MatrixRow = { client: 'client', label: 'case', expected: 'expected', got: 'got', verified: 'token verified' };
  const rows = [header, ...[...matrix].sort((a, b) => clientOrder.indexOf(a.client) - clientOrder.indexOf(b.client))];
  const width = (key: keyof MatrixRow) => Math.max(...rows.map((row) => row[key].length));
  const line = (row: MatrixRow) =>
    [
      row.client.padEnd(width('client')),
      row.label.padEnd(width('label')),
      row.expected.padEnd(width('expected')),
      row.got.padEnd(width('got')),
      row.verified,
    ].join('  ');
  return ['Client matrix (POST /token through twilio-run):', ...rows.map(line)].join('\n');
}

/** Never let a generated password or secret reach a failure message or the console. */
function redact(text: string): string {
  if (!credentials) return text;
  const secrets = [credentials.sharedSecret, credentials.apiKeySecret, ...Object.values(credentials.passwords)];
  return secrets.reduce(
    (result, secret) => result.split(secret).join('[redacted]').split(encodeURIComponent(secret)).join('[redacted]'),
    text,
  );
}

function record(client: string, label: string, expected: number, answer: HttpAnswer): MatrixRow {
  const row = { client, label, expected: String(expected), got: String(answer.status), verified: 'no' };
  matrix.push(row);
  return row;
}

/** Every answer is JSON that no cache keeps. */
function expectJsonNoStore(answer: HttpAnswer): void {
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['pragma']).toBe('no-cache');
}

/** 200 with a token that jose verifies with the API key secret, for exactly this identity. */
async function expectToken(client: string, label: string, answer: HttpAnswer, identity: string): Promise<void> {
  const row = record(client, label, 200, answer);
  expect({ status: answer.status, error: answer.json?.error }).toEqual({ status: 200, error: undefined });
  expectJsonNoStore(answer);
  expect(answer.json.identity).toBe(identity);
  issuedTokens.push(answer.json.token);
  const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
  expect(claims.grants?.identity).toBe(identity);
  expect(claims.iss).toBe(credentials.apiKeySid);
  expect(claims.sub).toBe(credentials.accountSid);
  row.verified = 'yes';
}

/** The documented status and code, JSON and no-store, and no token anywhere in the answer. */
function expectRefusal(client: string, label: string, answer: HttpAnswer, status: number, code: string): void {
  record(client, label, status, answer);
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
  expectJsonNoStore(answer);
  expect(answer.json.token).toBeUndefined();
  expect(answer.text).not.toMatch(JWT_SHAPE);
}

// ---------------------------------------------------------------------------------------------------------
// Running the command-line clients: an argument array, never a shell; output parsed, never printed raw.

interface ToolRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function runTool(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/**
 * Children talk to loopback only: proxies from the environment are dropped, a proxy that goes nowhere
 * (the discard port) catches any request to another host, and loopback bypasses it.
 */
function loopbackOnlyEnv(): NodeJS.ProcessEnv {
  const nowhere = 'http://127.0.0.1:9';
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: toolHome,
    XDG_CONFIG_HOME: join(toolHome, '.config'),
    http_proxy: nowhere,
    https_proxy: nowhere,
    HTTP_PROXY: nowhere,
    HTTPS_PROXY: nowhere,
    no_proxy: '127.0.0.1,localhost',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

/** An HTTP answer printed as text (status line, headers, blank line, body), as curl -D - and httpie --print=hb do. */
function parseHttpText(text: string): HttpAnswer {
  const split = /\r?\n\r?\n/.exec(text);
  const head = split ? text.slice(0, split.index) : text;
  const body = split ? text.slice(split.index + split[0].length) : '';
  const [statusLine = '', ...headerLines] = head.split(/\r?\n/);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const headerLine of headerLines) {
    const colon = headerLine.indexOf(':');
    if (colon <= 0) continue;
    const name = headerLine.slice(0, colon).trim().toLowerCase();
    const value = headerLine.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers, text: body, json };
}

function toolFailed(tool: string, run: ToolRun): Error {
  return new Error(`${tool} exited with ${run.exitCode}: ${redact(run.stderr).slice(0, 500)}`);
}

// ---------------------------------------------------------------------------------------------------------
// One describe per client; a missing client is skipped with a warning, or fails when CI is set.

type Availability = { available: true } | { available: false; reason: string };

function describeClient(client: string, availability: Availability, cases: () => void): void {
  clientOrder.push(client);
  if (availability.available) {
    describe(client, cases);
    return;
  }
  if (missingToolsFailTheRun()) {
    matrix.push({ client, label: '(every case)', expected: '-', got: 'MISSING', verified: '-' });
    describe(client, () => {
      it('is installed (CI installs it)', () => {
        throw new Error(`CI is set but ${availability.reason}`);
      });
    });
    return;
  }
  console.warn(`Skipping the ${client} cases of the client matrix: ${availability.reason}`);
  matrix.push({ client, label: '(every case)', expected: '-', got: 'skipped', verified: '-' });
  describe.skip(client, cases);
}

const installed = (path: string, hint: string): Availability =>
  existsSync(path) ? { available: true } : { available: false, reason: `${path} is missing; ${hint}` };

function pythonRequestsAvailability(): Availability {
  if (!existsSync(PYTHON)) return { available: false, reason: `${PYTHON} is missing; install it with: apt-get install python3-requests` };
  const probe = spawnSync(PYTHON, ['-c', 'import requests'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0
    ? { available: true }
    : { available: false, reason: `${PYTHON} cannot import requests; install it with: apt-get install python3-requests` };
}

// ---------------------------------------------------------------------------------------------------------
// curl

describeClient('curl', installed(CURL, 'install it with: apt-get install curl'), () => {
  /** -q first: no ~/.curlrc; -D -: the status line and headers, then the body; no proxy for loopback. */
  async function curl(...args: string[]): Promise<HttpAnswer> {
    const run = await runTool(CURL, ['-q', '-s', '-S', '--noproxy', '*', '--max-time', '15', '-D', '-', ...args]);
    if (run.exitCode !== 0) throw toolFailed('curl', run);
    return parseHttpText(run.stdout);
  }

  it('curl -X POST -u susan:PW …/token, with no body at all (the most common Basic call)', async () => {
    await expectToken(
      'curl',
      '-X POST -u susan:PW (no body)',
      await curl('-X', 'POST', '-u', `susan:${password('susan')}`, tokenUrl()),
      'susan',
    );
  });

  it("curl -u susan:PW -d '{}' -H 'Content-Type: application/json' (README's first example)", async () => {
    const answer = await curl('-u', `susan:${password('susan')}`, '-d', '{}', '-H', 'Content-Type: application/json', tokenUrl());
    await expectToken('curl', "-u susan:PW -d '{}' JSON", answer, 'susan');
  });

  it('Bearer shared secret with a JSON body {"identity": "alice"}', async () => {
    const answer = await curl(
      '-H',
      `Authorization: Bearer ${credentials.sharedSecret}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({ identity: 'alice' }),
      tokenUrl(),
    );
    await expectToken('curl', 'Bearer + JSON {identity}', answer, 'alice');
  });

  it("the tutorial's JSON body {username, password}", async () => {
    const body = JSON.stringify({ username: 'susan', password: password('susan') });
    await expectToken(
      'curl',
      'JSON {username,password}',
      await curl('-H', 'Content-Type: application/json', '-d', body, tokenUrl()),
      'susan',
    );
  });

  it('a form body (-d identity=…) with the shared secret as Bearer', async () => {
    const answer = await curl('-H', `Authorization: Bearer ${credentials.sharedSecret}`, '-d', 'identity=curl-form', tokenUrl());
    await expectToken('curl', 'Bearer + form identity=', answer, 'curl-form');
  });

  it('no credentials: 401 missing_credentials with a Basic challenge (so that curl -u susan would prompt)', async () => {
    const answer = await curl('-X', 'POST', tokenUrl());
    expectRefusal('curl', 'no credentials', answer, 401, 'missing_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/(^|, )Basic realm="twilio-access-token"/);
    expect(answer.headers['www-authenticate']).toMatch(/(^|, )Bearer realm="twilio-access-token"/);
    expect(answer.json.error.schemes).toEqual(['basic', 'bearer']);
  });

  it('a wrong password: 401 invalid_credentials', async () => {
    const answer = await curl('-X', 'POST', '-u', `curl-wrong:${password('curl-wrong')}x`, tokenUrl());
    expectRefusal('curl', 'wrong password', answer, 401, 'invalid_credentials');
  });

  it("credentials in the query string: 400 invalid_request, and the password never reaches the server's output", async () => {
    const query = new URLSearchParams({ username: 'susan', password: password('susan') }).toString();
    const logCursor = server.output().length;
    const answer = await curl('-X', 'POST', `${tokenUrl()}?${query}`);
    expectRefusal('curl', 'credentials in query string', answer, 400, 'invalid_request');
    expect(answer.json.error.message).toMatch(/never accepted in the URL/);
    await server.waitForOutput(/"code":"invalid_request"/, { since: logCursor });
    const output = server.output();
    expect(output).toMatch(/"code":"invalid_request"/);
    expect(output.includes(password('susan'))).toBe(false);
    expect(output.includes(encodeURIComponent(password('susan')))).toBe(false);
    expect(output.includes(query)).toBe(false);
  });

  it('a text/plain body: 415 unsupported_media_type', async () => {
    const answer = await curl('-u', `susan:${password('susan')}`, '-H', 'Content-Type: text/plain', '-d', 'hello', tokenUrl());
    expectRefusal('curl', 'text/plain body', answer, 415, 'unsupported_media_type');
  });
});

// ---------------------------------------------------------------------------------------------------------
// httpie: the seed tutorial's own commands

describeClient('httpie', installed(HTTPIE, 'install it with: apt-get install httpie'), () => {
  /**
   * --ignore-stdin: httpie reads a non-TTY stdin as the body; --print=hb: response headers and body;
   * --check-status: exit 4 on a 4xx (checked against the status).
   */
  async function http(...args: string[]): Promise<HttpAnswer> {
    const run = await runTool(HTTPIE, ['--ignore-stdin', '--print=hb', '--check-status', '--timeout=15', ...args], {
      env: loopbackOnlyEnv(),
    });
    const answer = parseHttpText(run.stdout);
    if (answer.status === 0) throw toolFailed('http', run);
    expect(run.exitCode).toBe(answer.status >= 500 ? 5 : answer.status >= 400 ? 4 : 0);
    return answer;
  }

  it("the tutorial's `http POST …/token username=susan password=…`: 200 with a token", async () => {
    const answer = await http('POST', tokenUrl(), 'username=susan', `password=${password('susan')}`);
    await expectToken('httpie', 'POST username= password= (tutorial)', answer, 'susan');
  });

  it("the tutorial's `http POST …/token username=susan` (no password): 401 missing_credentials", async () => {
    const answer = await http('POST', tokenUrl(), 'username=susan');
    expectRefusal('httpie', 'POST username= only (tutorial)', answer, 401, 'missing_credentials');
  });

  it('http -a susan:PW POST …/token (Basic)', async () => {
    await expectToken('httpie', '-a susan:PW POST (Basic)', await http('-a', `susan:${password('susan')}`, 'POST', tokenUrl()), 'susan');
  });

  it("http POST …/token 'Authorization:Bearer SECRET' identity=alice", async () => {
    const answer = await http('POST', tokenUrl(), `Authorization:Bearer ${credentials.sharedSecret}`, 'identity=alice');
    await expectToken('httpie', 'Authorization:Bearer identity=alice', answer, 'alice');
  });

  it('a wrong password: 401 invalid_credentials', async () => {
    const answer = await http('POST', tokenUrl(), 'username=httpie-wrong', `password=${password('httpie-wrong')}x`);
    expectRefusal('httpie', 'wrong password', answer, 401, 'invalid_credentials');
  });
});

// ---------------------------------------------------------------------------------------------------------
// python requests (Debian's python3-requests under /usr/bin/python3, not a pyenv shim)

/** Reads {url, user, password, secret, wrongUser, wrongPassword} from stdin; prints one JSON answer per case. */
const PYTHON_CASES = `
import json, sys
import requests

given = json.load(sys.stdin)
url = given['url']

def answer(label, response):
    return {'label': label, 'status': response.status_code,
            'headers': {name.lower(): value for name, value in response.headers.items()}, 'text': response.text}

results = [
    answer('post(url, auth=(susan, pw)) (no body)', requests.post(url, auth=(given['user'], given['password']), timeout=15)),
    answer('post(url, json={identity}, Bearer)',
           requests.post(url, json={'identity': 'alice'}, headers={'Authorization': 'Bearer ' + given['secret']}, timeout=15)),
    answer('post(url, json={username,password})',
           requests.post(url, json={'username': given['user'], 'password': given['password']}, timeout=15)),
    answer('wrong password', requests.post(url, auth=(given['wrongUser'], given['wrongPassword']), timeout=15)),
    answer('no credentials', requests.post(url, timeout=15)),
]
print(json.dumps(results))
`;

describeClient('python requests', pythonRequestsAvailability(), () => {
  const answers = new Map<string, HttpAnswer>();

  beforeAll(async () => {
    const input = JSON.stringify({
      url: tokenUrl(),
      user: 'susan',
      password: password('susan'),
      secret: credentials.sharedSecret,
      wrongUser: 'python-wrong',
      wrongPassword: `${password('python-wrong')}x`,
    });
    const run = await runTool(PYTHON, ['-c', PYTHON_CASES], { env: loopbackOnlyEnv(), input });
    if (run.exitCode !== 0) throw toolFailed('python3', run);
    for (const result of JSON.parse(run.stdout) as { label: string; status: number; headers: Record<string, string>; text: string }[]) {
      let json: unknown;
      try {
        json = JSON.parse(result.text);
      } catch {
        json = undefined;
      }
      answers.set(result.label, { status: result.status, headers: result.headers, text: result.text, json });
    }
  }, 30_000);

  const answerTo = (label: string): HttpAnswer => {
    const answer = answers.get(label);
    if (!answer) throw new Error(`the python script gave no answer for "${label}"`);
    return answer;
  };

  it("requests.post(url, auth=('susan', pw)), with no body", async () => {
    await expectToken('python requests', 'post(auth=(susan,pw)) no body', answerTo('post(url, auth=(susan, pw)) (no body)'), 'susan');
  });

  it("requests.post(url, json={'identity': 'alice'}, headers={'Authorization': 'Bearer …'})", async () => {
    await expectToken('python requests', 'post(json={identity}, Bearer)', answerTo('post(url, json={identity}, Bearer)'), 'alice');
  });

  it("requests.post(url, json={'username': 'susan', 'password': pw}) (the tutorial's body)", async () => {
    await expectToken('python requests', 'post(json={username,password})', answerTo('post(url, json={username,password})'), 'susan');
  });

  it('a wrong password: 401 invalid_credentials', () => {
    expectRefusal('python requests', 'wrong password', answerTo('wrong password'), 401, 'invalid_credentials');
  });

  it('no credentials: 401 missing_credentials with a Basic challenge', () => {
    const answer = answerTo('no credentials');
    expectRefusal('python requests', 'no credentials', answer, 401, 'missing_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/(^|, )Basic realm=/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Node's fetch (undici), in-process

describeClient('node fetch', { available: true }, () => {
  async function nodeFetch(init: RequestInit): Promise<HttpAnswer> {
    const response = await fetch(tokenUrl(), { method: 'POST', redirect: 'error', ...init });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers, text, json };
  }

  it('a Basic header, no body', async () => {
    await expectToken(
      'node fetch',
      'Basic header, no body',
      await nodeFetch({ headers: { authorization: basicHeader('susan', password('susan')) } }),
      'susan',
    );
  });

  it('credentials in a JSON body {username, password}', async () => {
    const answer = await nodeFetch({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'susan', password: password('susan') }),
    });
    await expectToken('node fetch', 'JSON {username,password}', answer, 'susan');
  });

  it('a form body (URLSearchParams) with access_token and identity', async () => {
    const answer = await nodeFetch({ body: new URLSearchParams({ access_token: credentials.sharedSecret, identity: 'fetch-form' }) });
    await expectToken('node fetch', 'form access_token+identity', answer, 'fetch-form');
  });

  it('a Bearer header with a JSON identity', async () => {
    const answer = await nodeFetch({
      headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ identity: 'alice' }),
    });
    await expectToken('node fetch', 'Bearer + JSON {identity}', answer, 'alice');
  });

  it('a wrong password: 401 invalid_credentials', async () => {
    const answer = await nodeFetch({ headers: { authorization: basicHeader('fetch-wrong', `${password('fetch-wrong')}x`) } });
    expectRefusal('node fetch', 'wrong password', answer, 401, 'invalid_credentials');
  });

  it('{"username": "susan"} without a password: 401 missing_credentials', async () => {
    const answer = await nodeFetch({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'susan' }) });
    expectRefusal('node fetch', 'JSON {username} only', answer, 401, 'missing_credentials');
  });

  it('no credentials: 401 missing_credentials, Bearer challenge (fetch sends Sec-Fetch-Mode, so no Basic one)', async () => {
    const answer = await nodeFetch({});
    expectRefusal('node fetch', 'no credentials', answer, 401, 'missing_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(answer.headers['www-authenticate']).not.toMatch(/Basic/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Node's http module (tests/helpers/http.ts), in-process

describeClient('node http', { available: true }, () => {
  const susan = () => basicHeader('susan', password('susan'));

  it('a Basic header, no body', async () => {
    await expectToken('node http', 'Basic header, no body', await send(tokenUrl(), { headers: { authorization: susan() } }), 'susan');
  });

  it('credentials in a form body username=…&password=…', async () => {
    const form = new URLSearchParams({ username: 'susan', password: password('susan') }).toString();
    const answer = await send(tokenUrl(), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    await expectToken('node http', 'form username+password', answer, 'susan');
  });

  it('a shared secret as access_token in a JSON body', async () => {
    const answer = await send(tokenUrl(), { json: { access_token: credentials.sharedSecret, identity: 'http-body' } });
    await expectToken('node http', 'JSON {access_token,identity}', answer, 'http-body');
  });

  it('a wrong password: 401 invalid_credentials', async () => {
    const answer = await send(tokenUrl(), {
      json: {},
      headers: { authorization: basicHeader('http-wrong', `${password('http-wrong')}x`) },
    });
    expectRefusal('node http', 'wrong password', answer, 401, 'invalid_credentials');
  });

  it('an origin not in ALLOWED_ORIGINS: 403 origin_not_allowed, even with the right password', async () => {
    const answer = await send(tokenUrl(), { json: {}, headers: { authorization: susan(), origin: 'https://evil.example' } });
    expectRefusal('node http', 'origin not allowed', answer, 403, 'origin_not_allowed');
    // Readable by the refused page (so its client stops), never with credentials.
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a text/plain body: 415 unsupported_media_type', async () => {
    const answer = await send(tokenUrl(), { headers: { authorization: susan(), 'content-type': 'text/plain' }, body: 'hello' });
    expectRefusal('node http', 'text/plain body', answer, 415, 'unsupported_media_type');
  });

  it('a password in the query string: 400 invalid_request', async () => {
    const answer = await send(`${tokenUrl()}?${new URLSearchParams({ username: 'susan', password: password('susan') })}`, {
      method: 'POST',
    });
    expectRefusal('node http', 'credentials in query string', answer, 400, 'invalid_request');
  });

  it('five wrong passwords for one name, then 429 too_many_attempts with Retry-After, even for the right one', async () => {
    const wrong = () => send(tokenUrl(), { json: {}, headers: { authorization: basicHeader('throttled', `${password('throttled')}x`) } });
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await wrong()).status).toBe(401);
    const sixth = await wrong();
    expectRefusal('node http', '6th wrong password', sixth, 429, 'too_many_attempts');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    const right = await send(tokenUrl(), { json: {}, headers: { authorization: basicHeader('throttled', password('throttled')) } });
    expectRefusal('node http', 'right password while throttled', right, 429, 'too_many_attempts');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Chromium: fetch from the service's own page, and the project's token client

const chromiumState = chromiumAvailability();
describeClient('chromium', chromiumState.available ? { available: true } : { available: false, reason: chromiumState.reason }, () => {
  let browser: Browser;
  let session: PageSession;

  beforeAll(async () => {
    browser = await launchChromium();
    session = await openSession(browser);
    await session.page.goto(`${server.url}/`);
  }, 30_000);

  afterAll(async () => {
    await session?.close();
    await browser?.close();
  });

  /** fetch('/token') inside the page (same origin); credentials reach the page as arguments, never in its source. */
  function pageFetch(init: { headers?: Record<string, string>; body?: string }): Promise<HttpAnswer> {
    return session.page.evaluate(async ({ headers, body }) => {
      const response = await fetch('/token', { method: 'POST', ...(headers && { headers }), ...(body !== undefined && { body }) });
      const seen: Record<string, string> = {};
      response.headers.forEach((value, name) => (seen[name] = value));
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: seen, text, json };
    }, init) as Promise<HttpAnswer>;
  }

  it('fetch with a Basic header, from the service page', async () => {
    const answer = await pageFetch({ headers: { Authorization: basicHeader('susan', password('susan')) } });
    await expectToken('chromium', 'fetch, Basic header', answer, 'susan');
  });

  it('fetch with a JSON body {username, password}', async () => {
    const answer = await pageFetch({
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'susan', password: password('susan') }),
    });
    await expectToken('chromium', 'fetch, JSON {username,password}', answer, 'susan');
  });

  it("the project's token client from /token-client.js with default options", async () => {
    const { page } = session;
    // A string, not a function: the test's own TypeScript would compile import() into require().
    const tokenClient = (await page.evaluateHandle("import('/token-client.js')")) as JSHandle<typeof TokenClientModule>;
    const responded = page.waitForResponse((response) => response.url() === tokenUrl());
    const issued = await tokenClient.evaluate(
      async (module, { username, password: secret }) => {
        const client = module.createTokenClient({ credentials: { kind: 'basic', username, password: secret } });
        try {
          return await client.start();
        } finally {
          client.stop();
        }
      },
      { username: 'susan', password: password('susan') },
    );
    const response = await responded;
    // What the service sent, read from the network, not what the client made of it.
    const text = await response.text();
    const answer: HttpAnswer = { status: response.status(), headers: await response.allHeaders(), text, json: JSON.parse(text) };
    await expectToken('chromium', 'token-client.js start()', answer, 'susan');
    expect(issued.token).toBe(answer.json.token);
    expect(issued.grants).toEqual(['video']);
  });

  it('a wrong password: 401 with no Basic challenge, so no browser login dialog', async () => {
    const answer = await pageFetch({ headers: { Authorization: basicHeader('chromium-wrong', `${password('chromium-wrong')}x`) } });
    expectRefusal('chromium', 'fetch, wrong password', answer, 401, 'invalid_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(answer.headers['www-authenticate']).not.toMatch(/Basic/);
    expect(session.dialogs).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(session.page.url()).toBe(`${server.url}/`);
  });
});

// ---------------------------------------------------------------------------------------------------------

it("no password, secret or issued token appears in the server's output", async () => {
  // Each issued token has its line: once they are all in, the tokens' absence from the output means something.
  await server.waitForOutput(/"outcome":"issued"/, { count: issuedTokens.length });
  const output = server.output();
  expect(output).toMatch(/"outcome":"issued"/);
  const secrets: [string, string][] = [
    ['the shared secret', credentials.sharedSecret],
    ['the API key secret', credentials.apiKeySecret],
    ...Object.entries(credentials.passwords).map(([user, secret]): [string, string] => [`the password of ${user}`, secret]),
    ...issuedTokens.map((token, i): [string, string] => [`issued token #${i + 1}`, token]),
  ];
  expect(issuedTokens.length).toBeGreaterThan(0);
  // Only the names of what leaked are reported, never the values.
  const leaked = secrets
    .filter(([, secret]) => output.includes(secret) || output.includes(encodeURIComponent(secret)))
    .map(([what]) => what);
  expect(leaked).toEqual([]);
});
