/** The Sync stand-in enforces the rules the ledger is designed around: revisions, TTLs, errors, 20 writes/s per Map. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSyncApi } from '../helpers/fake-twilio/sync-api';

const credentials = {
  accountSid: `AC${'a'.repeat(32)}`,
  apiKeySid: `SK${'b'.repeat(32)}`,
  apiKeySecret: 'c'.repeat(32),
  serviceSid: `IS${'d'.repeat(32)}`,
};
let clock = 1_700_000_000_000;
let api: FakeSyncApi;
let server: Server;
let base: string;

beforeEach(async () => {
  clock = 1_700_000_000_000;
  api = new FakeSyncApi(credentials, () => clock);
  server = createServer(api.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/Services/default`;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.apiKeySid}:${credentials.apiKeySecret}`).toString('base64')}`,
      ...headers,
      ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(form && { body: new URLSearchParams(form).toString() }),
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), json: text ? JSON.parse(text) : undefined };
}

it('refuses a wrong API key with 20003', async () => {
  const response = await fetch(`${base}/Maps`, { method: 'POST', headers: { authorization: 'Basic eDp5' } });
  expect(response.status).toBe(401);
  expect((await response.json()).code).toBe(20003);
});

it('creates a Map once (54301 after), and answers 54200 for items of a Map that does not exist', async () => {
  expect((await call('POST', '/Maps', { UniqueName: 'm' })).status).toBe(201);
  expect((await call('POST', '/Maps', { UniqueName: 'm' })).json.code).toBe(54301);
  expect((await call('GET', '/Maps/other/Items/k')).json).toMatchObject({ status: 404, code: 54200 });
});

it('answers a missing Map with the generic 404/20404 when told to, as Twilio may for an unknown path', async () => {
  api.behaviour.missingMapCode = 20404;
  expect((await call('POST', '/Maps/absent/Items', { Key: 'k', Data: '{}' })).json).toMatchObject({ status: 404, code: 20404 });
  expect((await call('POST', '/Maps/absent/Items/k', { Data: '{}' }, { 'if-match': '0' })).json).toMatchObject({
    status: 404,
    code: 20404,
  });
  await call('POST', '/Maps', { UniqueName: 'absent' });
  expect((await call('POST', '/Maps/absent/Items', { Key: 'k', Data: '{}' })).status).toBe(201);
});

it('keeps revisions: 54208 for an existing key, 54205 for a stale If-Match, 54003 for a malformed one, an ETag on every item', async () => {
  await call('POST', '/Maps', { UniqueName: 'm' });
  const created = await call('POST', '/Maps/m/Items', { Key: 'k', Data: '{"f":1}', ItemTtl: '60' });
  expect(created).toMatchObject({ status: 201, etag: '0' });
  expect((await call('POST', '/Maps/m/Items', { Key: 'k', Data: '{}' })).json.code).toBe(54208);
  const updated = await call('POST', '/Maps/m/Items/k', { Data: '{"f":2}' }, { 'if-match': '0' });
  expect(updated.status).toBe(200);
  expect(updated.etag).not.toBe('0');
  expect((await call('POST', '/Maps/m/Items/k', { Data: '{"f":3}' }, { 'if-match': '0' })).json).toMatchObject({
    status: 412,
    code: 54205,
  });
  expect((await call('POST', '/Maps/m/Items/k', { Data: '{}' }, { 'if-match': 'not a revision!' })).json.code).toBe(54003);
  expect((await call('GET', '/Maps/m/Items/k')).json.data).toEqual({ f: 2 });
});

it('forgets an item when its ItemTtl has passed (54201 after)', async () => {
  await call('POST', '/Maps', { UniqueName: 'm' });
  await call('POST', '/Maps/m/Items', { Key: 'k', Data: '{}', ItemTtl: '60' });
  clock += 59_999;
  expect((await call('GET', '/Maps/m/Items/k')).status).toBe(200);
  clock += 1;
  expect((await call('GET', '/Maps/m/Items/k')).json.code).toBe(54201);
});

it('answers 429 to the 21st write within a second to one Map (all its items together), and takes writes again a second later', async () => {
  await call('POST', '/Maps', { UniqueName: 'm' });
  await call('POST', '/Maps', { UniqueName: 'n' });
  const statuses = [];
  for (let i = 0; i < 21; i++) statuses.push((await call('POST', '/Maps/m/Items', { Key: `k${i}`, Data: '{}' })).status);
  expect(statuses.slice(0, 20).every((status) => status === 201)).toBe(true);
  expect(statuses[20]).toBe(429);
  expect((await call('POST', '/Maps/n/Items', { Key: 'k', Data: '{}' })).status).toBe(201); // another object
  clock += 1000;
  expect((await call('POST', '/Maps/m/Items', { Key: 'late', Data: '{}' })).status).toBe(201);
});

it('answers 429 on demand, and fails on demand with Twilio’s error JSON', async () => {
  api.behaviour.tooManyRequestsUntil = clock + 1;
  expect((await call('GET', '/Maps/m/Items/k')).json).toMatchObject({ status: 429, code: 20429 });
  api.behaviour.tooManyRequestsUntil = 0;
  api.behaviour.failWith = 503;
  expect((await call('GET', '/Maps/m/Items/k')).status).toBe(503);
});
