/** POST /token through the real twilio-run server: every documented status, and never a token on refusal. */
import AccessToken = require('twilio/lib/jwt/AccessToken');
import { decodeJwt } from 'jose';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { send, type HttpAnswer, type HttpCall } from '../helpers/http';
import { JWT_SHAPE, verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const ALLOWED_ORIGIN = 'http://allowed.example:8080';
let credentials: TestCredentials;
let conversationsServiceSid: string;
let server: RunningServer;
const issuedTokens: string[] = [];

beforeAll(async () => {
  credentials = newCredentials(['alice', 'bob', 'carol', 'josé']);
  conversationsServiceSid = newSid('IS');
  server = await startServer(
    await environmentFor(credentials, {
      TOKEN_GRANTS: 'video,chat',
      VIDEO_ROOM: 'lobby',
      CONVERSATIONS_SERVICE_SID: conversationsServiceSid,
      TOKEN_TTL: '1800',
      TOKEN_MAX_TTL: '3600',
      ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function token(call: HttpCall): Promise<HttpAnswer> {
  const answer = await send(`${server.url}/token`, call);
  if (answer.status === 200) issuedTokens.push(answer.json.token);
  return answer;
}

const json = (body: unknown, headers: Record<string, string | string[]> = {}): HttpCall => ({ json: body, headers });
const basic = (user: string, password: string, body: unknown = {}) => json(body, { authorization: basicHeader(user, password) });
const bearer = (secret: string, body: unknown) => json(body, { authorization: `Bearer ${secret}` });

/** Every refusal: JSON error with the code, the status from the table, no-store, and no token anywhere. */
function expectRefusal(answer: HttpAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
  expect(typeof answer.json.error.message).toBe('string');
  expect(answer.json.token).toBeUndefined();
  expect(answer.text).not.toMatch(JWT_SHAPE);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['cache-control']).toBe('no-store');
}

/** Claims of twilio's own AccessToken for the same inputs at the token's own issue time. */
function referenceClaims(identity: string, ttl: number, iat: number, grants: (t: AccessToken) => void): Record<string, unknown> {
  const spy = jest.spyOn(Date, 'now').mockReturnValue(iat * 1000);
  try {
    const reference = new AccessToken(credentials.accountSid, credentials.apiKeySid, credentials.apiKeySecret, { identity, ttl });
    grants(reference);
    return decodeJwt(reference.toJwt()) as Record<string, unknown>;
  } finally {
    spy.mockRestore();
  }
}

describe('200: a verified caller gets a signed token', () => {
  it('Basic credentials: the identity is the user name, and claims equal twilio AccessToken for the same inputs', async () => {
    const answer = await token(basic('alice', credentials.passwords.alice!));
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['pragma']).toBe('no-cache');
    expect(answer.json).toMatchObject({ identity: 'alice', ttl: 1800, grants: ['video', 'chat'], room: 'lobby' });
    const { header, claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
    expect(claims).toEqual(
      referenceClaims('alice', 1800, claims.iat!, (t) => {
        t.addGrant(new AccessToken.VideoGrant({ room: 'lobby' }));
        t.addGrant(new AccessToken.ChatGrant({ serviceSid: conversationsServiceSid }));
      }),
    );
    expect(answer.json.expiresAt).toBe(new Date(claims.exp! * 1000).toISOString());
  });

  it('a shared secret with an identity in the body', async () => {
    const answer = await token(bearer(credentials.sharedSecret, { identity: 'Ada Lovelace', grants: ['video'] }));
    expect(answer.status).toBe(200);
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.grants).toEqual({ identity: 'Ada Lovelace', video: { room: 'lobby' } });
  });

  it("the tutorial's JSON body of username and password, checked exactly like Basic", async () => {
    const answer = await token(json({ username: 'bob', password: credentials.passwords.bob }));
    expect(answer.status).toBe(200);
    expect(answer.json.identity).toBe('bob');
    await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
  });

  it('a form body with repeated grants and a ttl string, clamped to the configured maximum', async () => {
    const answer = await token({
      headers: { authorization: `Bearer ${credentials.sharedSecret}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'identity=form-user&grants=chat&grants=video&ttl=999999',
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ identity: 'form-user', ttl: 3600, grants: ['chat', 'video'] });
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('a ttl below the floor is raised to 60 seconds', async () => {
    const answer = await token(bearer(credentials.sharedSecret, { identity: 'short', ttl: 5 }));
    expect(answer.json.ttl).toBe(60);
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.exp! - claims.iat!).toBe(60);
  });

  it('a user name in decomposed Unicode matches the configured composed one (NFC)', async () => {
    const answer = await token(basic('jose\u0301', credentials.passwords['josé']!));
    expect(answer.status).toBe(200);
    expect(answer.json.identity).toBe('josé');
  });

  it('an allowed cross-origin caller gets Access-Control-Allow-Origin for its origin and Vary: Origin', async () => {
    const answer = await token(basic('alice', credentials.passwords.alice!, {}));
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    const crossOrigin = await token(
      json({}, { authorization: basicHeader('alice', credentials.passwords.alice!), origin: ALLOWED_ORIGIN }),
    );
    expect(crossOrigin.status).toBe(200);
    expect(crossOrigin.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(crossOrigin.headers['vary']).toMatch(/Origin/);
  });

  it('a same-origin browser call (Origin equals the Host) is allowed without listing it, and gets no CORS header (it needs none)', async () => {
    const answer = await token(json({}, { authorization: basicHeader('alice', credentials.passwords.alice!), origin: server.url }));
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('400: malformed requests and headers', () => {
  const cases: [string, () => HttpCall, string][] = [
    ['Basic credentials that are not base64', () => json({}, { authorization: 'Basic !!!notbase64' }), 'invalid_authorization'],
    [
      'Basic credentials without a colon',
      () => json({}, { authorization: `Basic ${Buffer.from('alice').toString('base64')}` }),
      'invalid_authorization',
    ],
    [
      'Basic credentials that are not UTF-8',
      () => json({}, { authorization: `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}` }),
      'invalid_authorization',
    ],
    [
      'two Authorization headers',
      () => json({}, { authorization: [basicHeader('alice', 'x'), `Bearer ${credentials.sharedSecret}`] }),
      'invalid_authorization',
    ],
    ['an empty Bearer value', () => json({}, { authorization: 'Bearer ' }), 'invalid_authorization'],
    ['a shared secret without an identity', () => bearer(credentials.sharedSecret, {}), 'invalid_identity'],
    ['an identity with a control character', () => bearer(credentials.sharedSecret, { identity: 'eve\u0007' }), 'invalid_identity'],
    ['an identity longer than video allows', () => bearer(credentials.sharedSecret, { identity: 'x'.repeat(129) }), 'invalid_identity'],
    ['ttl as a JSON string', () => bearer(credentials.sharedSecret, { identity: 'a', ttl: '600' }), 'invalid_ttl'],
    ['a negative ttl', () => bearer(credentials.sharedSecret, { identity: 'a', ttl: -1 }), 'invalid_ttl'],
    ['an unknown grant', () => bearer(credentials.sharedSecret, { identity: 'a', grants: ['fax'] }), 'invalid_grants'],
    ['a duplicated grant', () => bearer(credentials.sharedSecret, { identity: 'a', grants: ['video', 'video'] }), 'invalid_grants'],
    ['an identity that is an array', () => bearer(credentials.sharedSecret, { identity: ['a'] }), 'invalid_request'],
    [
      'credentials in both the header and the body',
      () => basic('alice', credentials.passwords.alice!, { username: 'alice', password: 'x' }),
      'invalid_request',
    ],
    [
      'a form field named request (it replaces the runtime headers)',
      () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'request=x' }),
      'invalid_request',
    ],
  ];
  it.each(cases)('%s', async (_name, call, code) => {
    expectRefusal(await token(call()), 400, code);
  });
});

describe('401: missing or wrong credentials', () => {
  it('no credentials: challenges for both schemes, and the body lists them for pages', async () => {
    const answer = await token(json({}));
    expectRefusal(answer, 401, 'missing_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", Basic realm="[^"]+", charset="UTF-8"$/);
    expect(answer.json.error.schemes).toEqual(['basic', 'bearer']);
  });

  it('a browser script (Sec-Fetch-Mode) gets no Basic challenge, so no login dialog opens', async () => {
    const answer = await token(json({}, { 'sec-fetch-mode': 'cors' }));
    expectRefusal(answer, 401, 'missing_credentials');
    expect(answer.headers['www-authenticate']).not.toMatch(/Basic/i);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('rejects a Basic header whose password differs by one character, and mints nothing', async () => {
    const password = credentials.passwords.bob!;
    const nearMiss = password.slice(0, -1) + (password.endsWith('n') ? 'm' : 'n');
    expectRefusal(await token(basic('bob', nearMiss)), 401, 'invalid_credentials');
  });

  it('an unknown user gets the same answer as a wrong password', async () => {
    const unknown = await token(basic('mallory', credentials.passwords.bob!));
    const wrong = await token(basic('bob', 'not-the-password'));
    expectRefusal(unknown, 401, 'invalid_credentials');
    expect(unknown.json).toEqual(wrong.json);
  });

  it('a wrong shared secret, with error="invalid_token" in the Bearer challenge', async () => {
    const answer = await token(bearer(credentials.sharedSecret.slice(0, -1), { identity: 'a' }));
    expectRefusal(answer, 401, 'invalid_credentials');
    expect(answer.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('an unsupported scheme', async () => {
    expectRefusal(await token(json({}, { authorization: 'Digest username="alice"' })), 401, 'unsupported_authorization_scheme');
  });
});

describe('403: origin, grant or room not allowed', () => {
  it('an origin not in ALLOWED_ORIGINS gets no token, even with valid credentials: a refusal any page may read (*), never with credentials', async () => {
    const answer = await token(
      json({}, { authorization: basicHeader('alice', credentials.passwords.alice!), origin: 'https://evil.example' }),
    );
    expectRefusal(answer, 403, 'origin_not_allowed');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    expect(answer.json.error.schemes).toBeUndefined();
  });

  it('the null origin of sandboxed frames is refused', async () => {
    expectRefusal(
      await token(json({}, { authorization: basicHeader('alice', credentials.passwords.alice!), origin: 'null' })),
      403,
      'origin_not_allowed',
    );
  });

  it('a grant the service does not issue', async () => {
    expectRefusal(await token(bearer(credentials.sharedSecret, { identity: 'a', grants: ['voice'] })), 403, 'grant_not_allowed');
  });

  it('a room other than the pinned VIDEO_ROOM', async () => {
    expectRefusal(await token(bearer(credentials.sharedSecret, { identity: 'a', room: 'boardroom' })), 403, 'room_not_allowed');
  });
});

describe('body-less requests, 415 and 429', () => {
  it('a request without a body (curl -X POST -u, or a GET: a Function cannot tell them apart) is answered like a POST', async () => {
    const answer = await token({ method: 'GET', headers: { authorization: basicHeader('alice', credentials.passwords.alice!) } });
    expect(answer.status).toBe(200);
    expect(answer.json.identity).toBe('alice');
    expect(answer.headers['allow']).toBeUndefined();
  });

  it('a text/plain body is an unsupported media type', async () => {
    const answer = await token({
      headers: { authorization: basicHeader('alice', credentials.passwords.alice!), 'content-type': 'text/plain' },
      body: 'hello',
    });
    expectRefusal(answer, 415, 'unsupported_media_type');
  });

  it('after 5 failures for a user name, even the right password gets 429 with Retry-After', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      expectRefusal(await token(basic('carol', `wrong-${attempt}`)), 401, 'invalid_credentials');
    }
    const answer = await token(basic('carol', credentials.passwords.carol!));
    expectRefusal(answer, 429, 'too_many_attempts');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Other users are not affected.
    expect((await token(basic('alice', credentials.passwords.alice!))).status).toBe(200);
  });
});

describe('logs', () => {
  it('hold one JSON line per request and none of the secrets, passwords or tokens used', async () => {
    // Each issued token has its line: once they are all in, the tokens' absence from the output means something.
    await server.waitForOutput(/"outcome":"issued"/, { count: issuedTokens.length });
    const output = server.output();
    const lines = output.split('\n').filter((line) => line.startsWith('{"event":"token_request"'));
    expect(lines.length).toBeGreaterThan(20);
    const secrets = [credentials.apiKeySecret, credentials.sharedSecret, ...Object.values(credentials.passwords), ...issuedTokens];
    expect(issuedTokens.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(output.includes(secret)).toBe(false);
    expect(output).not.toMatch(JWT_SHAPE);
    expect(output).not.toMatch(/\$scrypt\$/);
  });
});

describe('500: a misconfigured service fails closed', () => {
  let broken: RunningServer;
  let brokenCredentials: TestCredentials;
  beforeAll(async () => {
    brokenCredentials = newCredentials(['alice']);
    broken = await startServer(
      await environmentFor(brokenCredentials, { TWILIO_API_KEY_SID: 'SKnot-a-sid', AUTH_SHARED_SECRETS: 'password123' }),
    );
  }, 60_000);
  afterAll(async () => {
    await broken?.stop();
  });

  it('answers server_misconfigured naming the variables, never their values, and mints nothing', async () => {
    const answer = await send(`${broken.url}/token`, basic('alice', brokenCredentials.passwords.alice!));
    expectRefusal(answer, 500, 'server_misconfigured');
    expect(answer.json.error.message).toMatch(/TWILIO_API_KEY_SID/);
    expect(answer.json.error.message).toMatch(/AUTH_SHARED_SECRETS/);
    expect(answer.text).not.toMatch(/SKnot-a-sid|password123/);
    await broken.waitForOutput(/"code":"server_misconfigured"/);
    const output = broken.output();
    expect(output).not.toMatch(/SKnot-a-sid|password123/);
    expect(output.includes(brokenCredentials.apiKeySecret)).toBe(false);
  });
});
