/** parseTokenRequestFields: JSON keeps types, forms send strings; every field's refused forms. */
import { parseTokenRequestFields, type BodyKind } from '../../src/lib/token/request';
import { expectServiceError } from '../helpers/service-error';

/** Each body as sent, with its Content-Length (credential fields need one). */
const json = (body: Record<string, unknown>) => parseTokenRequestFields(body, 'json', Buffer.byteLength(JSON.stringify(body)));
const formBytes = (body: Record<string, unknown>) =>
  Buffer.byteLength(
    new URLSearchParams(
      Object.entries(body).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item) => [name, String(item)])),
    ).toString(),
  );
const form = (body: Record<string, unknown>) => parseTokenRequestFields(body, 'form', formBytes(body));

describe('an empty or foreign body', () => {
  it.each(['json', 'form', 'none'] as BodyKind[])('returns no fields for an empty %s body', (kind) => {
    expect(parseTokenRequestFields({}, kind)).toEqual({});
  });

  it('ignores fields it does not know', () => {
    expect(json({ identity: 'alice', colour: 'blue', request: { headers: {} } })).toEqual({ identity: 'alice' });
  });

  it('returns every known field when all are valid', () => {
    expect(json({ identity: 'alice', grants: ['video', 'chat'], room: 'standup', ttl: 600, username: 'bob', password: 'pw' })).toEqual({
      identity: 'alice',
      grants: ['video', 'chat'],
      room: 'standup',
      ttl: 600,
      username: 'bob',
      password: 'pw',
    });
  });
});

