/**
 * createBasicAuthenticator: the table lookup, scrypt verification, the failure throttle and the verified
 * cache working together. verifyPassword is spied on (not replaced) so tests can see when scrypt ran.
 */
import { randomBytes } from 'node:crypto';
import { createBasicAuthenticator } from '../../src/lib/auth/basic-authentication';
import type { BasicUserTable } from '../../src/lib/auth/basic-users';
import { ServiceError } from '../../src/lib/base/errors';
import type { NameWindow } from '../../src/lib/throttle/failure-throttle';
import type { LedgerEntry, SharedFailureLedger } from '../../src/lib/throttle/shared-failure-ledger';
import { DEFAULT_THROTTLE_LIMITS, FailureThrottle } from '../../src/lib/throttle/failure-throttle';
import { findBasicUser } from '../../src/lib/auth/basic-users';
import { ScryptGuard } from '../../src/lib/throttle/scrypt-guard';
import * as passwordHash from '../../src/lib/auth/password-hash';
import { VerifiedCredentialsCache } from '../../src/lib/auth/verified-credentials-cache';
import { cheapBasicUserTable, newCredentials } from '../helpers/fixtures';
import { expectRejection } from '../helpers/service-error';

const MINUTE = 60_000;
const passwords = newCredentials(['alice', 'bob', 'Jos\u00e9']).passwords;

let table: BasicUserTable;
let verifySpy: jest.SpiedFunction<typeof passwordHash.verifyPassword>;
let clock: number;
const now = () => clock;
/**
 * The clock stands still unless a test moves it, so a refusal's wait until its deadline would be real time spent for
 * nothing: waits end at once. (tests/unit/refusal-deadline.test.ts runs the queue on a moving virtual clock.)
 */
const pause = async () => undefined;

beforeAll(() => {
  // What a check costs is not the subject here (password-hash.test.ts and throttle-attacks.test.ts run the production cost).
  table = cheapBasicUserTable(passwords);
});

beforeEach(() => {
  clock = 1_700_000_000_000;
  verifySpy = jest.spyOn(passwordHash, 'verifyPassword');
});

afterEach(() => {
  verifySpy.mockRestore();
});

const alice = () => passwords['alice']!;
/** scrypt runs on a password containing this text (the timing calibration runs on a password of its own). */
const checksOfPasswordsContaining = (text: string) => verifySpy.mock.calls.filter(([password]) => password.includes(text)).length;
const wrong = (password: string) => `${password.slice(0, -1)}${password.endsWith('x') ? 'y' : 'x'}`;

