/** validateIdentity: NFC form, characters never allowed, and each grant's length and character rules. */
import { validateIdentity } from '../../src/lib/token/identity';
import { GRANT_NAMES } from '../../src/lib/token/grant-names';
import { expectServiceError } from '../helpers/service-error';

describe('valid identities', () => {
  it.each(['alice', 'user-42', 'alice@example.com', 'Jos\u00e9', '\u5f20\u4f1f', 'a.b_c+d'])(
    'returns %j unchanged for every grant',
    (identity) => {
      expect(validateIdentity(identity, GRANT_NAMES)).toBe(identity);
    },
  );

  it('allows inner spaces when the voice grant is not asked for', () => {
    expect(validateIdentity('Alice Smith', ['video', 'chat', 'sync'])).toBe('Alice Smith');
  });

  it('checks only the common rules when no grant is given', () => {
    expect(validateIdentity('a#b', [])).toBe('a#b');
  });
});

describe('NFC normalisation', () => {
  it('returns a decomposed \u00e9 in composed form', () => {
    const decomposed = 'Jose\u0301';
    const result = validateIdentity(decomposed, ['video']);
    expect(result).toBe('Jos\u00e9');
    expect(result).toHaveLength(4);
  });

  it('measures length after normalisation (64 decomposed \u00e9 are 128 bytes once composed)', () => {
    const decomposed = 'e\u0301'.repeat(64);
    expect(Buffer.byteLength(decomposed)).toBe(192);
    expect(validateIdentity(decomposed, ['video'])).toBe('\u00e9'.repeat(64));
  });
});

describe('characters never allowed', () => {
  it('refuses an empty identity', () => {
    expect(expectServiceError(() => validateIdentity('', ['video']), 'invalid_identity').message).toBe('identity must not be empty');
  });

  it.each([
    ['NUL', 'ali\u0000ce'],
    ['a newline', 'alice\nbob'],
    ['a tab', 'ali\tce'],
    ['DEL', 'alice\u007f'],
    ['a C1 control', 'alice\u0085'],
    ['a zero-width space', 'ali\u200bce'],
    ['a zero-width joiner', 'ali\u200dce'],
    ['a byte-order mark', '\ufeffalice'],
    ['a right-to-left override', 'alice\u202etxt.exe'],
    ['a left-to-right isolate', 'alice\u2066'],
    ['a private-use character', 'alice\ue000'],
    ['a lone high surrogate', 'alice\ud800'],
    ['a lone low surrogate', '\udc00alice'],
    ['U+FFFD (invalid UTF-8 decoded by the runtime)', 'caf\ufffd'],
  ])('refuses %s for every grant set', (_what, identity) => {
    for (const grants of [[], ['video'], ['chat', 'sync']] as const) {
      expectServiceError(() => validateIdentity(identity, grants), 'invalid_identity');
    }
  });

  it.each([' alice', 'alice ', '\u00a0alice', 'alice\u3000', '\u2003alice'])(
    'refuses leading or trailing white space in %j',
    (identity) => {
      expect(expectServiceError(() => validateIdentity(identity, ['video']), 'invalid_identity').message).toBe(
        'identity must not start or end with white space',
      );
    },
  );
});

describe('length limits in UTF-8 bytes', () => {
  it('allows exactly 128 bytes for video and refuses 129', () => {
    expect(validateIdentity('v'.repeat(128), ['video'])).toBe('v'.repeat(128));
    const error = expectServiceError(() => validateIdentity('v'.repeat(129), ['video']), 'invalid_identity');
    expect(error.message).toBe('identity is too long for the video grant (at most 128 bytes of UTF-8)');
  });

  it('counts multi-byte characters by their bytes for video (64 \u00e9 pass, 65 fail)', () => {
    expect(validateIdentity('\u00e9'.repeat(64), ['video'])).toBe('\u00e9'.repeat(64));
    expectServiceError(() => validateIdentity('\u00e9'.repeat(65), ['video']), 'invalid_identity');
    // 42 three-byte CJK characters are 126 bytes, 43 are 129
    expect(validateIdentity('\u4f1f'.repeat(42), ['video'])).toBe('\u4f1f'.repeat(42));
    expectServiceError(() => validateIdentity('\u4f1f'.repeat(43), ['video']), 'invalid_identity');
  });

  it.each(['voice', 'chat', 'sync'] as const)('allows exactly 256 bytes for %s and refuses 257', (grant) => {
    expect(validateIdentity('x'.repeat(256), [grant])).toBe('x'.repeat(256));
    const error = expectServiceError(() => validateIdentity('x'.repeat(257), [grant]), 'invalid_identity');
    expect(error.message).toBe(`identity is too long for the ${grant} grant (at most 256 bytes of UTF-8)`);
  });

  it('counts a four-byte emoji as four bytes against the 256-byte limit', () => {
    expect(validateIdentity('\u{1f600}'.repeat(64), ['chat'])).toBe('\u{1f600}'.repeat(64));
    expectServiceError(() => validateIdentity(`${'\u{1f600}'.repeat(64)}x`, ['chat']), 'invalid_identity');
  });

  it('applies the strictest limit of the grants asked for', () => {
    const identity = 'y'.repeat(200);
    expect(validateIdentity(identity, ['chat', 'sync'])).toBe(identity);
    expect(expectServiceError(() => validateIdentity(identity, ['chat', 'video']), 'invalid_identity').message).toMatch(/video grant/);
  });
});

describe('voice client names', () => {
  it.each([' ', '<', '>', '#', '%', '"', '{', '}', '|', '\\', '^', '[', ']', '`', '\u00a0'])(
    'refuses %j inside a voice identity',
    (char) => {
      const error = expectServiceError(() => validateIdentity(`ali${char}ce`, ['voice']), 'invalid_identity');
      expect(error.message).toMatch(/^identity for the voice grant must not contain/);
    },
  );

  it('allows the same characters when voice is not asked for', () => {
    expect(validateIdentity('a#b%c{d}', ['video', 'chat'])).toBe('a#b%c{d}');
  });

  it('allows e-mail-like and dotted names for voice', () => {
    expect(validateIdentity('alice.smith+work@example.com', ['voice'])).toBe('alice.smith+work@example.com');
  });
});
