/** parseTokenRequestFields: JSON keeps types, forms send strings; every field's refused forms. */
import { parseTokenRequestFields, type BodyKind } from '../../src/lib/token-request';
import { expectServiceError } from '../helpers/service-error';

const json = (body: Record<string, unknown>) => parseTokenRequestFields(body, 'json');
const form = (body: Record<string, unknown>) => parseTokenRequestFields(body, 'form');

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

  it('refuses a username without a password, and a password without a username', () => {
    expect(expectServiceError(() => json({ username: 'alice' }), 'invalid_request').message).toBe(
      'username and password must be sent together',
    );
    expectServiceError(() => json({ password: 'pw' }), 'invalid_request');
  });

  it('refuses a non-string password', () => {
    expectServiceError(() => json({ username: 'alice', password: 1234 }), 'invalid_request');
  });

  it.each(['identity', 'username', 'password', 'room'])('accepts %s of 1024 characters but refuses 1025', (field) => {
    const partner = field === 'username' ? { password: 'pw' } : field === 'password' ? { username: 'u' } : {};
    const ok = { ...partner, [field]: 'r'.repeat(field === 'room' ? 128 : 1024) };
    expect(() => json(ok)).not.toThrow();
    expect(expectServiceError(() => json({ ...partner, [field]: 'r'.repeat(1025) }), 'invalid_request').message).toBe(`${field} is too long`);
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
