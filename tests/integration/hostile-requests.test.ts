/**
 * Hostile and malformed requests through the real twilio-run server: each gets its documented status
 * and error code as JSON, none gets a 5xx or a token, and each leaves exactly one log line. Then the
 * brute-force throttle and the verified-credentials cache, seen from outside, and a log scan of the run.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ERROR_STATUS } from '../../src/lib/base/errors';
import { DEFAULT_CHECK_QUEUE_LIMITS } from '../../src/lib/auth/password-check-queue';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpAnswer, type HttpCall } from '../helpers/http';
import { anyRequest } from '../helpers/request-arbitraries';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const ALLOWED_ORIGIN = 'https://app.example';
const REFUSAL_DEADLINE_MS = DEFAULT_CHECK_QUEUE_LIMITS.refusalDeadlineMs;
let credentials: TestCredentials;
let env: Record<string, string>;
let server: RunningServer;
const issuedTokens: string[] = [];
/** How many requests reached the function (and so must each have left one log line). */
let functionRequests = 0;

beforeAll(async () => {
  credentials = newCredentials(['alice', 'bob', 'carol', 'dave', 'josé']);
  env = await environmentFor(credentials, {
    TOKEN_GRANTS: 'video,chat',
    CONVERSATIONS_SERVICE_SID: newSid('IS'),
    TOKEN_TTL: '1800',
    TOKEN_MAX_TTL: '3600',
    ALLOWED_ORIGINS: ALLOWED_ORIGIN,
  });
  server = await startServer(env);
  functionRequests = 1; // the readiness probe
  await newLogEntries(1);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

interface LogEntry {
  event: string;
  outcome: string;
  status: number;
  code?: string;
  identity?: string;
  grants?: string[];
  durationMs: number;
}

const LOG_LINE = /^\{"event":"token_request"/;
function logEntries(): LogEntry[] {
  return server
    .output()
    .split('\n')
    .filter((line) => LOG_LINE.test(line))
    .map((line) => JSON.parse(line) as LogEntry);
}

let logCursor = 0;
/** The log lines written since the last call, once `expected` of them have arrived. */
async function newLogEntries(expected: number): Promise<LogEntry[]> {
  if (expected > 0) await server.waitForOutput(LOG_LINE, { count: logCursor + expected });
  let entries = logEntries();
  if (expected === 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    entries = logEntries();
  }
  const fresh = entries.slice(logCursor);
  logCursor = entries.length;
  return fresh;
}

async function post(call: HttpCall, path = '/token'): Promise<HttpAnswer> {
  const answer = await send(`${server.url}${path}`, call);
  if (answer.status === 200) issuedTokens.push(answer.json.token);
  return answer;
}

const json = (body: unknown, headers: Record<string, string | string[]> = {}): HttpCall => ({ json: body, headers });
const raw = (contentType: string | undefined, body: string, headers: Record<string, string | string[]> = {}): HttpCall => ({
  headers: { ...(contentType !== undefined && { 'content-type': contentType }), ...headers },
  body,
});
const form = (body: string, headers: Record<string, string | string[]> = {}) => raw('application/x-www-form-urlencoded', body, headers);
const bearerHeader = () => ({ authorization: `Bearer ${credentials.sharedSecret}` });
const withBearer = (body: unknown) => json(body, bearerHeader());
const b64 = (bytes: string | Buffer) => Buffer.from(bytes).toString('base64');
/** Wrong Basic credentials for a user name no other case uses, so the per-name throttle never interferes. */
let unknownUser = 0;
const freshName = () => `hostile-${++unknownUser}`;

interface HostileCase {
  readonly name: string;
  readonly call: () => HttpCall;
  readonly status: number;
  readonly code: string;
  readonly path?: string;
}

const hostileCases: HostileCase[] = [
  // The Authorization header: Basic
  {
    name: 'Basic credentials that are not base64',
    call: () => json({}, { authorization: 'Basic !!!notbase64' }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Basic base64 without its padding',
    call: () => json({}, { authorization: `Basic ${b64('alice:x').replace(/=+$/, '')}` }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Basic credentials without a colon',
    call: () => json({}, { authorization: `Basic ${b64('alice')}` }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Basic with an empty user name',
    call: () => json({}, { authorization: basicHeader('', credentials.passwords.alice!) }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'Basic with an empty password',
    call: () => json({}, { authorization: basicHeader('alice', '') }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'Basic with a colon in a wrong password',
    call: () => json({}, { authorization: basicHeader(freshName(), 'pw:with:colons') }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'Basic credentials that are not UTF-8',
    call: () => json({}, { authorization: `Basic ${b64(Buffer.from([0x61, 0x3a, 0xff, 0xfe]))}` }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Basic credentials with an overlong UTF-8 encoding',
    call: () => json({}, { authorization: `Basic ${b64(Buffer.from([0xc0, 0xba, 0x61]))}` }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'a user name that only NFKC (not NFC) folds to a real one, with its password',
    call: () => json({}, { authorization: basicHeader('ａｌｉｃｅ', credentials.passwords.alice!) }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'a decomposed (NFD) user name with a wrong password',
    call: () => json({}, { authorization: basicHeader('jose\u0301', 'wrong') }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'a user name with a trailing space and the right password',
    call: () => json({}, { authorization: basicHeader('bob ', credentials.passwords.bob!) }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'a 10 kB Basic header (7,000-character user name)',
    call: () => json({}, { authorization: basicHeader('u'.repeat(7000), 'x') }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'a 10 kB Bearer header',
    call: () => json({ identity: 'a' }, { authorization: `Bearer ${'A'.repeat(10_000)}` }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'two Authorization headers',
    call: () => json({}, { authorization: [basicHeader('alice', credentials.passwords.alice!), `Bearer ${credentials.sharedSecret}`] }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'scheme in lower case with a wrong password',
    call: () => json({}, { authorization: `basic ${b64(`${freshName()}:x`)}` }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'scheme in mixed case with a wrong secret',
    call: () => json({ identity: 'a' }, { authorization: `bEaReR ${credentials.sharedSecret}x` }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'several spaces after the scheme, wrong password',
    call: () => json({}, { authorization: `Basic    ${b64(`${freshName()}:x`)}` }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'a tab instead of a space after the scheme',
    call: () => json({}, { authorization: `Basic\t${b64('alice:x')}` }),
    status: 400,
    code: 'invalid_authorization',
  },
  { name: 'the scheme alone', call: () => json({}, { authorization: 'Basic' }), status: 400, code: 'invalid_authorization' },
  {
    name: 'Bearer with an empty secret',
    call: () => json({ identity: 'a' }, { authorization: 'Bearer ' }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Bearer with a whitespace-only secret',
    call: () => json({ identity: 'a' }, { authorization: 'Bearer  \t ' }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Bearer with a space inside the secret',
    call: () =>
      json({ identity: 'a' }, { authorization: `Bearer ${credentials.sharedSecret.slice(0, 10)} ${credentials.sharedSecret.slice(10)}` }),
    status: 400,
    code: 'invalid_authorization',
  },
  {
    name: 'Bearer with the secret and an extra "="',
    call: () => json({ identity: 'a' }, { authorization: `Bearer ${credentials.sharedSecret}=` }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'Bearer with the API key secret',
    call: () => json({ identity: 'a' }, { authorization: `Bearer ${credentials.apiKeySecret}` }),
    status: 401,
    code: 'invalid_credentials',
  },
  {
    name: 'an unsupported scheme (Digest)',
    call: () => json({}, { authorization: 'Digest username="alice"' }),
    status: 401,
    code: 'unsupported_authorization_scheme',
  },
  {
    name: 'a scheme that is not a token',
    call: () => json({}, { authorization: '"Basic" abc' }),
    status: 400,
    code: 'invalid_authorization',
  },
  // The runtime merges body and query keys into the event, and `request` holds the headers.
  { name: 'a form field request=x', call: () => form('request=x'), status: 400, code: 'invalid_request' },
  { name: 'a JSON key request that is a string', call: () => json({ request: 'x' }, bearerHeader()), status: 400, code: 'invalid_request' },
  { name: 'a JSON key request that is null', call: () => json({ request: null }, bearerHeader()), status: 400, code: 'invalid_request' },
  {
    name: 'a JSON key request whose headers are a string',
    call: () => json({ request: { headers: 'x' } }, bearerHeader()),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a JSON key request whose headers hold a number',
    call: () => json({ request: { headers: { authorization: 1 } } }, bearerHeader()),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a query parameter request=x',
    call: () => withBearer({ identity: 'a' }),
    path: '/token?request=x',
    status: 400,
    code: 'invalid_request',
  },
  // Field types
  { name: 'identity as an array', call: () => withBearer({ identity: ['a'] }), status: 400, code: 'invalid_request' },
  { name: 'identity as an object', call: () => withBearer({ identity: { name: 'a' } }), status: 400, code: 'invalid_request' },
  { name: 'identity as a number', call: () => withBearer({ identity: 42 }), status: 400, code: 'invalid_request' },
  { name: 'identity as JSON null', call: () => withBearer({ identity: null }), status: 400, code: 'invalid_request' },
  {
    name: 'identity as deeply nested JSON (2,000 levels)',
    call: () => raw('application/json', `{"identity":${'['.repeat(2000)}${']'.repeat(2000)}}`, bearerHeader()),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'identity of 2,000 characters (over the field limit)',
    call: () => withBearer({ identity: 'x'.repeat(2000) }),
    status: 400,
    code: 'invalid_request',
  },
  { name: 'username as a number', call: () => json({ username: 7, password: 'x' }), status: 400, code: 'invalid_request' },
  {
    name: 'username without password (401, as the tutorial answers)',
    call: () => json({ username: 'alice' }),
    status: 401,
    code: 'missing_credentials',
  },
  {
    name: 'credentials in both the header and the body',
    call: () => json({ username: 'alice', password: 'x' }, { authorization: basicHeader('alice', credentials.passwords.alice!) }),
    status: 400,
    code: 'invalid_request',
  },
  // Identities
  { name: 'an empty identity', call: () => withBearer({ identity: '' }), status: 400, code: 'invalid_identity' },
  { name: 'no identity with a shared secret', call: () => withBearer({}), status: 400, code: 'invalid_identity' },
  {
    name: 'an identity with a control character',
    call: () => withBearer({ identity: 'eve\u0000' }),
    status: 400,
    code: 'invalid_identity',
  },
  {
    name: 'an identity with a bidi override',
    call: () => withBearer({ identity: 'eve\u202egpj.exe' }),
    status: 400,
    code: 'invalid_identity',
  },
  {
    name: 'an identity with a zero-width joiner',
    call: () => withBearer({ identity: 'al\u200dice' }),
    status: 400,
    code: 'invalid_identity',
  },
  {
    name: 'an identity that is a lone surrogate',
    call: () => raw('application/json', '{"identity":"\\ud800"}', bearerHeader()),
    status: 400,
    code: 'invalid_identity',
  },
  { name: 'an identity with leading white space', call: () => withBearer({ identity: ' alice' }), status: 400, code: 'invalid_identity' },
  {
    name: 'an identity over 128 bytes of UTF-8 for video',
    call: () => withBearer({ identity: 'é'.repeat(65) }),
    status: 400,
    code: 'invalid_identity',
  },
  {
    name: 'an identity that differs from the Basic user name',
    call: () => json({ identity: 'admin' }, { authorization: basicHeader('alice', credentials.passwords.alice!) }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a JSON top-level array (arrives as {"0": …}, so no identity)',
    call: () => raw('application/json', '["alice"]', bearerHeader()),
    status: 400,
    code: 'invalid_identity',
  },
  {
    name: 'an identity only on __proto__ (no prototype pollution)',
    call: () => raw('application/json', '{"__proto__":{"identity":"eve"}}', bearerHeader()),
    status: 400,
    code: 'invalid_identity',
  },
  // ttl
  { name: 'ttl as a JSON string', call: () => withBearer({ identity: 'a', ttl: '600' }), status: 400, code: 'invalid_ttl' },
  { name: 'a negative ttl', call: () => withBearer({ identity: 'a', ttl: -1 }), status: 400, code: 'invalid_ttl' },
  { name: 'a zero ttl', call: () => withBearer({ identity: 'a', ttl: 0 }), status: 400, code: 'invalid_ttl' },
  { name: 'a fractional ttl', call: () => withBearer({ identity: 'a', ttl: 600.5 }), status: 400, code: 'invalid_ttl' },
  {
    name: 'a huge ttl (1e300)',
    call: () => raw('application/json', '{"identity":"a","ttl":1e300}', bearerHeader()),
    status: 400,
    code: 'invalid_ttl',
  },
  { name: 'a ttl of 2^31 seconds', call: () => withBearer({ identity: 'a', ttl: 2 ** 31 }), status: 400, code: 'invalid_ttl' },
  { name: 'ttl as JSON null', call: () => withBearer({ identity: 'a', ttl: null }), status: 400, code: 'invalid_ttl' },
  { name: 'ttl as an array', call: () => withBearer({ identity: 'a', ttl: [600] }), status: 400, code: 'invalid_ttl' },
  { name: 'a form ttl in exponent notation', call: () => form('identity=a&ttl=1e3', bearerHeader()), status: 400, code: 'invalid_ttl' },
  { name: 'a negative form ttl', call: () => form('identity=a&ttl=-5', bearerHeader()), status: 400, code: 'invalid_ttl' },
  // grants and room
  { name: 'an unknown grant', call: () => withBearer({ identity: 'a', grants: ['fax'] }), status: 400, code: 'invalid_grants' },
  {
    name: 'a duplicated grant',
    call: () => withBearer({ identity: 'a', grants: ['video', 'video'] }),
    status: 400,
    code: 'invalid_grants',
  },
  {
    name: 'a duplicated grant in a form',
    call: () => form('identity=a&grants=chat&grants=chat', bearerHeader()),
    status: 400,
    code: 'invalid_grants',
  },
  { name: 'an empty grant list', call: () => withBearer({ identity: 'a', grants: [] }), status: 400, code: 'invalid_grants' },
  { name: 'grants as an object', call: () => withBearer({ identity: 'a', grants: { video: true } }), status: 400, code: 'invalid_grants' },
  { name: 'grants holding a number', call: () => withBearer({ identity: 'a', grants: [1] }), status: 400, code: 'invalid_grants' },
  {
    name: 'seventeen grants',
    call: () => withBearer({ identity: 'a', grants: Array(17).fill('video') }),
    status: 400,
    code: 'invalid_grants',
  },
  {
    name: 'a grant the service does not issue',
    call: () => withBearer({ identity: 'a', grants: ['voice'] }),
    status: 403,
    code: 'grant_not_allowed',
  },
  {
    name: 'a room without the video grant',
    call: () => withBearer({ identity: 'a', grants: ['chat'], room: 'r' }),
    status: 400,
    code: 'invalid_room',
  },
  { name: 'a room of 129 characters', call: () => withBearer({ identity: 'a', room: 'r'.repeat(129) }), status: 400, code: 'invalid_room' },
  // Origins
  {
    name: 'valid credentials from an origin not allowed',
    call: () => json({}, { authorization: basicHeader('alice', credentials.passwords.alice!), origin: 'https://evil.example' }),
    status: 403,
    code: 'origin_not_allowed',
  },
  {
    name: 'the null origin',
    call: () => json({ identity: 'a' }, { ...bearerHeader(), origin: 'null' }),
    status: 403,
    code: 'origin_not_allowed',
  },
  {
    name: 'two Origin headers',
    call: () => json({ identity: 'a' }, { ...bearerHeader(), origin: [ALLOWED_ORIGIN, 'https://evil.example'] }),
    status: 403,
    code: 'origin_not_allowed',
  },
  {
    name: 'an allowed origin with a path',
    call: () => json({ identity: 'a' }, { ...bearerHeader(), origin: `${ALLOWED_ORIGIN}/x` }),
    status: 403,
    code: 'origin_not_allowed',
  },
  {
    name: 'an allowed origin on another scheme',
    call: () => json({ identity: 'a' }, { ...bearerHeader(), origin: ALLOWED_ORIGIN.replace('https', 'http') }),
    status: 403,
    code: 'origin_not_allowed',
  },
  // Methods and content types
  {
    name: 'GET with a valid secret but no identity (a body-less request is a POST of its query fields)',
    call: () => ({ method: 'GET', headers: bearerHeader() }),
    status: 400,
    code: 'invalid_identity',
  },
  { name: 'DELETE without a body or credentials', call: () => ({ method: 'DELETE' }), status: 401, code: 'missing_credentials' },
  {
    name: 'a password in the query string of a body-less request',
    call: () => ({ method: 'POST' }),
    path: `/token?username=alice&password=${'p'.repeat(20)}`,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a secret smuggled in as request[headers][authorization] in the query',
    call: () => ({ method: 'GET' }),
    path: `/token?request[headers][authorization]=Bearer%20${'q'.repeat(43)}`,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'an array Host header smuggled in through the query',
    call: () => json({ identity: 'a' }, bearerHeader()),
    path: '/token?request[headers][host][]=a&request[cookies][x]=y',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'PUT with a body and a wrong secret (treated like POST)',
    call: () => ({ ...json({ identity: 'a' }, { authorization: 'Bearer wrong' }), method: 'PUT' }),
    status: 401,
    code: 'invalid_credentials',
  },
  { name: 'a text/plain body', call: () => raw('text/plain', 'identity=a', bearerHeader()), status: 415, code: 'unsupported_media_type' },
  {
    name: 'a multipart/form-data body',
    call: () =>
      raw('multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="identity"\r\n\r\na\r\n--x--', bearerHeader()),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'an application/xml body',
    call: () => raw('application/xml', '<identity>a</identity>', bearerHeader()),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a body without a Content-Type',
    call: () => raw(undefined, '{"identity":"a"}', bearerHeader()),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'two Content-Type headers',
    call: () => ({ headers: { ...bearerHeader(), 'content-type': ['application/json', 'text/plain'] }, body: '{"identity":"a"}' }),
    status: 400,
    code: 'invalid_request',
  },
  { name: 'an empty JSON body without credentials', call: () => raw('application/json', ''), status: 401, code: 'missing_credentials' },
  {
    name: 'a credential in the query string beside a small JSON body is refused',
    call: () => json({ identity: 'a' }),
    path: `/token?access_token=${'q'.repeat(43)}`,
    status: 400,
    code: 'invalid_request',
  },
];

describe(`${hostileCases.length} hostile or malformed requests through twilio-run`, () => {
  it('has at least 40 cases', () => {
    expect(hostileCases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(hostileCases.map((c) => [c.name, c] as const))('%s', async (_name, hostile) => {
    const answer = await post(hostile.call(), hostile.path);
    functionRequests++;
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: hostile.status, code: hostile.code });
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(typeof answer.json.error.message).toBe('string');
    expect(answer.json.token).toBeUndefined();
    expect(answer.text).not.toMatch(JWT_SHAPE);
    // Readable by any page only as the origin refusal, and never with credentials.
    if (answer.headers['access-control-allow-origin'] === '*') expect(hostile.code).toBe('origin_not_allowed');
    if (hostile.code === 'origin_not_allowed') expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    // Exactly one log line, telling the same story.
    const logged = await newLogEntries(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ outcome: 'refused', status: hostile.status, code: hostile.code });
  });

  it('HEAD without credentials gets 401 with no body, and the function logs it', async () => {
    const answer = await post({ method: 'HEAD' });
    functionRequests++;
    expect(answer.status).toBe(401);
    expect(answer.text).toBe('');
    expect(await newLogEntries(1)).toEqual([expect.objectContaining({ status: 401, code: 'missing_credentials' })]);
  });
});

describe('requests the runtime answers before the function runs (not JSON: twilio-run’s own error page)', () => {
  // Body-parser rejects these; the function never sees them, so it cannot shape the answer. None is a 5xx
  // and none mints a token. No real secret is sent here because the runtime echoes parse errors.
  const runtimeCases: [string, () => HttpCall, number][] = [
    ['JSON null', () => raw('application/json', 'null', { authorization: 'Bearer x' }), 400],
    ['a JSON string', () => raw('application/json', '"alice"'), 400],
    ['truncated JSON', () => raw('application/json', '{"identity":'), 400],
    ['JSON in an unsupported charset', () => raw('application/json; charset=latin1', '{"identity":"a"}'), 415],
    [
      'a body claiming gzip that is not',
      () => ({
        ...raw('application/json', '{"identity":"a"}'),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
      400,
    ],
    ['a 7 MB body', () => raw('application/json', JSON.stringify({ identity: 'a', pad: 'x'.repeat(7_000_000) })), 413],
  ];
  it.each(runtimeCases)('%s', async (_name, call, status) => {
    const answer = await post(call());
    expect(answer.status).toBe(status);
    expect(answer.text).not.toMatch(JWT_SHAPE);
    expect(await newLogEntries(0)).toEqual([]);
  });

  it('a header section over 16 kB is refused by Node with 431 before the runtime', async () => {
    const answer = await post(json({}, { authorization: basicHeader('u'.repeat(15_000), 'x') }));
    expect(answer.status).toBe(431);
    expect(await newLogEntries(0)).toEqual([]);
  });

  it('OPTIONS (a CORS preflight) is answered by the runtime with 204', async () => {
    const answer = await post({ method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(answer.status).toBe(204);
    expect(await newLogEntries(0)).toEqual([]);
  });
});

describe('positive controls: the same server still serves valid callers', () => {
  it.each([
    [
      'Basic with a colon in the real password',
      () => json({}, { authorization: basicHeader('alice', credentials.passwords.alice!) }),
      'alice',
    ],
    [
      'the scheme in upper case',
      () => json({}, { authorization: basicHeader('alice', credentials.passwords.alice!).replace('Basic', 'BASIC') }),
      'alice',
    ],
    [
      'a decomposed user name (NFC normalisation)',
      () => json({}, { authorization: basicHeader('jose\u0301', credentials.passwords['josé']!) }),
      'josé',
    ],
    ['a PUT with a body is treated like POST', () => ({ ...withBearer({ identity: 'put-user' }), method: 'PUT' }), 'put-user'],
    [
      'a __proto__ key cannot change the ttl',
      () => raw('application/json', '{"identity":"p","__proto__":{"ttl":60}}', bearerHeader()),
      'p',
    ],
  ] as const)('%s', async (_name, call, identity) => {
    const answer = await post(call());
    functionRequests++;
    expect(answer.status).toBe(200);
    expect(answer.json.identity).toBe(identity);
    expect(answer.json.ttl).toBe(1800);
    await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(await newLogEntries(1)).toEqual([expect.objectContaining({ outcome: 'issued', identity })]);
  });
});

describe('brute force: per-name throttle, no hashing once throttled, and the verified-credentials cache', () => {
  const wrong = (name: string, attempt: number) => json({}, { authorization: basicHeader(name, `wrong-${attempt}`) });

  it.each([
    ['a configured user', 'carol'],
    ['an unknown user (same path, same answers)', 'mallory'],
  ])(
    '%s: 5 failures answer 401, then 429 with Retry-After, every refusal at the same deadline',
    async (_kind, name) => {
      const hashed: number[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const answer = await post(wrong(name, attempt));
        functionRequests++;
        expect(answer.status).toBe(401);
        hashed.push((await newLogEntries(1))[0]!.durationMs);
      }
      const throttled: number[] = [];
      for (let attempt = 5; attempt < 15; attempt++) {
        const answer = await post(wrong(name, attempt));
        functionRequests++;
        expect(answer.status).toBe(429);
        expect(answer.json.error.code).toBe('too_many_attempts');
        const retryAfter = Number(answer.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(14 * 60);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        throttled.push((await newLogEntries(1))[0]!.durationMs);
      }
      // Every Basic refusal, checked or throttled, is answered at the deadline counted from its arrival (2 s; issue 22),
      // so its duration tells nothing about hashing: that a throttled attempt hashes nothing is held by the unit tests
      // (basic-authentication, throttle-attacks), where the hash is observable.
      expect(Math.min(...hashed, ...throttled)).toBeGreaterThanOrEqual(REFUSAL_DEADLINE_MS - 10);
    },
    120_000,
  );

  it('parallel guesses cannot outrun the throttle: of 30 at once, at most 5 are checked', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, attempt) => post(wrong('bob', attempt))));
    functionRequests += answers.length;
    const statuses = answers.map((answer) => answer.status).sort();
    // 401 for each checked guess (the throttle allows 5); 429 for the rest, throttled or shed by the check queue when
    // it cannot check them before their deadline (issue 22): never more than 5 checks, never a token.
    const checked = statuses.filter((status) => status === 401).length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - checked);
    expect(answers.every((answer) => !JWT_SHAPE.test(answer.text))).toBe(true);
    await newLogEntries(30);
  });

  it('the right password is refused too once the name is throttled', async () => {
    const answer = await post(json({}, { authorization: basicHeader('carol', credentials.passwords.carol!) }));
    functionRequests++;
    expect(answer.status).toBe(429);
    expect(answer.text).not.toMatch(JWT_SHAPE);
    await newLogEntries(1);
  });

  it('only the first request per credential pays for scrypt; repeats are served from the cache', async () => {
    const call = () => json({}, { authorization: basicHeader('dave', credentials.passwords.dave!) });
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await post(call());
      functionRequests++;
      expect(answer.status).toBe(200);
      durations.push((await newLogEntries(1))[0]!.durationMs);
    }
    const [first, ...cached] = durations;
    expect(first).toBeGreaterThanOrEqual(40);
    expect(Math.max(...cached)).toBeLessThan(first! / 4);
  });

  it('an over-long user name is refused without hashing (it cannot name a user)', async () => {
    const answer = await post(json({}, { authorization: basicHeader('n'.repeat(5000), 'x') }));
    functionRequests++;
    expect(answer.status).toBe(401);
    expect((await newLogEntries(1))[0]!.durationMs).toBeLessThan(40);
  });
});

const SAMPLE_RUNS = 300;
describe(`a fast-check sample of ${SAMPLE_RUNS} generated requests through the server`, () => {
  it('each gets a documented status as JSON with one log line, or a 4xx from the runtime with none; tokens only for valid credentials', async () => {
    const statuses = new Map<number, number>();
    let runtimeAnswers = 0;
    await fc.assert(
      fc.asyncProperty(anyRequest(credentials, 'alice', ALLOWED_ORIGIN), async (request) => {
        const answer = await post({ headers: request.headers, ...(request.body.kind !== 'none' && { body: request.body.text }) });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (!String(answer.headers['content-type']).startsWith('application/json')) {
          // body-parser refused a body it claims to understand (for example "+json" types holding a form).
          runtimeAnswers++;
          expect([400, 415]).toContain(answer.status);
          expect(answer.text).not.toMatch(JWT_SHAPE);
          expect(await newLogEntries(0)).toEqual([]);
          return;
        }
        functionRequests++;
        const logged = await newLogEntries(1);
        expect(logged).toHaveLength(1);
        expect(logged[0]!.status).toBe(answer.status);
        if (answer.status === 200) {
          expect(request.valid).toBe(true);
          await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
        } else {
          expect(ERROR_STATUS[answer.json.error.code as keyof typeof ERROR_STATUS]).toBe(answer.status);
          expect(answer.status).toBeLessThan(500);
          expect(answer.text).not.toMatch(JWT_SHAPE);
        }
      }),
      { numRuns: SAMPLE_RUNS },
    );
    console.log(
      `through-server sample: ${SAMPLE_RUNS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}, ${runtimeAnswers} answered by the runtime`,
    );
  }, 120_000);
});

describe('logs of this whole run', () => {
  it('hold one JSON line per request the function answered', async () => {
    await server.waitForOutput(LOG_LINE, { count: functionRequests });
    await newLogEntries(0);
    expect(logEntries()).toHaveLength(functionRequests);
    for (const entry of logEntries()) {
      expect(Object.keys(entry).sort()).toEqual(expect.arrayContaining(['event', 'outcome', 'status', 'durationMs']));
    }
  });

  it('contain none of the secrets, passwords, hashes or tokens this run used', () => {
    const output = server.output();
    const phcStrings = env.AUTH_BASIC_USERS!.split(' ').map((entry) => entry.slice(entry.indexOf(':') + 1));
    const secrets = [
      credentials.apiKeySecret,
      credentials.sharedSecret,
      ...Object.values(credentials.passwords),
      ...phcStrings,
      ...issuedTokens,
    ];
    expect(issuedTokens.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) {
      expect(output.includes(secret)).toBe(false);
      // Also not as the base64 a Basic header carries, nor as a digest.
      expect(output.includes(b64(secret))).toBe(false);
      expect(output.includes(createHash('sha256').update(secret).digest('base64'))).toBe(false);
    }
    expect(output).not.toMatch(JWT_SHAPE);
    expect(output).not.toMatch(/\$scrypt\$/);
  });
});
