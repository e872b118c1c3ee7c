/**
 * How real clients shape a token request, through the real twilio-run: no body at all (curl -X POST -u),
 * credentials in a query string (refused, never logged), in a JSON or form body, headers the runtime
 * turns into arrays or a body imitates with any JSON type, and text that was not UTF-8.
 */
import { connect } from 'node:net';
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpAnswer, type HttpCall } from '../helpers/http';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

let credentials: TestCredentials;
let server: RunningServer;

beforeAll(async () => {
  credentials = newCredentials(['alice', 'susan', 'nul-user']);
  server = await startServer(await environmentFor(credentials, { TOKEN_GRANTS: 'video' }));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const tokenUrl = (query = '') => `${server?.url}/token${query}`;
const alice = () => basicHeader('alice', credentials.passwords.alice!);

async function expectToken(answer: HttpAnswer, identity: string): Promise<void> {
  expect({ status: answer.status, error: answer.json?.error }).toEqual({ status: 200, error: undefined });
  expect(answer.json.identity).toBe(identity);
  const verified = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
  expect(verified.claims.grants?.identity).toBe(identity);
}

function expectRefusal(answer: HttpAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
  expect(answer.text).not.toMatch(JWT_SHAPE);
  expect(answer.headers['cache-control']).toBe('no-store');
}

/** Sends bytes exactly as given (repeated Host headers, no Content-Length), and reads the whole answer. */
function rawExchange(request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    // write, not end: a half-closed socket would make the server drop the answer (Connection: close ends it).
    socket.write(request);
  });
}

describe('a request without a body is a POST of its query fields (a Function is not told the method)', () => {
  it('curl -X POST -u user (no body, no Content-Length) gets the token', async () => {
    const answer = await rawExchange(`POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${alice()}\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4));
    expect(body.identity).toBe('alice');
    expect((await verifyTwilioToken(body.token, credentials.apiKeySecret)).claims.grants?.identity).toBe('alice');
  });

  it('a POST with Content-Length: 0 and a GET get it too', async () => {
    await expectToken(await send(tokenUrl(), { headers: { authorization: alice(), 'content-length': '0' } }), 'alice');
    await expectToken(await send(tokenUrl(), { method: 'GET', headers: { authorization: alice() } }), 'alice');
  });

  it('no credentials: 401 missing_credentials with both challenges (curl can then ask for the password)', async () => {
    const answer = await send(tokenUrl(), { method: 'POST' });
    expectRefusal(answer, 401, 'missing_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/Basic realm=/);
    expect(answer.json.error.schemes).toEqual(['basic', 'bearer']);
  });

  it('non-secret fields may come from the query string: a shared secret with ?identity=', async () => {
    const answer = await send(tokenUrl('?identity=kiosk-7&ttl=600'), {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.sharedSecret}` },
    });
    await expectToken(answer, 'kiosk-7');
    expect(answer.json.ttl).toBe(600);
  });
});

