/** VerifiedCredentialsCache: keyed HMACs that never hold the password, expiry, and a bound on entries. */
import { VerifiedCredentialsCache, DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL_MS } from '../../src/lib/auth/verified-credentials-cache';

const T0 = 1_700_000_000_000;
const PHC = '$scrypt$ln=15,r=8,p=3$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

describe('defaults', () => {
  it('keep 1,000 credentials for 5 minutes', () => {
    expect(DEFAULT_CACHE_SIZE).toBe(1000);
    expect(DEFAULT_CACHE_TTL_MS).toBe(300_000);
  });
});

describe('keyFor', () => {
  const cache = new VerifiedCredentialsCache();
  const password = 'correct-horse-battery-staple';

  it('is stable for the same name, password and hash within one cache', () => {
    expect(cache.keyFor('alice', password, PHC)).toBe(cache.keyFor('alice', password, PHC));
  });

  it('changes when the name, the password or the configured hash changes', () => {
    const key = cache.keyFor('alice', password, PHC);
    expect(cache.keyFor('bob', password, PHC)).not.toBe(key);
    expect(cache.keyFor('alice', `${password}!`, PHC)).not.toBe(key);
    expect(cache.keyFor('alice', password, `${PHC}x`)).not.toBe(key);
  });

  it('differs between instances (a random HMAC key each)', () => {
    expect(new VerifiedCredentialsCache().keyFor('alice', password, PHC)).not.toBe(cache.keyFor('alice', password, PHC));
  });

  it('does not contain the password in any obvious encoding', () => {
    const key = cache.keyFor('alice', password, PHC);
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    for (const encoded of [password, Buffer.from(password).toString('base64'), Buffer.from(password).toString('hex')]) {
      expect(key).not.toContain(encoded);
      expect(key).not.toContain(encoded.slice(0, 8));
    }
  });
});

describe('remember and has', () => {
  it('knows nothing it was not told', () => {
    expect(new VerifiedCredentialsCache().has('some-key', T0)).toBe(false);
  });

  it('knows a remembered key until its time to live has passed', () => {
    const cache = new VerifiedCredentialsCache({ ttlMs: 1000, maxEntries: 10 });
    cache.remember('k', T0);
    expect(cache.has('k', T0)).toBe(true);
    expect(cache.has('k', T0 + 999)).toBe(true);
    expect(cache.has('k', T0 + 1000)).toBe(false);
  });

  it('drops an expired entry when it is looked up', () => {
    const cache = new VerifiedCredentialsCache({ ttlMs: 1000, maxEntries: 10 });
    cache.remember('k', T0);
    cache.has('k', T0 + 1000);
    expect(cache.size).toBe(0);
    expect(cache.has('k', T0)).toBe(false);
  });

  it('extends an entry remembered again', () => {
    const cache = new VerifiedCredentialsCache({ ttlMs: 1000, maxEntries: 10 });
    cache.remember('k', T0);
    cache.remember('k', T0 + 500);
    expect(cache.has('k', T0 + 1400)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('holds at most maxEntries, evicting the oldest', () => {
    const cache = new VerifiedCredentialsCache({ ttlMs: 60_000, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) cache.remember(key, T0);
    expect(cache.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => cache.has(key, T0))).toEqual([false, false, true, true, true]);
  });

  it('treats a re-remembered entry as the newest when evicting', () => {
    const cache = new VerifiedCredentialsCache({ ttlMs: 60_000, maxEntries: 2 });
    cache.remember('a', T0);
    cache.remember('b', T0);
    cache.remember('a', T0);
    cache.remember('c', T0);
    expect(cache.has('a', T0)).toBe(true);
    expect(cache.has('b', T0)).toBe(false);
  });
});