describe('ttl', () => {
  it('accepts a JSON number', () => {
    expect(json({ ttl: 600 }).ttl).toBe(600);
  });

  it('refuses a JSON string "600": JSON keeps types', () => {
    expectServiceError(() => json({ ttl: '600' }), 'invalid_ttl');
  });

  it('accepts a form string "600" as the number 600', () => {
    expect(form({ ttl: '600' })).toEqual({ ttl: 600 });
  });

  it.each([
    ['negative', -1],
    ['zero', 0],
    ['a float', 600.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['above 2^31-1', 2_147_483_648],
    ['huge', 1e300],
    ['a boolean', true],
    ['null', null],
    ['an array', [600]],
    ['an object', { seconds: 600 }],
  ])('refuses a JSON ttl that is %s', (_what, ttl) => {
    expectServiceError(() => json({ ttl }), 'invalid_ttl');
  });

  it('accepts the largest requestable ttl (the policy clamps it later)', () => {
    expect(json({ ttl: 2_147_483_647 }).ttl).toBe(2_147_483_647);
  });

  it.each(['-1', '0', '1.5', '1e3', ' 600', '600s', '0x10', '', '12345678901', '2147483648'])('refuses the form ttl %j', (ttl) => {
    expectServiceError(() => form({ ttl }), 'invalid_ttl');
  });

  it('refuses a repeated form ttl (an array)', () => {
    expectServiceError(() => form({ ttl: ['600', '700'] }), 'invalid_ttl');
  });
});

describe('grants', () => {
  it('accepts a JSON array', () => {
    expect(json({ grants: ['chat', 'video'] }).grants).toEqual(['chat', 'video']);
  });

  it('accepts a comma-separated string with spaces', () => {
    expect(form({ grants: 'video, chat' }).grants).toEqual(['video', 'chat']);
  });

  it('accepts a repeated form field, which arrives as an array', () => {
    expect(form({ grants: ['voice', 'sync'] }).grants).toEqual(['voice', 'sync']);
  });

  it('accepts a single grant as a string', () => {
    expect(json({ grants: 'sync' }).grants).toEqual(['sync']);
  });

  it.each([
    ['an empty array', []],
    ['an empty string', ''],
    ['a trailing comma', 'video,'],
    ['an unknown grant', ['video', 'screen']],
    ['an unknown grant in a string', 'video,fax'],
    ['a grant in capitals', ['Video']],
    ['a duplicate', ['video', 'video']],
    ['a duplicate in a string', 'chat,chat'],
    ['a non-string item', ['video', 1]],
    ['a nested array', [['video']]],
    ['a number', 1],
    ['an object', { 0: 'video' }],
    ['null', null],
    ['more than 16 items', Array.from({ length: 17 }, () => 'video')],
  ])('refuses %s', (_what, grants) => {
    expectServiceError(() => json({ grants }), 'invalid_grants');
  });

  it('names the duplicated grant', () => {
    expect(expectServiceError(() => json({ grants: ['video', 'chat', 'chat'] }), 'invalid_grants').message).toBe(
      'grants lists chat more than once',
    );
  });
});

describe('identity, username and password', () => {
  it.each([
    ['an array', ['alice']],
    ['an object', { name: 'alice' }],
    ['null', null],
    ['a number', 42],
    ['a boolean', false],
  ])('refuses an identity that is %s', (_what, identity) => {
    expect(expectServiceError(() => json({ identity }), 'invalid_request').message).toBe('identity must be a string');
  });

  it('passes the identity through unvalidated (the policy checks it per grant)', () => {
    expect(json({ identity: ' x ' }).identity).toBe(' x ');
  });

  it('reads a username without a password (the endpoint answers 401 missing_credentials, as the tutorial does)', () => {
    expect(json({ username: 'susan' })).toEqual({ username: 'susan' });
    expect(json({ password: 'pw' })).toEqual({ password: 'pw' });
  });

  it('reads a bearer credential sent as access_token (RFC 6750 §2.2), up to 8192 characters', () => {
    expect(json({ access_token: 'abc.def.ghi' })).toEqual({ accessToken: 'abc.def.ghi' });
    expect(json({ access_token: 'a'.repeat(8192) }).accessToken).toHaveLength(8192);
    expect(expectServiceError(() => json({ access_token: 'a'.repeat(8193) }), 'invalid_request').message).toBe('access_token is too long');
    expectServiceError(() => json({ access_token: 42 }), 'invalid_request');
  });

  it('refuses a non-string password', () => {
    expectServiceError(() => json({ username: 'alice', password: 1234 }), 'invalid_request');
  });

  it.each(['identity', 'username', 'password', 'room'])('accepts %s of 1024 characters but refuses 1025', (field) => {
    const partner = field === 'username' ? { password: 'pw' } : field === 'password' ? { username: 'u' } : {};
    const ok = { ...partner, [field]: 'r'.repeat(field === 'room' ? 128 : 1024) };
    expect(() => json(ok)).not.toThrow();
    expect(expectServiceError(() => json({ ...partner, [field]: 'r'.repeat(1025) }), 'invalid_request').message).toBe(
      `${field} is too long`,
    );
  });
});

describe("text that was not UTF-8 (U+FFFD from the runtime's decoder)", () => {
  it.each([
    ['identity', 'invalid_identity'],
    ['room', 'invalid_room'],
    ['username', 'invalid_request'],
    ['password', 'invalid_request'],
    ['access_token', 'invalid_request'],
  ] as const)('refuses %s containing U+FFFD with %s', (field, code) => {
    expect(expectServiceError(() => json({ [field]: 'caf\uFFFD' }), code).message).toMatch(/UTF-8/);
    expectServiceError(() => form({ [field]: '\uFFFD' }), code);
  });

  it('still accepts other non-ASCII text', () => {
    expect(json({ identity: 'café 😀', room: 'salle-été' })).toEqual({ identity: 'café 😀', room: 'salle-été' });
  });
});

describe('a body-less request: every field came from the query string', () => {
  const query = (fields: Record<string, unknown>) => parseTokenRequestFields(fields, 'none');

  it.each([
    'username',
    'password',
    'access_token',
    'id_token',
    'token',
    'secret',
    'passcode',
    'authorization',
    'api_key',
    'Password',
    'ACCESS_TOKEN',
  ])('refuses the credential field %s in the URL, naming it but never its value', (name) => {
    const error = expectServiceError(() => query({ [name]: 'hunter2-secret-value' }), 'invalid_request');
    expect(error.message).toContain('never accepted in the URL');
    expect(error.message).toContain(JSON.stringify(name));
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses credentials in the URL even when other fields are fine', () => {
    expectServiceError(() => query({ identity: 'alice', password: 'x' }), 'invalid_request');
  });

  it('reads the other fields from the query, with ttl as digits as in a form', () => {
    expect(query({ identity: 'alice', grants: 'video', room: 'standup', ttl: '600' })).toEqual({
      identity: 'alice',
      grants: ['video'],
      room: 'standup',
      ttl: 600,
    });
  });

  it('allows the same credential field names in a JSON or form body', () => {
    expect(json({ username: 'u', password: 'p' })).toEqual({ username: 'u', password: 'p' });
    expect(form({ access_token: 'abc' })).toEqual({ accessToken: 'abc' });
  });
});

describe('a body with credentials that cannot fit in its Content-Length came partly from the query string', () => {
  const body = { username: 'susan', password: 'pässwörd "quoted"' };
  const exactJson = Buffer.byteLength(JSON.stringify(body));
  const exactForm = Buffer.byteLength(new URLSearchParams(body).toString());

  it('accepts credentials whose shortest JSON encoding fits exactly', () => {
    expect(parseTokenRequestFields(body, 'json', exactJson)).toEqual(body);
    // Pretty-printed or escaped JSON is longer, never shorter.
    expect(parseTokenRequestFields(body, 'json', Buffer.byteLength(JSON.stringify(body, null, 2)))).toEqual(body);
  });

  it('refuses them one byte short of that (the runtime merged them in from the URL)', () => {
    const error = expectServiceError(() => parseTokenRequestFields(body, 'json', exactJson - 1), 'invalid_request');
    expect(error.message).toContain('never accepted in the URL');
    expect(error.message).not.toContain('pässwörd');
  });

  it('refuses ?access_token=… beside a small JSON body (the tutorial client adding a query string)', () => {
    const merged = { access_token: 'q'.repeat(43), identity: 'a' };
    expectServiceError(() => parseTokenRequestFields(merged, 'json', Buffer.byteLength('{"identity":"a"}')), 'invalid_request');
  });

  it('applies the same bound to form bodies (at least one byte per byte of key and value)', () => {
    expect(parseTokenRequestFields(body, 'form', exactForm)).toEqual(body);
    expectServiceError(() => parseTokenRequestFields(body, 'form', Buffer.byteLength('username=susanpassword=') + 5), 'invalid_request');
  });

  it('refuses credentials beside a body of unknown length (chunked): they may have come from the URL', () => {
    const error = expectServiceError(() => parseTokenRequestFields(body, 'json', undefined), 'invalid_request');
    expect(error.message).toMatch(/Content-Length/);
    expect(error.message).not.toContain('pässwörd');
    expectServiceError(() => parseTokenRequestFields({ access_token: 'q'.repeat(43) }, 'form', undefined), 'invalid_request');
  });

  it('reads the other fields of a body of unknown length', () => {
    expect(parseTokenRequestFields({ identity: 'alice', ttl: 600 }, 'json', undefined)).toEqual({ identity: 'alice', ttl: 600 });
  });

  it('does not bound other fields: those may come from the query string', () => {
    expect(parseTokenRequestFields({ identity: 'alice', grants: 'video' }, 'json', 2)).toEqual({ identity: 'alice', grants: ['video'] });
  });
});

describe('room', () => {
  it('accepts a room name of 128 characters', () => {
    expect(json({ room: 'q'.repeat(128) }).room).toBe('q'.repeat(128));
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'q'.repeat(129)],
    ['a control character', 'room\n'],
    ['a zero-width character', 'ro\u200bom'],
    ['a lone surrogate', 'room\ud800'],
  ])('refuses a room that is %s', (_what, room) => {
    expectServiceError(() => json({ room }), 'invalid_room');
  });

  it('refuses a room that is not a string', () => {
    expectServiceError(() => json({ room: ['a'] }), 'invalid_request');
  });
});
