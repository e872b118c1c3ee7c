/** The Functions adapter: splitting the event, and answering through the callback on every path. */
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
  ])('gives no headers when a field replaced request with %s', (_what, request) => {
    expect(splitEvent({ request }).headers).toBeUndefined();
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
    ['throws', () => {
      throw new Error('boom: secret-ish detail');
    }],
    ['rejects', () => Promise.reject(new TypeError('boom: secret-ish detail'))],
  ])('answers once with 500 internal_error and the usual headers when the work %s, logging only the kind', async (_how, work) => {
    const { calls, logged } = await answerOf(work as () => Promise<never>);
    expect(calls).toHaveLength(1);
    const [error, response] = calls[0]!;
    expect(error).toBeNull();
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({ error: { code: 'internal_error', message: 'the token service failed; try again' } });
    expect(response.headers).toMatchObject({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'X-Content-Type-Options': 'nosniff', Vary: 'Origin' });
    expect(logged.join('\n')).not.toContain('secret-ish');
  });
});
