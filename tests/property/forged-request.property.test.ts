/**
 * Issue 22, finding 4: a field `request` in the query or the body replaces the runtime's `{ headers, cookies }`.
 * Generated `request` objects (keys `__proto__`, `constructor`, `prototype`, lists, nesting, forged Cookie headers)
 * carrying a valid shared secret as their Authorization header are sent to the real twilio-run in the query string
 * and in a JSON body. The oracle is the runtime's own code: runtime-handler's constructHeaders, Node's header
 * checks and cookie-parser say whether some HTTP request could have given the Function that very object. Every
 * object they could not have built gets no token. (Objects they could have built are exact copies, which no code
 * inside a Function can tell from the real thing: see SECURITY.md.) A second property sends the runtime's own
 * objects, built by that code from generated headers, through the check in-process: none is refused.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { runtimeRequestHeaders } from '../../src/lib/http/runtime-request';
import { environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { send } from '../helpers/http';
import { JWT_SHAPE } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

// The runtime's own parsers, as twilio-run loads them (express 4's qs, cookie-parser, runtime-handler's route).
const fromTwilioRun = createRequire(require.resolve('twilio-run/package.json'));
const fromExpress = createRequire(fromTwilioRun.resolve('express/package.json'));
const qs = fromExpress('qs') as {
  parse(text: string, options: object): Record<string, unknown>;
  stringify(value: unknown, options?: object): string;
};
const cookieParser = fromTwilioRun('cookie-parser') as () => (req: object, res: object, next: () => void) => void;
// By path: the package's exports map hides its dev-runtime.
const { constructHeaders } = require(resolve(__dirname, '../../node_modules/@twilio/runtime-handler/dist/dev-runtime/route.js')) as {
  constructHeaders: (rawHeaders: string[]) => Record<string, string | string[]>;
};

const SERVER_RUNS = 300;
const IN_PROCESS_RUNS = 500;

let credentials: TestCredentials;
let server: RunningServer;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  server = await startServer(await environmentFor(credentials, { TOKEN_GRANTS: 'video' }));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** express 4 parses a query string so (lib/utils.js parseExtendedQueryString). */
const parseQuery = (text: string) => qs.parse(text, { allowPrototypes: true, arrayLimit: 1000 });

function cookiesParsedFrom(cookieHeader: string | undefined): unknown {
  const req: { headers: Record<string, string>; cookies?: unknown } = {
    headers: cookieHeader === undefined ? {} : { cookie: cookieHeader },
  };
  cookieParser()(req, {}, () => undefined);
  return req.cookies;
}

function isNodeHeader(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return value === value.replace(/^[ \t]+|[ \t]+$/g, '');
  } catch {
    return false;
  }
}

/**
 * Whether some HTTP request makes the runtime build exactly this `request`: replay its headers as raw headers
 * through constructHeaders and its Cookie header through cookie-parser, and compare.
 */
function runtimeCouldBuild(request: unknown): boolean {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return false;
  if (JSON.stringify(Object.keys(request).sort()) !== '["cookies","headers"]') return false;
  const { headers, cookies } = request as { headers: unknown; cookies: unknown };
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return false;
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item !== 'string' || !isNodeHeader(name, item)) return false;
      raw.push(name, item);
    }
  }
  let built;
  try {
    built = constructHeaders(raw);
  } catch {
    return false; // a header named __proto__ or constructor: the runtime throws (twilio-run answers 500)
  }
  if (JSON.stringify(built) !== JSON.stringify(headers)) return false;
  const cookieHeader = raw.flatMap((item, i) => (i % 2 === 0 && item === 'cookie' ? [raw[i + 1]!] : [])).join('; ');
  return JSON.stringify(cookiesParsedFrom(cookieHeader === '' ? undefined : cookieHeader)) === JSON.stringify(cookies);
}

const oddKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '0', 'Accept', 'via', 'x-forwarded-for', 'a b');
const headerName = fc.oneof(fc.constantFrom('accept', 'cookie', 'host', 'x-a', 'user-agent'), oddKey);
const cookieName = fc.oneof(fc.constantFrom('a', 'b', 'theme'), oddKey);
const text = fc.oneof(
  fc.constantFrom('1', '2', 'x', ' x', 'a=1', 'a=1; b=2', 'constructor=1', 'j:{"a":1}', ''),
  fc.string({ maxLength: 8 }),
);
const nested: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(oddKey, fc.constantFrom('a', 'x')), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Raw headers as a client sends them: names in any case, repeats, Cookie headers, values Node accepts. */
const rawHeaders = fc
  .array(
    fc.tuple(
      fc.constantFrom('Accept', 'accept', 'Cookie', 'cookie', 'Authorization', 'X-Custom', 'Via', 'X-Forwarded-For', 'User-Agent'),
      fc.oneof(
        fc.constantFrom('a=1', 'a=1; b=%22x%22', 'theme="dark"', 'j:{"n":1}', 'c=j:[1]', '__proto__=1', 'x=%E0', 'Bearer abc'),
        fc.string({ maxLength: 12 }),
      ),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => pairs.filter(([name, value]) => isNodeHeader(name, value)));

/** The `request` the runtime builds for these raw headers: runtime-handler's constructHeaders and cookie-parser. */
function builtByRuntime(pairs: readonly (readonly [string, string])[]): { headers: Record<string, string | string[]>; cookies: unknown } {
  const headers = constructHeaders(pairs.flat());
  // Node joins repeated Cookie headers with "; " before cookie-parser reads them.
  const cookieValues = pairs.filter(([name]) => name.toLowerCase() === 'cookie').map(([, value]) => value);
  return { headers, cookies: cookiesParsedFrom(cookieValues.length === 0 ? undefined : cookieValues.join('; ')) };
}

type Mutation = (request: { headers: Record<string, unknown>; cookies: Record<string, unknown> }) => void;

/** One change to a runtime-built object, each a way a copy made by hand can differ from the runtime's. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(oddKey, nested).map(
    ([key, value]): Mutation =>
      (r) =>
        void Object.defineProperty(r.cookies, key, { value, enumerable: true, writable: true, configurable: true }),
  ),
  fc.tuple(oddKey, nested).map(
    ([key, value]): Mutation =>
      (r) =>
        void Object.defineProperty(r.headers, key, { value, enumerable: true, writable: true, configurable: true }),
  ),
  fc.tuple(oddKey, nested).map(
    ([key, value]): Mutation =>
      (r) =>
        void Object.defineProperty(r, key, { value, enumerable: true, writable: true, configurable: true }),
  ),
  fc.tuple(cookieName, text).map(
    ([key, value]): Mutation =>
      (r) =>
        void (r.cookies[key] = value),
  ),
  fc.tuple(headerName, fc.oneof(text, fc.array(text, { maxLength: 2 }))).map(
    ([key, value]): Mutation =>
      (r) =>
        void (r.headers[key] = value),
  ),
  fc.constant<Mutation>((r) => void (r.headers.authorization = [r.headers.authorization])),
  fc.constant<Mutation>(
    (r) =>
      void (r.headers.authorization =
        typeof r.headers.authorization === 'string' ? ` ${r.headers.authorization}` : r.headers.authorization),
  ),
  fc.constant<Mutation>((r) => void delete r.cookies[Object.keys(r.cookies)[0] ?? '']),
  fc.constant<Mutation>((r) => void Object.keys(r.cookies).forEach((key) => (r.cookies[key] = `${JSON.stringify(r.cookies[key])}x`))),
);

/** A copy of a request the runtime built, with the secret as its Authorization header and one to three changes. */
function nearCopy(secret: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(rawHeaders, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([pairs, changes]) => {
    const built = builtByRuntime(pairs.filter(([name]) => name.toLowerCase() !== 'authorization'));
    const request = JSON.parse(JSON.stringify(built)) as { headers: Record<string, unknown>; cookies: Record<string, unknown> };
    request.headers.authorization = `Bearer ${secret}`;
    for (const change of changes) change(request);
    return request;
  });
}

/** A forged `request`: the secret as its Authorization header, around it anything from near copies to nonsense. */
function forgedRequest(secret: string): fc.Arbitrary<Record<string, unknown>> {
  const authorization = fc.constantFrom(`Bearer ${secret}`, [`Bearer ${secret}`], [`Bearer ${secret}`, `Bearer ${secret}`]);
  return fc
    .record(
      {
        headers: fc.tuple(
          authorization,
          fc.dictionary(headerName, fc.oneof(text, fc.array(text, { maxLength: 3 }), nested), { maxKeys: 3 }),
        ),
        cookies: fc.oneof(fc.dictionary(cookieName, fc.oneof(text, nested), { maxKeys: 3 }), nested),
        extra: fc.dictionary(oddKey, nested, { maxKeys: 2 }),
      },
      { requiredKeys: ['headers'] },
    )
    .map(({ headers: [auth, more], cookies, extra }) => ({
      ...extra,
      headers: { ...more, authorization: auth },
      ...(cookies !== undefined && { cookies }),
    }));
}

it(`no request object the runtime could not have built gets a token, from the query or a JSON body (${SERVER_RUNS} runs)`, async () => {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(nearCopy(credentials.sharedSecret), forgedRequest(credentials.sharedSecret)),
      fc.boolean(),
      async (request, inQuery) => {
        let answer;
        if (inQuery) {
          const query = qs.stringify({ identity: 'x', request });
          const received = parseQuery(query).request;
          fc.pre(!runtimeCouldBuild(received));
          answer = await send(`${server.url}/token?${query}`, { method: 'GET' });
        } else {
          const body = JSON.stringify({ identity: 'x', request });
          fc.pre(!runtimeCouldBuild((JSON.parse(body) as { request: unknown }).request));
          answer = await send(`${server.url}/token`, { headers: { 'content-type': 'application/json' }, body });
        }
        sent += 1;
        expect(answer.status).not.toBe(200);
        expect(answer.text).not.toMatch(JWT_SHAPE);
      },
    ),
    { numRuns: SERVER_RUNS },
  );
  expect(sent).toBeGreaterThan(SERVER_RUNS / 2);
}, 120_000);

it(`every request object the runtime builds passes, with its headers (${IN_PROCESS_RUNS} runs, in-process)`, () => {
  fc.assert(
    fc.property(rawHeaders, (pairs) => {
      const { headers, cookies } = builtByRuntime(pairs);
      // What the default forking mode hands the Function: the event after a JSON round trip.
      const forked = JSON.parse(JSON.stringify({ headers, cookies })) as unknown;
      fc.pre(!JSON.stringify(cookies).includes('"constructor"'));
      expect(runtimeRequestHeaders({ headers, cookies })).toEqual(headers);
      expect(runtimeRequestHeaders(forked)).toEqual(headers);
    }),
    { numRuns: IN_PROCESS_RUNS },
  );
});
