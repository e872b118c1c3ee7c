/**
 * The instance's copy of the revocation list: answered from memory while fresh (no Sync read per token), read again
 * in the background and then in the foreground as it ages so no answer rests on a copy older than 5 s, the last copy
 * deciding while Sync fails, and what an entry means for each sign-in (the OIDC "issued before the end" rule).
 */
import { createRevocationCache, READ_BUDGET_MS, STALENESS_LIMIT_MS, type RevocationState } from '../../src/lib/revocation/revocation-cache';
import { refuses, revocationKey, revocationMapNames } from '../../src/lib/revocation/revocations';

function harness(initial: unknown[] = []) {
  let clock = 1_000_000;
  let items = initial;
  let reads = 0;
  let behaviour: 'answer' | 'fail' | 'hang' = 'answer';
  const changes: RevocationState[] = [];
  const cache = createRevocationCache({
    now: () => clock,
    onChange: (state) => changes.push(state),
    read: () => {
      reads++;
      if (behaviour === 'fail') return Promise.reject(new Error('sync_failed (20500)'));
      if (behaviour === 'hang') return new Promise(() => undefined);
      return Promise.resolve(items);
    },
  });
  return {
    cache,
    changes,
    reads: () => reads,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
    set: (next: unknown[]) => (items = next),
    behave: (next: typeof behaviour) => (behaviour = next),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the hot path', () => {
  it('reads Sync once, then answers a thousand checks from memory, synchronously, with no further read', async () => {
    const h = harness([{ i: 'alice', t: 1 }]);
    expect(await h.cache.check({ identity: 'alice' })).toEqual({ refused: true, current: true });
    for (let i = 0; i < 1000; i++) {
      const verdict = h.cache.check({ identity: i % 2 ? 'alice' : 'bob' });
      expect(verdict).not.toBeInstanceOf(Promise);
      expect(verdict).toEqual({ refused: i % 2 === 1, current: true });
    }
    expect(h.reads()).toBe(1);
  });

  it('an ageing copy is read again in the background while answers go on from memory; an old one is waited for', async () => {
    const h = harness([]);
    await h.cache.check({ identity: 'alice' });
    h.set([{ i: 'alice', t: h.now() }]);
    h.advance(3_000);
    // 3 s old: answered at once from the copy (not yet revoked), and a read started.
    expect(h.cache.check({ identity: 'alice' })).toEqual({ refused: false, current: true });
    expect(h.reads()).toBe(2);
    await settle();
    expect(h.cache.check({ identity: 'alice' })).toEqual({ refused: true, current: true });
    // Idle for a while: the next request waits for a read rather than trusting a copy past the bound.
    h.set([]);
    h.advance(10_000);
    const waiting = h.cache.check({ identity: 'alice' });
    expect(waiting).toBeInstanceOf(Promise);
    expect(await waiting).toEqual({ refused: false, current: true });
    expect(h.reads()).toBe(3);
  });

  it('never answers from a copy older than the bound while Sync answers (4 s + the 500 ms read budget)', () => {
    expect(STALENESS_LIMIT_MS).toBeLessThanOrEqual(5_000);
  });

  it('matches identities in NFC form, as tokens carry them', async () => {
    const h = harness([{ i: 'Café', t: 1 }]);
    expect((await h.cache.check({ identity: 'Cafe\u0301' })).refused).toBe(true);
    expect(revocationKey('Cafe\u0301')).toBe(revocationKey('Café'));
  });
});

describe('Sync slow or down', () => {
  it('a failed read leaves the last copy deciding, marks it stale, reports degraded once, and is not retried for a second', async () => {
    const h = harness([{ i: 'alice', t: 1 }]);
    await h.cache.check({ identity: 'alice' });
    h.behave('fail');
    h.advance(5_000);
    expect(await h.cache.check({ identity: 'alice' })).toEqual({ refused: true, current: false });
    expect(await h.cache.check({ identity: 'bob' })).toEqual({ refused: false, current: false });
    expect(h.reads()).toBe(2);
    expect(await h.cache.state()).toEqual({ sync: 'degraded', active: 1, reason: 'sync_failed (20500)' });
    expect(h.changes.at(-1)).toMatchObject({ sync: 'degraded', active: 1 });
    h.behave('answer');
    h.advance(1_000);
    await h.cache.check({ identity: 'alice' });
    expect(await h.cache.state()).toEqual({ sync: 'ok', active: 1 });
    expect(h.changes.map((change) => change.sync)).toEqual(['ok', 'degraded', 'ok']);
  });

  it('a read slower than the budget: the request goes on after the budget with the last copy', async () => {
    const h = harness([]);
    await h.cache.check({ identity: 'alice' });
    h.behave('hang');
    h.advance(5_000);
    const started = Date.now();
    expect(await h.cache.check({ identity: 'alice' })).toEqual({ refused: false, current: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(READ_BUDGET_MS - 20);
    expect((await h.cache.state()).reason).toBe(`no answer within ${READ_BUDGET_MS} ms`);
  });

  it('ignores items that are not revocations instead of failing or refusing', async () => {
    const h = harness([{ i: 5 }, null, 'text', { i: 'alice', t: 'yesterday' }, { i: 'bob', t: 1 }]);
    expect((await h.cache.check({ identity: 'alice' })).refused).toBe(false);
    expect((await h.cache.check({ identity: 'bob' })).refused).toBe(true);
    expect((await h.cache.state()).active).toBe(1);
  });
});

describe('what an entry refuses', () => {
  const t = 10_000_000;
  it('in force: every sign-in method', () => {
    for (const signIn of [{ identity: 'a' }, { identity: 'a', oidcIssuedAt: t / 1000 + 100 }])
      expect(refuses({ i: 'a', t }, signIn, t + 1)).toBe(true);
  });
  it('--for: in force until its end, then like a lift at its end', () => {
    const entry = { i: 'a', t, u: t + 60_000 };
    expect(refuses(entry, { identity: 'a' }, t + 59_999)).toBe(true);
    expect(refuses(entry, { identity: 'a' }, t + 60_000)).toBe(false);
    expect(refuses(entry, { identity: 'a', oidcIssuedAt: (t + 30_000) / 1000 }, t + 70_000)).toBe(true);
  });
  it('lifted: Basic and shared secrets come back; identity-provider tokens issued before the lift, or without iat, do not', () => {
    const entry = { i: 'a', t, l: t + 60_000 };
    expect(refuses(entry, { identity: 'a' }, t + 61_000)).toBe(false);
    expect(refuses(entry, { identity: 'a', oidcIssuedAt: (t - 5_000) / 1000 }, t + 61_000)).toBe(true);
    expect(refuses(entry, { identity: 'a', oidcIssuedAt: (t + 30_000) / 1000 }, t + 61_000)).toBe(true);
    expect(refuses(entry, { identity: 'a', oidcIssuedAt: 'absent' }, t + 61_000)).toBe(true);
    expect(refuses(entry, { identity: 'a', oidcIssuedAt: (t + 60_000) / 1000 }, t + 61_000)).toBe(false);
  });
  it('names four replica Maps, apart from the throttle’s', () => {
    expect(revocationMapNames()).toEqual([0, 1, 2, 3].map((n) => `token-service-revocations-${n}`));
  });
});