describe('verifying a password', () => {
  it('resolves to the user name for the right password, after one scrypt verification against that user', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
    // A fresh instance first times one check against the unmatchable hash, whatever the name (the check queue's estimate).
    expect(verifySpy.mock.calls.map(([, hash]) => hash)).toEqual([table.unknownUserHash, table.users[0]!.hash]);
  });

  it('refuses a password that differs by one character with invalid_credentials', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    const error = await expectRejection(auth.verify(table, 'alice', wrong(alice())), 'invalid_credentials');
    expect(error.status).toBe(401);
    expect(verifySpy.mock.calls.filter(([, hash]) => hash === table.users[0]!.hash)).toHaveLength(1);
  });

  it('refuses another user’s password', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await expectRejection(auth.verify(table, 'alice', passwords['bob']!), 'invalid_credentials');
  });

  it('refuses an unknown user with the same code without hashing its password; a fresh instance times one check against the costliest hash first', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    const error = await expectRejection(auth.verify(table, 'mallory', alice()), 'invalid_credentials');
    expect(error.message).toBe('the user name or password is wrong');
    expect(verifySpy).toHaveBeenCalledTimes(1);
    expect(verifySpy.mock.calls[0]![0]).not.toBe(alice());
    expect(verifySpy.mock.calls[0]![1]).toBe(table.unknownUserHash);
    verifySpy.mockClear();
    await expectRejection(auth.verify(table, 'mallory', alice()), 'invalid_credentials');
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('gives an unknown user and a wrong password the same message', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    const unknown = await expectRejection(auth.verify(table, 'mallory', 'whatever-pw'), 'invalid_credentials');
    const wrongPassword = await expectRejection(auth.verify(table, 'bob', 'whatever-pw'), 'invalid_credentials');
    expect(unknown.message).toBe(wrongPassword.message);
  });

  it('refuses an empty user name or password without running scrypt', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await expectRejection(auth.verify(table, '', alice()), 'invalid_credentials');
    await expectRejection(auth.verify(table, 'alice', ''), 'invalid_credentials');
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('never matches a password followed by NUL bytes, which scrypt alone would accept (HMAC zero-pads short keys)', async () => {
    // Proof of the hazard: scrypt itself derives the same hash for the password with and without NULs.
    await expect(passwordHash.verifyPassword(`${alice()}\u0000\u0000`, table.users[0]!.hash)).resolves.toBe(true);
    verifySpy.mockClear();
    const auth = createBasicAuthenticator({ now, pause });
    await expectRejection(auth.verify(table, 'alice', `${alice()}\u0000`), 'invalid_credentials');
    await expectRejection(auth.verify(table, 'alice', `${alice()}\u0000\u0000\u0000`), 'invalid_credentials');
    expect(checksOfPasswordsContaining('\u0000')).toBe(0);
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
  });

  it.each([
    ['a tab', '\t'],
    ['an escape', '\u001b'],
    ['a C1 control', '\u0085'],
    ['DEL', '\u007f'],
  ])('refuses a password containing %s without hashing, and counts it as a failure', async (_what, control) => {
    const throttle = new FailureThrottle();
    const auth = createBasicAuthenticator({ throttle, now, pause });
    await expectRejection(auth.verify(table, 'alice', `pass${control}word`), 'invalid_credentials');
    expect(checksOfPasswordsContaining(control)).toBe(0);
    for (let i = 1; i < DEFAULT_THROTTLE_LIMITS.perNameFailures; i++)
      await expectRejection(auth.verify(table, 'alice', `pass${control}word`), 'invalid_credentials');
    await expectRejection(auth.verify(table, 'alice', alice()), 'too_many_attempts');
  });

  it('finds a user whose name is sent in decomposed form, and returns the configured NFC name', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await expect(auth.verify(table, 'Jose\u0301', passwords['Jos\u00e9']!)).resolves.toBe('Jos\u00e9');
  });

  it('does not match user names case-insensitively', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await expectRejection(auth.verify(table, 'Alice', alice()), 'invalid_credentials');
    expect(verifySpy.mock.calls[0]![1]).toBe(table.unknownUserHash);
  });
});

/**
 * Wrong-password attempts whose scrypt check is answered `false` at once instead of after ~0.3 s: the
 * real check would say the same, and the throttle only counts the outcome.
 */
async function failTimes(auth: ReturnType<typeof createBasicAuthenticator>, name: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    // Only a configured name's password is hashed.
    if (findBasicUser(table, name)) verifySpy.mockResolvedValueOnce(false);
    await expectRejection(auth.verify(table, name, `bad-${i}-${randomBytes(4).toString('hex')}`), 'invalid_credentials');
  }
}

