// Unit tests for the browser token client, driven by a fake clock and a recording fake fetch.
import {
  authorizationHeader,
  createTokenClient,
  TokenClientError,
  type FetchLike,
  type IssuedToken,
  type TokenClientOptions,
  type TokenRequestInit,
} from '../../src/assets/token-client';
import { basicHeader } from '../helpers/fixtures';

const START_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
/** A distinctive per-attempt timeout, so backoff tests can tell its timers apart from retry delays. */
const REQUEST_TIMEOUT_MS = 987_654;

/** Timers that only fire when the test advances time. */
class FakeClock {
  nowMs = START_MS;
  private nextId = 1;
  private timers = new Map<number, { dueMs: number; callback: () => void }>();
  /** Every delay ever passed to setTimeout, in call order. */
  readonly requestedDelays: number[] = [];

  now = (): number => this.nowMs;

  setTimeout = (callback: () => void, delayMs: number): number => {
    const id = this.nextId++;
    this.requestedDelays.push(delayMs);
    this.timers.set(id, { dueMs: this.nowMs + delayMs, callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** Delays requested for anything but the per-attempt request timeout. */
  get retryAndRefreshDelays(): number[] {
    return this.requestedDelays.filter((delay) => delay !== REQUEST_TIMEOUT_MS);
  }

  pendingTimerCount(): number {
    return this.timers.size;
  }

  /** Move time forward, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    await settle();
    // A refresh loop (e.g. a zero refresh delay) must fail the test, not spin forever.
    for (let fired = 0; ; fired += 1) {
      if (fired > 1000) throw new Error('FakeClock: more than 1000 timers fired in one advance(); runaway loop?');
      let nextId: number | undefined;
      let nextDue = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.dueMs <= targetMs && timer.dueMs < nextDue) {
          nextDue = timer.dueMs;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.nowMs = timer.dueMs;
      timer.callback();
      await settle();
    }
    this.nowMs = targetMs;
  }
}

/** Let pending promise chains (including real Response body reads) run. No time passes on the fake clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A reply, or a function that makes a fresh one for each request. */
type Reply = Response | Error | 'hang' | (() => Response);

interface RecordedRequest {
  url: string;
  init: TokenRequestInit;
  body: unknown;
}

/** A fetch that records every request and answers from a queue of replies (the last one repeats). */
function fakeFetch(...replies: Reply[]): FetchLike & { requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fn: FetchLike = async (url, init) => {
    requests.push({ url, init, body: JSON.parse(init.body) });
    const next = replies.length > 1 ? replies.shift()! : replies[0]!;
    const reply = typeof next === 'function' ? next() : next;
    if (reply === 'hang') {
      return new Promise<Response>((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    if (reply instanceof Error) throw reply;
    return reply.clone();
  };
  return Object.assign(fn, { requests });
}

let tokenSerial = 0;
/** A JWT-shaped string; the client only checks its shape. Generated here, never a real token. */
function fakeJwt(): string {
  tokenSerial += 1;
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ n: tokenSerial })}.c2lnbmF0dXJl`;
}

function tokenResponse(ttl: number, overrides: Record<string, unknown> = {}): Response {
  return new Response(
    JSON.stringify({
      token: fakeJwt(),
      identity: 'alice',
      ttl,
      expiresAt: new Date(START_MS + ttl * 1000).toISOString(),
      grants: ['video'],
      ...overrides,
    }),
    { status: 200, headers: { 'Content-Type': 'application/json' } },
  );
}

function errorResponse(status: number, code: string, headers: Record<string, string> = {}, extra = {}): Response {
  return new Response(JSON.stringify({ error: { code, message: `server says ${code}`, ...extra } }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

const basicCredentials = { kind: 'basic', username: 'alice', password: 'pw-for-tests-only' } as const;

function makeClient(clock: FakeClock, fetch: FetchLike, overrides: Partial<TokenClientOptions> = {}) {
  return createTokenClient({
    credentials: basicCredentials,
    fetch,
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0.5,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    ...overrides,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<TokenClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenClientError) return error;
    throw new Error(`expected a TokenClientError, got ${String(error)}`);
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('request shape', () => {
  it('POSTs JSON to /token with a Basic header of the UTF-8 user:password, and nothing secret in the URL', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600));
    const username = 'zoë';
    const password = 'pässwörd ✓ 密码';
    const client = makeClient(clock, fetch, { credentials: { kind: 'basic', username, password } });

    await client.getToken();

    expect(fetch.requests).toHaveLength(1);
    const [request] = fetch.requests;
    const expected = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    expect(request!.init.headers.Authorization).toBe(`Basic ${expected}`);
    expect(request!.url).toBe('/token');
    expect(request!.url).not.toContain(encodeURIComponent(username));
    expect(request!.url).not.toContain(encodeURIComponent(password));
    expect(request!.init.method).toBe('POST');
    expect(request!.init.headers['Content-Type']).toBe('application/json');
    expect(request!.init.credentials).toBe('omit');
    expect(request!.body).toEqual({});
  });

  it('builds the same Basic value as the RFC 7617 example', () => {
    expect(authorizationHeader({ kind: 'basic', username: 'Aladdin', password: 'open sesame' })).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('sends Bearer credentials with the identity and request fields in the body, to a configured absolute URL', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600));
    const secret = 'shared-secret-for-tests-only';
    const client = makeClient(clock, fetch, {
      endpoint: 'https://tokens.example.test/token',
      credentials: { kind: 'bearer', secret, identity: 'kiosk-7' },
      request: { grants: ['video', 'chat'], room: 'standup', ttl: 600 },
    });

    await client.getToken();

    const [request] = fetch.requests;
    expect(request!.url).toBe('https://tokens.example.test/token');
    expect(request!.url).not.toContain(secret);
    expect(request!.init.headers.Authorization).toBe(`Bearer ${secret}`);
    expect(request!.body).toEqual({ identity: 'kiosk-7', grants: ['video', 'chat'], room: 'standup', ttl: 600 });
  });

  it('refuses at construction an endpoint with credentials in it, a username with a colon, or an empty secret', () => {
    const fetch = fakeFetch(tokenResponse(3600));
    expect(() =>
      createTokenClient({ endpoint: 'https://alice:pw@tokens.example.test/token', credentials: basicCredentials, fetch }),
    ).toThrow(/must not contain a username or password/);
    expect(() => createTokenClient({ credentials: { kind: 'basic', username: 'a:b', password: 'x' }, fetch })).toThrow(
      /cannot contain ":"/,
    );
    expect(() => createTokenClient({ credentials: { kind: 'bearer', secret: '', identity: 'x' }, fetch })).toThrow(/need a secret/);
    expect(fetch.requests).toHaveLength(0);
  });
});

/** Runs the test as if in a page at `pageUrl` (a browser's `location`), then removes it again. */
async function onPage<T>(pageUrl: string, work: () => Promise<T>): Promise<T> {
  const url = new URL(pageUrl);
  Object.defineProperty(globalThis, 'location', { value: { href: url.href, origin: url.origin }, configurable: true });
  try {
    return await work();
  } finally {
    delete (globalThis as { location?: unknown }).location;
  }
}

describe('where credentials travel (sendCredentialsIn)', () => {
  async function firstRequest(options: Partial<TokenClientOptions>): Promise<RecordedRequest> {
    const fetch = fakeFetch(tokenResponse(3600));
    await makeClient(new FakeClock(), fetch, options).getToken();
    expect(fetch.requests).toHaveLength(1);
    return fetch.requests[0]!;
  }

  it('auto, same origin: the Authorization header, and no credentials in the body', async () => {
    const request = await onPage('https://svc-1234-dev.twil.io/', () => firstRequest({ endpoint: '/token' }));
    expect(request.init.headers.Authorization).toMatch(/^Basic /);
    expect(request.body).toEqual({});
  });

  it('auto, cross-origin endpoint: Basic credentials in the JSON body, and no Authorization header at all', async () => {
    const request = await onPage('https://app.example.test/call', () =>
      firstRequest({ endpoint: 'https://svc-1234-dev.twil.io/token', request: { grants: ['video'] } }),
    );
    expect(Object.keys(request.init.headers).map((name) => name.toLowerCase())).not.toContain('authorization');
    expect(request.init.headers['Content-Type']).toBe('application/json');
    expect(request.body).toEqual({ username: 'alice', password: 'pw-for-tests-only', grants: ['video'] });
    expect(request.url).toBe('https://svc-1234-dev.twil.io/token');
  });

  it('auto treats another port or scheme of the same host as another origin', async () => {
    const otherPort = await onPage('http://localhost:5173/', () => firstRequest({ endpoint: 'http://localhost:3000/token' }));
    expect(otherPort.body).toMatchObject({ username: 'alice' });
    const sameOriginAbsolute = await onPage('http://localhost:3000/', () => firstRequest({ endpoint: 'http://localhost:3000/token' }));
    expect(sameOriginAbsolute.init.headers.Authorization).toMatch(/^Basic /);
  });

  it('body: a shared secret travels as access_token, beside the identity', async () => {
    const request = await firstRequest({
      sendCredentialsIn: 'body',
      credentials: { kind: 'bearer', secret: 'shared-secret-x', identity: 'kiosk-7' },
    });
    expect(request.init.headers.Authorization).toBeUndefined();
    expect(request.body).toEqual({ access_token: 'shared-secret-x', identity: 'kiosk-7' });
  });

  it('header, even cross-origin, when asked for', async () => {
    const request = await onPage('https://app.example.test/', () =>
      firstRequest({ sendCredentialsIn: 'header', endpoint: 'https://svc.twil.io/token' }),
    );
    expect(request.init.headers.Authorization).toMatch(/^Basic /);
    expect(request.body).toEqual({});
  });

  it("oidc: the identity provider's token as Bearer, or as access_token in the body; no identity is sent", async () => {
    const header = await firstRequest({ credentials: { kind: 'oidc', token: 'eyJh.eyJz.sig' } });
    expect(header.init.headers.Authorization).toBe('Bearer eyJh.eyJz.sig');
    expect(header.body).toEqual({});
    const body = await firstRequest({ sendCredentialsIn: 'body', credentials: { kind: 'oidc', token: 'eyJh.eyJz.sig' } });
    expect(body.body).toEqual({ access_token: 'eyJh.eyJz.sig' });
  });

  it('oidc with a function: asks it for a fresh token on every request', async () => {
    let issued = 0;
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(120));
    const client = makeClient(clock, fetch, { credentials: { kind: 'oidc', token: async () => `idp.token.${++issued}` } });
    await client.start();
    await clock.advance(60_000); // a 120 s token is refreshed half-way
    client.stop();
    expect(fetch.requests.map((request) => request.init.headers.Authorization)).toEqual(['Bearer idp.token.1', 'Bearer idp.token.2']);
  });

  it('oidc with a function that fails or gives nothing: missing_credentials, and no request is sent', async () => {
    for (const token of [async () => Promise.reject(new Error('login_required: secret detail')), () => '']) {
      const fetch = fakeFetch(tokenResponse(3600));
      const error = await rejectionOf(makeClient(new FakeClock(), fetch, { credentials: { kind: 'oidc', token } }).getToken());
      expect(error.code).toBe('missing_credentials');
      expect(error.message).not.toContain('secret detail');
      expect(fetch.requests).toHaveLength(0);
    }
  });

  it('refuses at construction an unknown placement, an oidc credential without a token, and an endpoint with a query string', () => {
    const fetch = fakeFetch(tokenResponse(3600));
    expect(() => createTokenClient({ credentials: basicCredentials, fetch, sendCredentialsIn: 'query' as never })).toThrow(
      /sendCredentialsIn/,
    );
    expect(() => createTokenClient({ credentials: { kind: 'oidc', token: '' }, fetch })).toThrow(/need a token/);
    expect(() => createTokenClient({ credentials: basicCredentials, fetch, endpoint: '/token?identity=alice' })).toThrow(/query string/);
    expect(fetch.requests).toHaveLength(0);
  });
});

describe('caching and sharing', () => {
  it('returns the cached token until the refresh margin, then fetches a new one', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600), tokenResponse(3600));
    const client = makeClient(clock, fetch);

    const first = await client.getToken();
    await clock.advance((3600 - 60) * 1000 - 1);
    expect(await client.getToken()).toBe(first);
    expect(fetch.requests).toHaveLength(1);

    await clock.advance(1);
    const second = await client.getToken();
    expect(second.token).not.toBe(first.token);
    expect(fetch.requests).toHaveLength(2);
  });

  it('makes one request for concurrent getToken calls, and all callers get the same token', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600));
    const client = makeClient(clock, fetch);

    const results = await Promise.all([client.getToken(), client.getToken(), client.getToken()]);

    expect(fetch.requests).toHaveLength(1);
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
  });
});

describe('scheduled refresh', () => {
  it('refreshes exactly refreshMarginSeconds before expiry', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600));
    const client = makeClient(clock, fetch, { refreshMarginSeconds: 120 });

    await client.start();
    await clock.advance((3600 - 120) * 1000 - 1);
    expect(fetch.requests).toHaveLength(1);

    await clock.advance(1);
    expect(fetch.requests).toHaveLength(2);
    client.stop();
  });

  it('caps the margin at half the ttl, so a 60 s token refreshes at 30 s rather than at once', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(60));
    const client = makeClient(clock, fetch); // default margin 60 s

    await client.start();
    await clock.advance(30_000 - 1);
    expect(fetch.requests).toHaveLength(1);

    await clock.advance(1);
    expect(fetch.requests).toHaveLength(2);
    await clock.advance(30_000);
    expect(fetch.requests).toHaveLength(3);
    client.stop();
  });

  it('stop() cancels the pending refresh: no request however long we wait', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600));
    const client = makeClient(clock, fetch);

    await client.start();
    client.stop();
    await clock.advance(10 * 3600 * 1000);

    expect(fetch.requests).toHaveLength(1);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('stop() aborts a request in flight: the caller gets `aborted`, listeners hear nothing, nothing is cached', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch('hang', tokenResponse(3600));
    const client = makeClient(clock, fetch);
    const errors: TokenClientError[] = [];
    const tokens: IssuedToken[] = [];
    client.onError((error) => errors.push(error));
    client.onToken((issued) => tokens.push(issued));

    const pending = client.start();
    await settle();
    client.stop();

    const error = await rejectionOf(pending);
    expect(error.code).toBe('aborted');
    expect(fetch.requests[0]!.init.signal.aborted).toBe(true);
    expect(errors).toEqual([]);
    expect(tokens).toEqual([]);
    await clock.advance(3600 * 1000);
    expect(fetch.requests).toHaveLength(1);
  });

  it('notifies token listeners of every new token, and not after they unsubscribe', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(() => tokenResponse(100));
    const client = makeClient(clock, fetch); // margin = min(60, 50) = 50 s: refresh every 50 s
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    const unsubscribeA = client.onToken((issued) => seenByA.push(issued.token));
    client.onToken((issued) => seenByB.push(issued.token));

    const first = await client.start();
    await clock.advance(50_000);
    await clock.advance(50_000);
    expect(fetch.requests).toHaveLength(3);
    expect(seenByA).toHaveLength(3);
    expect(seenByA[0]).toBe(first.token);
    expect(new Set(seenByA).size).toBe(3);

    unsubscribeA();
    await clock.advance(50_000);
    expect(seenByA).toHaveLength(3);
    expect(seenByB).toHaveLength(4);
    client.stop();
  });
});

describe('retries and backoff', () => {
  it('recovers from a network error: retries after a backoff, resolves, and reports no error', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(new TypeError('Failed to fetch'), tokenResponse(3600));
    const client = makeClient(clock, fetch);
    const errors: TokenClientError[] = [];
    client.onError((error) => errors.push(error));

    const pending = client.getToken();
    await clock.advance(250); // random 0.5 * base 500 ms
    const issued = await pending;

    expect(issued.identity).toBe('alice');
    expect(fetch.requests).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('grows the backoff exponentially with full jitter, capped at retryMaxDelayMs', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(
      errorResponse(503, 'unavailable'),
      errorResponse(503, 'unavailable'),
      errorResponse(503, 'unavailable'),
      errorResponse(503, 'unavailable'),
      errorResponse(503, 'unavailable'),
      tokenResponse(3600),
    );
    const jitter = [0.9, 0.9, 0.9, 0.9, 0.9];
    const client = makeClient(clock, fetch, {
      retryBaseDelayMs: 1000,
      retryMaxDelayMs: 5000,
      random: () => jitter.shift() ?? 0,
    });

    const pending = client.getToken();
    await clock.advance(60_000);
    await pending;

    // ceilings: 1000, 2000, 4000, then capped at 5000; delay = floor(0.9 * ceiling)
    expect(clock.retryAndRefreshDelays).toEqual([900, 1800, 3600, 4500, 4500]);
    expect(fetch.requests).toHaveLength(6);
  });

  it('keeps every jittered delay within [0, ceiling) for random values at both ends of [0, 1)', async () => {
    for (const randomValue of [0, 0.999999]) {
      const clock = new FakeClock();
      const fetch = fakeFetch(new TypeError('offline'));
      const client = makeClient(clock, fetch, {
        maxRetries: 6,
        retryBaseDelayMs: 100,
        retryMaxDelayMs: 1000,
        random: () => randomValue,
      });
      const pending = rejectionOf(client.getToken());
      await clock.advance(60_000);
      const error = await pending;

      const ceilings = [100, 200, 400, 800, 1000, 1000];
      const delays = clock.retryAndRefreshDelays;
      expect(delays).toHaveLength(6);
      delays.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceilings[i]!);
        if (randomValue > 0) expect(delay).toBeGreaterThanOrEqual(ceilings[i]! - 1);
      });
      expect(error.code).toBe('network_error');
      expect(fetch.requests).toHaveLength(7); // first attempt + maxRetries
    }
  });

  it('gives up after maxRetries with the server code and status, and emits that error once', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(502, 'bad_gateway'));
    const client = makeClient(clock, fetch, { maxRetries: 2 });
    const errors: TokenClientError[] = [];
    client.onError((error) => errors.push(error));

    const pending = rejectionOf(client.getToken());
    await clock.advance(60_000);
    const error = await pending;

    expect(fetch.requests).toHaveLength(3);
    expect(error.code).toBe('bad_gateway');
    expect(error.status).toBe(502);
    expect(errors).toEqual([error]);
  });

  it('waits exactly Retry-After seconds after a 429, not the (shorter) backoff', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(429, 'too_many_attempts', { 'Retry-After': '7' }), tokenResponse(3600));
    const client = makeClient(clock, fetch, { random: () => 0 }); // backoff alone would retry at once

    const pending = client.getToken();
    await clock.advance(7000 - 1);
    expect(fetch.requests).toHaveLength(1);

    await clock.advance(1);
    expect(fetch.requests).toHaveLength(2);
    await expect(pending).resolves.toMatchObject({ identity: 'alice' });
  });

  it('reports a Retry-After longer than retryMaxDelayMs at once instead of waiting it out silently', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(429, 'too_many_attempts', { 'Retry-After': '900' }), tokenResponse(3600));
    const client = makeClient(clock, fetch, { retryMaxDelayMs: 30_000 });

    const error = await rejectionOf(client.getToken());

    expect(fetch.requests).toHaveLength(1);
    expect(error.code).toBe('too_many_attempts');
    expect(error.retryAfterMs).toBe(900_000);
  });

  it('honours Retry-After on a 503 (identity provider unavailable)', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(503, 'oidc_provider_unavailable', { 'Retry-After': '5' }), tokenResponse(3600));
    const client = makeClient(clock, fetch, { random: () => 0 });

    const pending = client.getToken();
    await clock.advance(5000 - 1);
    expect(fetch.requests).toHaveLength(1);
    await clock.advance(1);
    expect(fetch.requests).toHaveLength(2);
    await expect(pending).resolves.toMatchObject({ identity: 'alice' });
  });

  it('after a 429 with retries exhausted, reports too_many_attempts in plain words', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(429, 'too_many_attempts', { 'Retry-After': '2' }));
    const client = makeClient(clock, fetch, { maxRetries: 1 });

    const pending = rejectionOf(client.getToken());
    await clock.advance(10_000);
    const error = await pending;

    expect(error.code).toBe('too_many_attempts');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).toMatch(/too many attempts/i);
  });

  it.each([
    [400, 'invalid_request'],
    [415, 'unsupported_media_type'],
    [500, 'server_misconfigured'],
  ])('does not retry HTTP %i (%s)', async (status, code) => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(status, code), tokenResponse(3600));
    const client = makeClient(clock, fetch);

    const pending = rejectionOf(client.getToken());
    await clock.advance(60_000);
    const error = await pending;

    expect(fetch.requests).toHaveLength(1);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(false);
  });

  it('treats an attempt with no answer within requestTimeoutMs as a network error and retries it', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch('hang', tokenResponse(3600));
    const client = makeClient(clock, fetch, { requestTimeoutMs: 5000, random: () => 0 });

    const pending = client.getToken();
    await clock.advance(5000);

    await expect(pending).resolves.toMatchObject({ identity: 'alice' });
    expect(fetch.requests).toHaveLength(2);
    expect(fetch.requests[0]!.init.signal.aborted).toBe(true);
  });
});

describe('an endpoint on another origin: a failure the browser hides is retried at most once', () => {
  const PAGE = 'https://app.example.test/';
  const ENDPOINT = 'https://svc-1234-dev.twil.io/token';

  it('an opaque network failure (fetch rejects, as for an answer without a CORS header): two requests, then network_error, not retried later', async () => {
    await onPage(PAGE, async () => {
      const clock = new FakeClock();
      const fetch = fakeFetch(new TypeError('Failed to fetch'));
      const client = makeClient(clock, fetch, { endpoint: ENDPOINT });
      const errors: TokenClientError[] = [];
      client.onError((error) => errors.push(error));
      const pending = rejectionOf(client.start());
      await clock.advance(60_000);
      const error = await pending;
      expect(error.code).toBe('network_error');
      expect(error.retryable).toBe(false);
      expect(fetch.requests).toHaveLength(2);
      // Started, but nothing is scheduled: ten minutes later still two requests.
      await clock.advance(600_000);
      expect(fetch.requests).toHaveLength(2);
      expect(errors).toHaveLength(1);
      // Asked again, it tries again (once more, and one retry).
      await Promise.all([rejectionOf(client.getToken()), clock.advance(60_000)]);
      expect(fetch.requests).toHaveLength(4);
    });
  });

  it('with maxRetries 0 it is not retried at all', async () => {
    await onPage(PAGE, async () => {
      const fetch = fakeFetch(new TypeError('Failed to fetch'));
      const clock = new FakeClock();
      const pending = rejectionOf(makeClient(clock, fetch, { endpoint: ENDPOINT, maxRetries: 0 }).start());
      await clock.advance(600_000);
      expect((await pending).code).toBe('network_error');
      expect(fetch.requests).toHaveLength(1);
    });
  });

  it('a readable refusal (403 origin_not_allowed) is reported at once: one request', async () => {
    await onPage(PAGE, async () => {
      const fetch = fakeFetch(errorResponse(403, 'origin_not_allowed'));
      const error = await rejectionOf(makeClient(new FakeClock(), fetch, { endpoint: ENDPOINT }).getToken());
      expect({ code: error.code, status: error.status }).toEqual({ code: 'origin_not_allowed', status: 403 });
      expect(fetch.requests).toHaveLength(1);
    });
  });

  it('readable answers cross-origin (503) and network failures of a same-origin endpoint keep their maxRetries', async () => {
    await onPage(PAGE, async () => {
      const clock = new FakeClock();
      const unavailable = fakeFetch(errorResponse(503, 'unavailable'));
      const pending = rejectionOf(makeClient(clock, unavailable, { endpoint: ENDPOINT, maxRetries: 3 }).getToken());
      await clock.advance(60_000);
      await pending;
      expect(unavailable.requests).toHaveLength(4);

      const sameOrigin = fakeFetch(new TypeError('Failed to fetch'));
      const pendingSame = rejectionOf(makeClient(clock, sameOrigin, { endpoint: '/token', maxRetries: 3 }).getToken());
      await clock.advance(60_000);
      expect((await pendingSame).retryable).toBe(true);
      expect(sameOrigin.requests).toHaveLength(4);
    });
  });
});

describe('authentication failures', () => {
  it('on 401 stops refreshing, emits invalid_credentials, and never fetches again', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(
      tokenResponse(3600),
      errorResponse(401, 'invalid_credentials', {}, { schemes: ['basic', 'bearer'] }),
      tokenResponse(3600),
    );
    const client = makeClient(clock, fetch);
    const errors: TokenClientError[] = [];
    client.onError((error) => errors.push(error));

    await client.start();
    await clock.advance((3600 - 60) * 1000); // the scheduled refresh gets the 401
    expect(fetch.requests).toHaveLength(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TokenClientError);
    expect(errors[0]!.code).toBe('invalid_credentials');
    expect(errors[0]!.status).toBe(401);
    expect(errors[0]!.schemes).toEqual(['basic', 'bearer']);
    expect(errors[0]!.message).toMatch(/not accepted/);

    await clock.advance(24 * 3600 * 1000);
    const later = await rejectionOf(client.getToken());
    expect(later.code).toBe('invalid_credentials');
    expect(fetch.requests).toHaveLength(2);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('on 403 origin_not_allowed gives up at once with a plain-words message', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(403, 'origin_not_allowed'), tokenResponse(3600));
    const client = makeClient(clock, fetch);

    const error = await rejectionOf(client.start());
    await clock.advance(3600 * 1000);

    expect(error.code).toBe('origin_not_allowed');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/not allowed/);
    expect(fetch.requests).toHaveLength(1);
  });

  it('setCredentials() after a 401 lets the client fetch again with the new header', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(errorResponse(401, 'invalid_credentials'), tokenResponse(3600));
    const client = makeClient(clock, fetch);

    await rejectionOf(client.getToken());
    client.setCredentials({ kind: 'basic', username: 'alice', password: 'second-try' });
    await client.getToken();

    expect(fetch.requests).toHaveLength(2);
    expect(fetch.requests[1]!.init.headers.Authorization).toBe(basicHeader('alice', 'second-try'));
  });

  it('clearCredentials() forgets the cached token and the credentials: no further request is made', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600));
    const client = makeClient(clock, fetch);
    await client.start();

    client.clearCredentials();
    const error = await rejectionOf(client.getToken());
    await clock.advance(2 * 3600 * 1000);

    expect(error.code).toBe('credentials_cleared');
    expect(fetch.requests).toHaveLength(1);
  });

  it('keeps credentials out of error messages', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(new TypeError(`request to /token with ${basicCredentials.password} failed`));
    const client = makeClient(clock, fetch, { maxRetries: 0 });

    const error = await rejectionOf(client.getToken());

    expect(error.code).toBe('network_error');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(basicCredentials.password);
    expect(error.message).toMatch(/could not reach/i);
  });
});

describe('response validation', () => {
  it.each([
    ['a token that is not three dot-separated parts', { token: 'not-a-jwt' }],
    ['an expiresAt that does not parse', { expiresAt: 'tomorrow-ish' }],
    ['a missing ttl', { ttl: undefined }],
    ['grants that are not strings', { grants: [1, 2] }],
  ])('rejects a 200 body with %s as invalid_response, without retrying', async (_label, overrides) => {
    const clock = new FakeClock();
    const fetch = fakeFetch(tokenResponse(3600, overrides), tokenResponse(3600));
    const client = makeClient(clock, fetch);
    const errors: TokenClientError[] = [];
    client.onError((error) => errors.push(error));

    const error = await rejectionOf(client.getToken());
    await clock.advance(60_000);

    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(200);
    expect(errors).toEqual([error]);
    expect(fetch.requests).toHaveLength(1);
  });

  it('rejects a 200 body that is not JSON as invalid_response', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(new Response('<html>oops</html>', { status: 200 }));
    const client = makeClient(clock, fetch);

    expect((await rejectionOf(client.getToken())).code).toBe('invalid_response');
  });

  it('gives an error status without a JSON error body the code http_error', async () => {
    const clock = new FakeClock();
    const fetch = fakeFetch(new Response('Bad Gateway', { status: 502 }));
    const client = makeClient(clock, fetch, { maxRetries: 0 });

    const error = await rejectionOf(client.getToken());

    expect(error.code).toBe('http_error');
    expect(error.status).toBe(502);
  });
});
