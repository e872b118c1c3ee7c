/** The Functions adapter: splitting the event, and answering through the callback on every path. */
import { WITHHELD_HEADER_NAMES, WITHHELD_HEADER_PREFIXES } from '../../src/lib/http/runtime-request';
import { respond, splitEvent } from '../../src/runtime/twilio-adapter';

/** A small stand-in for the runtime's global Twilio.Response: records what the adapter sets. */
class RecordingResponse {
  statusCode = 200;
  headers: Record<string, string> = {};
  body: unknown;
  setStatusCode(code: number) {
    this.statusCode = code;
  }
  setHeaders(headers: Record<string, string>) {
    this.headers = { ...headers };
  }
  setBody(body: unknown) {
    this.body = body;
  }
}

beforeAll(() => {
  (globalThis as unknown as { Twilio: unknown }).Twilio = { Response: RecordingResponse };
});
afterAll(() => {
  delete (globalThis as unknown as { Twilio?: unknown }).Twilio;
});

describe('splitEvent', () => {
  it("takes the headers from the runtime's own request object, and the rest as fields", () => {
    const split = splitEvent({ request: { headers: { authorization: 'Basic x' }, cookies: {} }, identity: 'alice' });
    expect(split).toEqual({ headers: { authorization: 'Basic x' }, fields: { identity: 'alice' } });
  });

  it.each([
    ['a string', 'x'],
    ['headers without cookies (a query string ?request[headers][authorization]=…)', { headers: { authorization: 'Bearer s' } }],
    ['cookies that are not an object', { headers: {}, cookies: 'a=b' }],
    ['a header that is a number', { headers: { authorization: 1 }, cookies: {} }],
    ['null', null],
    [
      'cookies the headers hold no Cookie for (?request[headers][authorization]=…&request[cookies][a]=1)',
      { headers: { authorization: 'Bearer s' }, cookies: { a: '1' } },
    ],
    ['a cookie the Cookie header does not name', { headers: { cookie: 'b=2' }, cookies: { a: '1' } }],
    ['a header name in capitals (the runtime lower-cases them)', { headers: { Authorization: 'Bearer s' }, cookies: {} }],
    ['a header the runtime never passes on (Connection)', { headers: { connection: 'close', authorization: 'Bearer s' }, cookies: {} }],
    ['a header the runtime never passes on (X-Forwarded-For)', { headers: { 'x-forwarded-for': '1.2.3.4' }, cookies: {} }],
    ['a third key beside headers and cookies', { headers: {}, cookies: {}, url: '/token' }],
    ['a Cookie header one of whose cookies is missing', { headers: { cookie: 'a=1; b=2' }, cookies: { a: '1' } }],
    ["a cookie whose value is not the Cookie header's", { headers: { cookie: 'a=1' }, cookies: { a: '2' } }],
    ['a cookie named constructor', { headers: { cookie: 'constructor=1' }, cookies: { constructor: '1' } }],
    ['its own __proto__ key (JSON.parse makes one)', JSON.parse('{"headers":{},"cookies":{"__proto__":{}}}')],
    ['a one-item list (the runtime makes a list only of a repeated header)', { headers: { accept: ['x'] }, cookies: {} }],
    // Found by the forged-request property in CI: runtime-handler replaces an empty first value instead of listing it.
    ['a list whose first value is empty', { headers: { accept: ['', ''] }, cookies: {} }],
    ['a value with the blanks HTTP trims', { headers: { accept: ' x' }, cookies: {} }],
    ['a value with a line break', { headers: { accept: 'x\ny' }, cookies: {} }],
    ['headers as a list', { headers: ['authorization', 'Bearer s'], cookies: {} }],
    [
      'a getter',
      {
        get headers() {
          return { authorization: 'Bearer s' };
        },
        cookies: {},
      },
    ],
  ])('gives no headers when a field replaced request with %s', (_what, request) => {
    expect(splitEvent({ request }).headers).toBeUndefined();
  });

  it("accepts the runtime's own cookies, parsed from its Cookie header (one header or repeated ones)", () => {
    expect(splitEvent({ request: { headers: { cookie: 'a=1; b=%22x%22' }, cookies: { a: '1', b: '"x"' } } }).headers).toEqual({
      cookie: 'a=1; b=%22x%22',
    });
    expect(splitEvent({ request: { headers: { cookie: ['a=1', 'b=2'] }, cookies: { a: '1', b: '2' } } }).headers).toEqual({
      cookie: ['a=1', 'b=2'],
    });
    // Without a Cookie header, cookie-parser's cookies object has no prototype (in-process, --no-fork-process).
    expect(splitEvent({ request: { headers: { accept: '*/*' }, cookies: Object.create(null) } }).headers).toEqual({ accept: '*/*' });
  });
});

describe('respond', () => {
  async function answerOf(work: () => Promise<never>) {
    const calls: [unknown, RecordingResponse][] = [];
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      respond((error, response) => calls.push([error, response as unknown as RecordingResponse]), work);
      await new Promise((resolve) => setImmediate(resolve));
      return { calls, logged: errors.mock.calls.map((call) => String(call[0])) };
    } finally {
      errors.mockRestore();
    }
  }

  it.each([
    [
      'throws',
      () => {
        throw new Error('boom: secret-ish detail');
      },
    ],
    ['rejects', () => Promise.reject(new TypeError('boom: secret-ish detail'))],
  ])('answers once with 500 internal_error and the usual headers when the work %s, logging only the kind', async (_how, work) => {
    const { calls, logged } = await answerOf(work as () => Promise<never>);
    expect(calls).toHaveLength(1);
    const [error, response] = calls[0]!;
    expect(error).toBeNull();
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({ error: { code: 'internal_error', message: 'the token service failed; try again' } });
    expect(response.headers).toMatchObject({
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Origin',
    });
    expect(logged.join('\n')).not.toContain('secret-ish');
  });
});

describe("the runtime's withheld headers", () => {
  it("are runtime-handler's restricted list, so no header it passes is taken for a forgery", () => {
    const restricted = require('../../node_modules/@twilio/runtime-handler/dist/dev-runtime/checks/restricted-headers.js') as {
      restrictedHeaderExactMatches: string[];
      restrictedHeaderPrefixes: string[];
    };
    expect([...WITHHELD_HEADER_NAMES].sort()).toEqual([...restricted.restrictedHeaderExactMatches].sort());
    expect([...WITHHELD_HEADER_PREFIXES].sort()).toEqual([...restricted.restrictedHeaderPrefixes].sort());
  });
});