describe('the failure throttle', () => {
  const failFiveTimes = (auth: ReturnType<typeof createBasicAuthenticator>, name: string) => failTimes(auth, name, 5);

  it('refuses a name after 5 failures with too_many_attempts and a Retry-After, without running scrypt, even for the right password', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await failFiveTimes(auth, 'alice');
    verifySpy.mockClear();
    const error = await expectRejection(auth.verify(table, 'alice', alice()), 'too_many_attempts');
    expect(error.retryAfterSeconds).toBe(900);
    expect(error.status).toBe(429);
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('throttles unknown names the same way', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await failFiveTimes(auth, 'mallory');
    verifySpy.mockClear();
    const error = await expectRejection(auth.verify(table, 'mallory', 'anything-else'), 'too_many_attempts');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('leaves other names alone while one is throttled', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await failFiveTimes(auth, 'mallory');
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
  });

  it('counts a decomposed spelling of a name against the same name', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await failFiveTimes(auth, 'Jos\u00e9');
    await expectRejection(auth.verify(table, 'Jose\u0301', passwords['Jos\u00e9']!), 'too_many_attempts');
  });

  it('lets the name try again once the window has passed (injected clock)', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await failFiveTimes(auth, 'alice');
    clock += 15 * MINUTE - 1000;
    await expectRejection(auth.verify(table, 'alice', alice()), 'too_many_attempts');
    clock += 1000;
    verifySpy.mockClear();
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
    expect(verifySpy).toHaveBeenCalledTimes(1);
  });

  describe('the scrypt guard (an attack on many configured names spent it)', () => {
    /** A guard of 4 scrypt runs a minute (the instance's timing check and three users), no cache, no real pause. */
    const guarded = () => {
      const guard = new ScryptGuard({ runsPerWindow: 4, windowMs: MINUTE });
      const auth = createBasicAuthenticator({
        cache: new VerifiedCredentialsCache({ ttlMs: 0 }),
        now,
        pause,
        guard,
      });
      return { auth, guard };
    };
    const spent = async () => {
      const { auth, guard } = guarded();
      for (const name of ['alice', 'bob', 'Jos\u00e9']) await failTimes(auth, name, 1);
      verifySpy.mockClear();
      return { auth, guard };
    };

    it('refuses every name alike with 429 and the window’s Retry-After, without hashing, even the right password', async () => {
      const { auth } = await spent();
      const configured = await expectRejection(auth.verify(table, 'bob', passwords['bob']!), 'too_many_attempts');
      const unknown = await expectRejection(auth.verify(table, 'mallory', 'anything'), 'too_many_attempts');
      expect(configured.retryAfterSeconds).toBe(60);
      expect(unknown.retryAfterSeconds).toBe(60);
      expect(verifySpy).not.toHaveBeenCalled();
    });

    it('is not spent by unknown names or by passwords refused without hashing', async () => {
      const { auth, guard } = guarded();
      await failTimes(auth, 'alice', 1); // the instance's timing check, then alice's
      for (let i = 0; i < 50; i++) await failTimes(auth, `random-${i}`, 1);
      for (let i = 0; i < 3; i++) await expectRejection(auth.verify(table, 'bob', `pw\u0000${i}`), 'invalid_credentials');
      expect(guard.spentAt(clock)).toBe(2);
      await expect(auth.verify(table, 'bob', passwords['bob']!)).resolves.toBe('bob');
    });

    it('ends with its window: configured names are checked again', async () => {
      const { auth } = await spent();
      clock += MINUTE;
      await expect(auth.verify(table, 'bob', passwords['bob']!)).resolves.toBe('bob');
      expect(verifySpy).toHaveBeenCalledTimes(1);
    });
  });

  it('resets the per-name count on success', async () => {
    const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 0 }), now, pause });
    await failTimes(auth, 'bob', 4);
    await expect(auth.verify(table, 'bob', passwords['bob']!)).resolves.toBe('bob');
    await failTimes(auth, 'bob', 4);
    // Eight failures in the window, but only four since the success: still checked, still accepted.
    verifySpy.mockClear();
    await expect(auth.verify(table, 'bob', passwords['bob']!)).resolves.toBe('bob');
    expect(verifySpy).toHaveBeenCalledTimes(1);
  });
});

describe('the verified-credentials cache', () => {
  it('does not run scrypt again for a second correct request', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await auth.verify(table, 'alice', alice());
    verifySpy.mockClear();
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('still checks, and refuses, a wrong password for a cached user', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await auth.verify(table, 'alice', alice());
    verifySpy.mockClear();
    await expectRejection(auth.verify(table, 'alice', wrong(alice())), 'invalid_credentials');
    expect(verifySpy).toHaveBeenCalledTimes(1);
  });

  it('hits the cache for an NFC-equivalent password', async () => {
    const password = 'caf\u00e9-au-lait-99';
    const cafeTable = cheapBasicUserTable({ carol: password });
    const auth = createBasicAuthenticator({ now, pause });
    await auth.verify(cafeTable, 'carol', password);
    verifySpy.mockClear();
    await expect(auth.verify(cafeTable, 'carol', 'cafe\u0301-au-lait-99')).resolves.toBe('carol');
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('misses when the user’s configured hash changes (a new table), and verifies against the new hash', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await auth.verify(table, 'alice', alice());
    const newPassword = `new-${randomBytes(6).toString('hex')}`;
    const changed = cheapBasicUserTable({ ...passwords, alice: newPassword });
    verifySpy.mockClear();
    await expectRejection(auth.verify(changed, 'alice', alice()), 'invalid_credentials');
    expect(verifySpy).toHaveBeenCalledTimes(1);
    expect(verifySpy.mock.calls[0]![1]).toBe(changed.users[0]!.hash);
    await expect(auth.verify(changed, 'alice', newPassword)).resolves.toBe('alice');
  });

  it('refuses a user removed from the table although their credentials were cached', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await auth.verify(table, 'alice', alice());
    const { alice: _removed, ...rest } = passwords;
    const withoutAlice = cheapBasicUserTable(rest);
    verifySpy.mockClear();
    await expectRejection(auth.verify(withoutAlice, 'alice', alice()), 'invalid_credentials');
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it('runs scrypt again once the cached entry has expired', async () => {
    const auth = createBasicAuthenticator({ cache: new VerifiedCredentialsCache({ ttlMs: 5 * MINUTE }), now, pause });
    await auth.verify(table, 'alice', alice());
    clock += 5 * MINUTE - 1;
    verifySpy.mockClear();
    await auth.verify(table, 'alice', alice());
    expect(verifySpy).not.toHaveBeenCalled();
    clock += 1;
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
    expect(verifySpy).toHaveBeenCalledTimes(1);
  });

  it('stays bounded: with room for one entry, a second user evicts the first', async () => {
    const cache = new VerifiedCredentialsCache({ ttlMs: 5 * MINUTE, maxEntries: 1 });
    const auth = createBasicAuthenticator({ cache, now, pause });
    await auth.verify(table, 'alice', alice());
    await auth.verify(table, 'bob', passwords['bob']!);
    expect(cache.size).toBe(1);
    verifySpy.mockClear();
    await auth.verify(table, 'alice', alice());
    expect(verifySpy).toHaveBeenCalledTimes(1);
  });

  it('keeps a recently verified user working while someone else throttles their name', async () => {
    const auth = createBasicAuthenticator({ now, pause });
    await auth.verify(table, 'alice', alice());
    await failTimes(auth, 'alice', 5);
    await expectRejection(auth.verify(table, 'alice', 'guess-6'), 'too_many_attempts');
    await expect(auth.verify(table, 'alice', alice())).resolves.toBe('alice');
  });

  it('never passes the password itself to the cache as a key', async () => {
    const cache = new VerifiedCredentialsCache();
    const remember = jest.spyOn(cache, 'remember');
    const has = jest.spyOn(cache, 'has');
    const auth = createBasicAuthenticator({ cache, now, pause });
    await auth.verify(table, 'alice', alice());
    const keys = [...remember.mock.calls, ...has.mock.calls].map((call) => call[0]);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).not.toContain(alice());
      expect(key).not.toContain(Buffer.from(alice()).toString('base64'));
    }
  });
});

