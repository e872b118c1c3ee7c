/** parseAuthorizationHeader: the Basic and Bearer syntaxes, and every malformed form refused with a stable code. */
import { parseAuthorizationHeader } from '../../src/lib/auth/authorization-header';
import { basicHeader } from '../helpers/fixtures';
import { expectServiceError } from '../helpers/service-error';

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describe('no header', () => {
  it('returns undefined when there is no Authorization header', () => {
    expect(parseAuthorizationHeader(undefined)).toBeUndefined();
  });
});

describe('Basic', () => {
  it('decodes user and password', () => {
    expect(parseAuthorizationHeader(basicHeader('alice', 's3cret-pw'))).toEqual({
      scheme: 'basic',
      username: 'alice',
      password: 's3cret-pw',
    });
  });

  it.each(['basic', 'BASIC', 'bAsIc'])('accepts the scheme spelled %s', (scheme) => {
    expect(parseAuthorizationHeader(`${scheme} ${b64('alice:pw')}`)).toEqual({ scheme: 'basic', username: 'alice', password: 'pw' });
  });

  it('accepts several spaces between scheme and credentials, and surrounding spaces', () => {
    expect(parseAuthorizationHeader(`  Basic    ${b64('alice:pw')}  `)).toEqual({ scheme: 'basic', username: 'alice', password: 'pw' });
  });

  it('splits at the first colon, so the password may contain colons', () => {
    expect(parseAuthorizationHeader(basicHeader('alice', 'a:b::c:'))).toEqual({ scheme: 'basic', username: 'alice', password: 'a:b::c:' });
  });

  it('returns an empty user name as empty (the authenticator refuses it)', () => {
    expect(parseAuthorizationHeader(basicHeader('', 'pw'))).toEqual({ scheme: 'basic', username: '', password: 'pw' });
  });

  it('returns an empty password as empty', () => {
    expect(parseAuthorizationHeader(basicHeader('alice', ''))).toEqual({ scheme: 'basic', username: 'alice', password: '' });
  });

  it('decodes UTF-8 user names and passwords', () => {
    expect(parseAuthorizationHeader(basicHeader('Jos\u00e9', 'p\u00e4ss\u{1f511}'))).toEqual({
      scheme: 'basic',
      username: 'Jos\u00e9',
      password: 'p\u00e4ss\u{1f511}',
    });
  });

  it.each([
    ['missing padding', b64('alice:pw12').replace(/=+$/, '')],
    ['a length that is not a multiple of four', 'YWxpY2U6cHc'],
    ['URL-safe characters', Buffer.from([0xfb, 0xff, 0x3a, 0x61]).toString('base64url')],
    ['padding in the middle', 'YQ==YWxpY2U6cHc='],
  ])('refuses base64 with %s as invalid_authorization', (_what, credentials) => {
    expectServiceError(() => parseAuthorizationHeader(`Basic ${credentials}`), 'invalid_authorization');
  });

  it('refuses credentials without a colon', () => {
    const error = expectServiceError(() => parseAuthorizationHeader(`Basic ${b64('alicepw')}`), 'invalid_authorization');
    expect(error.message).toBe('the Basic credentials must be user:password');
  });

  it('refuses bytes that are not UTF-8 (base64 of 0xff 0xfe)', () => {
    const error = expectServiceError(() => parseAuthorizationHeader(`Basic ${b64(Buffer.from([0xff, 0xfe]))}`), 'invalid_authorization');
    expect(error.message).toBe('the Basic credentials are not valid UTF-8');
  });

  it('refuses Latin-1 encoded credentials that are not UTF-8', () => {
    expectServiceError(
      () => parseAuthorizationHeader(`Basic ${Buffer.from('Jos\u00e9:pw', 'latin1').toString('base64')}`),
      'invalid_authorization',
    );
  });

  it('refuses the scheme with no credentials', () => {
    for (const header of ['Basic', 'Basic ', 'Basic    ']) {
      const error = expectServiceError(() => parseAuthorizationHeader(header), 'invalid_authorization');
      expect(error.message).toBe('the Basic credentials are empty');
    }
  });

  it('refuses credentials with inner white space', () => {
    expectServiceError(() => parseAuthorizationHeader(`Basic ${b64('alice:pw')} extra`), 'invalid_authorization');
  });

  it('never echoes the credentials in its error messages', () => {
    const password = 'pw-that-must-not-appear';
    const headers = [
      `Basic ${b64(`alice${password}`)}`,
      `Basic ${b64(`alice:${password}`)}!`,
      `Basic ${b64(`alice:${password}`).replace(/=+$/, '')}`,
    ];
    for (const header of headers) {
      const error = expectServiceError(() => parseAuthorizationHeader(header), 'invalid_authorization');
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(header.slice(6));
    }
  });
});

describe('Bearer', () => {
  it('returns the token', () => {
    expect(parseAuthorizationHeader('Bearer abc.DEF-123_~+/==')).toEqual({ scheme: 'bearer', token: 'abc.DEF-123_~+/==' });
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme spelled %s', (scheme) => {
    expect(parseAuthorizationHeader(`${scheme} tok`)).toEqual({ scheme: 'bearer', token: 'tok' });
  });

  it('accepts several spaces before the token', () => {
    expect(parseAuthorizationHeader('Bearer     tok')).toEqual({ scheme: 'bearer', token: 'tok' });
  });

  it('refuses an empty token', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer   ']) {
      const error = expectServiceError(() => parseAuthorizationHeader(header), 'invalid_authorization');
      expect(error.message).toBe('the Bearer credentials are empty');
    }
  });

  it.each([
    ['inner space', 'abc def'],
    ['a tab', 'abc\tdef'],
    ['a comma', 'abc,def'],
    ['a quote', 'abc"def'],
    ['a non-ASCII letter', 'abc\u00e9'],
    ['padding before the end', 'ab=cd'],
    ['only padding', '=='],
  ])('refuses a token with %s', (_what, token) => {
    expectServiceError(() => parseAuthorizationHeader(`Bearer ${token}`), 'invalid_authorization');
  });
});

describe('header shape', () => {
  it('refuses two Authorization headers (an array) even if each is valid', () => {
    const error = expectServiceError(() => parseAuthorizationHeader([basicHeader('a', 'b'), 'Bearer tok']), 'invalid_authorization');
    expect(error.message).toBe('send exactly one Authorization header');
  });

  it('refuses an empty array too', () => {
    expectServiceError(() => parseAuthorizationHeader([]), 'invalid_authorization');
  });

  it.each(['Digest username="alice"', 'Token abc', 'Negotiate abc', 'Bearerx tok', 'Basics YWxpY2U6cHc='])(
    'refuses the unknown scheme in %j as unsupported_authorization_scheme',
    (header) => {
      expectServiceError(() => parseAuthorizationHeader(header), 'unsupported_authorization_scheme');
    },
  );

  it.each(['', '   ', ' :abc', '1Basic abc', 'Basic\tYWxpY2U6cHc=', 'Bearer\ttok'])('refuses the malformed header %j', (header) => {
    expectServiceError(() => parseAuthorizationHeader(header), 'invalid_authorization');
  });
});