describe('credentials in a URL are refused with 400, and never reach a log', () => {
  const leaked: string[] = [];
  let logCursor = 0;
  beforeAll(() => {
    logCursor = server.output().length;
  });
  const secretLike = (label: string) => {
    const value = `${label}-${Math.random().toString(36).slice(2)}-leak`;
    leaked.push(value);
    return value;
  };

  it.each(['password', 'access_token', 'token', 'secret', 'id_token'])('?%s=… on a body-less request', async (field) => {
    const query = field === 'password' ? `?username=alice&password=${secretLike('pw')}` : `?${field}=${secretLike(field)}`;
    const answer = await send(tokenUrl(query), { method: 'POST' });
    expectRefusal(answer, 400, 'invalid_request');
    expect(answer.json.error.message).toMatch(/never accepted in the URL/);
  });

  it("even the tutorial's correct username and password in the query get no token", async () => {
    const answer = await send(tokenUrl(`?username=alice&password=${encodeURIComponent(credentials.passwords.alice!)}`), { method: 'POST' });
    expectRefusal(answer, 400, 'invalid_request');
  });

  it('?request[headers][authorization]=Bearer … cannot smuggle a secret in as a header', async () => {
    const answer = await send(tokenUrl(`?request[headers][authorization]=Bearer%20${credentials.sharedSecret}&identity=x`), {
      method: 'GET',
    });
    expectRefusal(answer, 400, 'invalid_request');
    expect(answer.json.error.message).toMatch(/"request" is reserved/);
  });

  it('?request[headers][authorization]=… with request[cookies][a]=1 added (cookies the forged headers never sent) gets no token', async () => {
    const answer = await send(
      tokenUrl(`?request[headers][authorization]=Bearer%20${credentials.sharedSecret}&request[cookies][a]=1&identity=x`),
      { method: 'GET' },
    );
    expectRefusal(answer, 400, 'invalid_request');
    expect(answer.json.error.message).toMatch(/"request" is reserved/);
  });

  // Issue 22, finding 4: each of these copied enough of the runtime's object to get a token before the check compared
  // the cookies with what the runtime's cookie parser makes of the Cookie header, and refused the keys no parser makes.
  it.each([
    ["a cookie whose value is not the Cookie header's", '&request[headers][cookie]=a%3D1&request[cookies][a]=2'],
    ['a cookie named constructor', '&request[headers][cookie]=constructor%3D1&request[cookies][constructor]=1'],
    ['a cookie named prototype', '&request[headers][cookie]=prototype%3D1&request[cookies][prototype]=1'],
    ['a Cookie header one of whose cookies is missing', '&request[headers][cookie]=a%3D1%3B%20b%3D2&request[cookies][a]=1'],
    [
      'a one-item header list (the runtime makes a list only of a repeated header)',
      '&request[headers][accept][]=x&request[cookies][__proto__][x]=1',
    ],
    ['a header value with the spaces HTTP trims', '&request[headers][accept]=%20x&request[cookies][__proto__][x]=1'],
  ])('?request[headers][authorization]=… with %s gets no token', async (_what, rest) => {
    const answer = await send(tokenUrl(`?request[headers][authorization]=Bearer%20${credentials.sharedSecret}${rest}&identity=x`), {
      method: 'GET',
    });
    expectRefusal(answer, 400, 'invalid_request');
    expect(answer.json.error.message).toMatch(/"request" is reserved/);
  });

  it('a JSON body field request with a key no parser makes (__proto__ as its own key) gets no token', async () => {
    const body = `{"identity":"x","request":{"headers":{"authorization":"Bearer ${credentials.sharedSecret}"},"cookies":{"__proto__":{}}}}`;
    const answer = await send(tokenUrl(), { headers: { 'content-type': 'application/json' }, body });
    expectRefusal(answer, 400, 'invalid_request');
  });

  it('a real Cookie header does not stand in the way: Basic credentials with cookies get a token', async () => {
    await expectToken(
      await send(tokenUrl(), { json: {}, headers: { authorization: alice(), cookie: 'theme=dark; session=abc' } }),
      'alice',
    );
  });

  it.each([
    ['?access_token=…', () => `?access_token=${secretLike('chunked-bearer')}`, '{"identity":"a"}'],
    ['?username=…&password=…', () => `?username=alice&password=${secretLike('chunked-pw')}`, '{}'],
  ])('%s beside a chunked body (no Content-Length: its size cannot bound them) gets no token', async (_what, query, body) => {
    const chunk = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const answer = await rawExchange(
      `POST /token${query()} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/"code":"invalid_request"/);
    expect(answer.text).not.toMatch(JWT_SHAPE);
  });

  it("the tutorial's username and password in a chunked JSON body are refused too, with advice (the function cannot see where they came from)", async () => {
    const body = JSON.stringify({ username: 'alice', password: credentials.passwords.alice });
    const answer = await rawExchange(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/Content-Length/);
    expect(answer.text).not.toMatch(JWT_SHAPE);
  });

  it('a password in the query beside a JSON body too small to hold it', async () => {
    const answer = await send(tokenUrl(`?password=${secretLike('pw')}`), { json: { username: 'alice' } });
    expectRefusal(answer, 400, 'invalid_request');
  });

  it("nothing of those URLs appears in the server's output (npm start runs twilio-run with --no-logs)", async () => {
    // Each URL holding a `leaked` value was refused with invalid_request: once all their lines are in, none may hold one.
    await server.waitForOutput(/"code":"invalid_request"/, { count: leaked.length, since: logCursor });
    const output = server.output();
    expect(output).toMatch(/"code":"invalid_request"/);
    for (const value of [...leaked, credentials.sharedSecret, credentials.passwords.alice!]) expect(output.includes(value)).toBe(false);
    expect(output.includes(encodeURIComponent(credentials.passwords.alice!))).toBe(false);
  });
});

describe('credentials in the body', () => {
  it("the tutorial's {username, password} gets a token; {username} alone gets 401 as in the tutorial", async () => {
    await expectToken(await send(tokenUrl(), { json: { username: 'susan', password: credentials.passwords.susan! } }), 'susan');
    expectRefusal(await send(tokenUrl(), { json: { username: 'susan' } }), 401, 'missing_credentials');
    expectRefusal(await send(tokenUrl(), { json: { password: credentials.passwords.susan! } }), 401, 'missing_credentials');
  });

  it('a shared secret as access_token (RFC 6750 §2.2), in JSON and in a form', async () => {
    await expectToken(await send(tokenUrl(), { json: { access_token: credentials.sharedSecret, identity: 'body-json' } }), 'body-json');
    const form = new URLSearchParams({ access_token: credentials.sharedSecret, identity: 'body-form' }).toString();
    await expectToken(
      await send(tokenUrl(), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
      'body-form',
    );
  });

  it('a wrong access_token is 401 invalid_credentials; with an Authorization header too it is 400', async () => {
    expectRefusal(
      await send(tokenUrl(), { json: { access_token: `${credentials.sharedSecret}x`, identity: 'a' } }),
      401,
      'invalid_credentials',
    );
    expectRefusal(
      await send(tokenUrl(), { json: { access_token: credentials.sharedSecret, identity: 'a' }, headers: { authorization: alice() } }),
      400,
      'invalid_request',
    );
    expectRefusal(
      await send(tokenUrl(), { json: { access_token: credentials.sharedSecret, username: 'alice', password: 'x' } }),
      400,
      'invalid_request',
    );
  });
});

describe('no header value causes a 5xx', () => {
  it('two Host headers (the runtime hands the function an array): 400, not 500', async () => {
    const answer = await rawExchange(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nAuthorization: ${alice()}\r\nOrigin: https://evil.example\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/"code":"invalid_request"/);
    expect(answer.text).not.toMatch(JWT_SHAPE);
  });

  // A JSON body may replace the runtime's `request` object (see SECURITY.md); its headers can then be any JSON.
  const headerNames = ['authorization', 'content-type', 'content-length', 'origin', 'host', 'sec-fetch-mode', 'accept'];
  const values: [string, unknown][] = [
    ['an array of strings', ['a', 'b']],
    ['an empty array', []],
    ['an array of mixed types', ['a', 1, null]],
    ['an object', { a: 'b' }],
    ['a number', 42],
    ['null', null],
    ['a boolean', true],
    ['an empty string', ''],
  ];
  it.each(headerNames.flatMap((name) => values.map(([what, value]) => [name, what, value] as const)))(
    '%s as %s',
    async (name, _what, value) => {
      // With an Origin, the origin check reads the Host too (a repeated Host once made it throw: 500).
      const imitation = { headers: { 'content-type': 'application/json', origin: 'https://app.example', [name]: value }, cookies: {} };
      const answer = await send(tokenUrl(), { json: { request: imitation, username: 'alice', password: credentials.passwords.alice! } });
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
    },
  );
});

describe('passwords with control characters never match', () => {
  it('the right password followed by NUL bytes is refused, in the header and in the body; the right one works', async () => {
    const password = credentials.passwords['nul-user']!;
    expectRefusal(
      await send(tokenUrl(), { json: {}, headers: { authorization: basicHeader('nul-user', `${password}\u0000`) } }),
      401,
      'invalid_credentials',
    );
    expectRefusal(
      await send(tokenUrl(), { json: { username: 'nul-user', password: `${password}\u0000\u0000` } }),
      401,
      'invalid_credentials',
    );
    await expectToken(await send(tokenUrl(), { json: {}, headers: { authorization: basicHeader('nul-user', password) } }), 'nul-user');
  });
});

describe('text that was not UTF-8 is refused, not minted', () => {
  const bearer = () => ({ authorization: `Bearer ${credentials.sharedSecret}` });
  const jsonBytes = (before: string, bytes: number[], after: string): HttpCall => ({
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]),
  });

  it('an identity with an invalid byte in a JSON body: 400 invalid_identity', async () => {
    expectRefusal(await send(tokenUrl(), jsonBytes('{"identity":"caf', [0xff], '"}')), 400, 'invalid_identity');
    expectRefusal(await send(tokenUrl(), jsonBytes('{"identity":"', [0xc3], 'x"}')), 400, 'invalid_identity');
  });

  it('a room with a truncated UTF-8 sequence: 400 invalid_room', async () => {
    expectRefusal(await send(tokenUrl(), jsonBytes('{"identity":"a","room":"salle-', [0xe2, 0x82], '"}')), 400, 'invalid_room');
  });

  it('an identity percent-encoded from invalid bytes in a form body: 400 invalid_identity', async () => {
    expectRefusal(
      await send(tokenUrl(), { headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'identity=caf%FF' }),
      400,
      'invalid_identity',
    );
  });

  it('valid UTF-8 still works: the identity café', async () => {
    await expectToken(await send(tokenUrl(), { json: { identity: 'café' }, headers: bearer() }), 'café');
  });
});