it('rejects only with ServiceErrors', async () => {
  const auth = createBasicAuthenticator({ now, pause });
  await expect(auth.verify(table, 'bob', 'x')).rejects.toBeInstanceOf(ServiceError);
});

/**
 * The counts every instance shares, in memory (Sync's semantics without Sync: one writer at a time here, so a
 * conditional write never conflicts). Each instance gets its own view; a view's reads may be made to fail.
 */
function sharedWindows(windowMs = DEFAULT_THROTTLE_LIMITS.perNameWindowMs) {
  const windows = new Map<string, LedgerEntry>();
  let revisions = 0;
  const view = (read: (name: string) => Promise<LedgerEntry | undefined>): SharedFailureLedger => ({
    read,
    async addFailure(name, _seen, at) {
      const current = windows.get(name);
      const next: NameWindow =
        !current || at - current.startedAt >= windowMs
          ? { failures: 1, startedAt: at }
          : { failures: current.failures + 1, startedAt: current.startedAt };
      windows.set(name, { ...next, revision: String(++revisions) });
      return next;
    },
    async clear(name, seen) {
      if (windows.get(name)?.revision === seen.revision) windows.delete(name);
    },
  });
  return {
    answering: () => view(async (name) => windows.get(name)),
    readingWith: (read: () => Promise<LedgerEntry | undefined>) => view(read),
  };
}

describe('the shared count (a ledger every instance shares)', () => {
  const noPause = async () => undefined;

  type Shared = ReturnType<typeof sharedWindows>;

  it.each([
    ['answers', (shared: Shared) => shared.answering()],
    ['never answers (slower than its budget)', (shared: Shared) => shared.readingWith(() => new Promise(() => undefined))],
    ['fails', (shared: Shared) => shared.readingWith(() => Promise.reject(new Error('sync_failed')))],
  ])('counts a failure whose shared read %s, so failures on one instance lock the name on the others', async (_what, viewOf) => {
    const shared = sharedWindows();
    const one = createBasicAuthenticator({ now, pause: noPause });
    const other = createBasicAuthenticator({ now, pause: noPause });
    const oneView = viewOf(shared);
    for (let i = 0; i < 5; i++) {
      verifySpy.mockResolvedValueOnce(false);
      await expectRejection(one.verify(table, 'alice', `bad-${i}`, { ledger: oneView }), 'invalid_credentials');
    }
    // The other instance saw none of those failures itself: only the shared count can lock alice there.
    await expectRejection(other.verify(table, 'alice', alice(), { ledger: shared.answering() }), 'too_many_attempts');
  });
});
