/**
 * twilio-run's default mode (plain `twilio-run start` or `twilio serverless:start`) forks a process per
 * request and serialises responses differently: answers must be the same JSON there.
 */
import { basicHeader, environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { send } from '../helpers/http';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

let credentials: TestCredentials;
let server: RunningServer;

beforeAll(async () => {
  credentials = newCredentials(['alice']);
  server = await startServer(await environmentFor(credentials), { forkPerRequest: true });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('twilio-run forking a process per request (its default mode)', () => {
  it('answers a token as a JSON object, not as a JSON-encoded string', async () => {
    const answer = await send(`${server.url}/token`, {
      json: { identity: 'alice' },
      headers: { authorization: basicHeader('alice', credentials.passwords.alice!) },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(typeof answer.json).toBe('object');
    expect(answer.json.identity).toBe('alice');
    const { claims } = await verifyTwilioToken(answer.json.token, credentials.apiKeySecret);
    expect(claims.grants).toEqual({ identity: 'alice', video: {} });
  }, 30_000);

  it('answers errors as JSON objects too', async () => {
    const answer = await send(`${server.url}/token`, { json: {} });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({
      error: { code: 'missing_credentials', message: expect.any(String), schemes: ['basic', 'bearer'] },
    });
  }, 30_000);

  it('serves /health as a JSON object', async () => {
    const answer = await send(`${server.url}/health`, { method: 'GET' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'ok', authSchemes: ['basic', 'bearer'] });
  }, 30_000);
});
