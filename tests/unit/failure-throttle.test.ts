/** FailureThrottle and ScryptGuard with an injected clock: per-name fixed windows, reset on success, bounded memory; the scrypt guard. */
import { DEFAULT_THROTTLE_LIMITS, FailureThrottle } from '../../src/lib/throttle/failure-throttle';
import { DEFAULT_SCRYPT_GUARD_LIMITS, ScryptGuard } from '../../src/lib/throttle/scrypt-guard';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function failTimes(throttle: FailureThrottle, name: string, times: number, now = T0): void {
  for (let i = 0; i < times; i++) throttle.recordFailure(name, now);
}

describe('defaults', () => {
  it('are 5 failures per name per 15 minutes for any attempted name, and 1,000 scrypt runs per instance per minute', () => {
    expect(DEFAULT_THROTTLE_LIMITS).toEqual({ perNameFailures: 5, perNameWindowMs: 15 * MINUTE, maxTrackedNames: 10_000 });
    expect(DEFAULT_SCRYPT_GUARD_LIMITS).toEqual({ runsPerWindow: 1_000, windowMs: MINUTE });
  });
});

describe('per name', () => {
  it('lets a name with no failures through', () => {
    expect(new FailureThrottle().nameRetryAfterSeconds('alice', T0)).toBe(0);
  });

  it('lets four failures through and refuses after the fifth for the rest of the window', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 4);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(0);
    throttle.recordFailure('alice', T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(900);
    expect(throttle.nameRetryAfterSeconds('alice', T0 + 10 * MINUTE)).toBe(300);
  });

  it('rounds a wait below one second up to one', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    expect(throttle.nameRetryAfterSeconds('alice', T0 + 15 * MINUTE - 1)).toBe(1);
  });

  it('lets the name through again once the window has passed, and starts a fresh window', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    const later = T0 + 15 * MINUTE;
    expect(throttle.nameRetryAfterSeconds('alice', later)).toBe(0);
    throttle.recordFailure('alice', later);
    expect(throttle.nameRetryAfterSeconds('alice', later)).toBe(0);
    failTimes(throttle, 'alice', 4, later + 1000);
    expect(throttle.nameRetryAfterSeconds('alice', later + 1000)).toBe(899);
  });

  it('keeps counting failures spread over one window (fixed, not sliding per failure)', () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 5; i++) throttle.recordFailure('alice', T0 + i * 2 * MINUTE);
    expect(throttle.nameRetryAfterSeconds('alice', T0 + 8 * MINUTE)).toBe(7 * 60);
  });

  it('counts each name on its own', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    expect(throttle.nameRetryAfterSeconds('bob', T0)).toBe(0);
    expect(throttle.nameRetryAfterSeconds('Alice', T0)).toBe(0);
  });

  it('forgets a name’s failures on success', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 4);
    throttle.recordSuccess('alice');
    failTimes(throttle, 'alice', 4);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(0);
    throttle.recordFailure('alice', T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(900);
  });
});

describe('the scrypt guard, per instance', () => {
  const limits = { runsPerWindow: 3, windowMs: MINUTE };

  it('lets runs go ahead until the window’s budget is spent, then says how long until the window ends', () => {
    const guard = new ScryptGuard(limits);
    for (let i = 0; i < 3; i++) {
      expect(guard.retryAfterSeconds(T0 + i * 1000)).toBe(0);
      guard.spend(T0 + i * 1000);
    }
    expect(guard.retryAfterSeconds(T0 + 2000)).toBe(58);
    expect(guard.spentAt(T0 + 2000)).toBe(3);
  });

  it('starts a fresh window once the last one has passed', () => {
    const guard = new ScryptGuard(limits);
    for (let i = 0; i < 3; i++) guard.spend(T0);
    expect(guard.retryAfterSeconds(T0 + MINUTE)).toBe(0);
    expect(guard.spentAt(T0 + MINUTE)).toBe(0);
  });
});

describe('memory', () => {
  it('tracks at most maxTrackedNames names still counting, forgetting the oldest first', () => {
    const throttle = new FailureThrottle({ ...DEFAULT_THROTTLE_LIMITS, maxTrackedNames: 2 });
    failTimes(throttle, 'a', 4);
    failTimes(throttle, 'b', 4);
    failTimes(throttle, 'c', 4);
    expect(throttle.trackedNames).toBe(2);
    failTimes(throttle, 'c', 1);
    failTimes(throttle, 'b', 1);
    failTimes(throttle, 'a', 1);
    expect(throttle.nameRetryAfterSeconds('c', T0)).toBe(900);
    expect(throttle.nameRetryAfterSeconds('b', T0)).toBe(900);
    expect(throttle.nameRetryAfterSeconds('a', T0)).toBe(0); // forgotten: a fresh window with one failure
  });

  it('keeps locked names apart: a flood of random names does not evict a lock', () => {
    const throttle = new FailureThrottle({ ...DEFAULT_THROTTLE_LIMITS, maxTrackedNames: 100 });
    failTimes(throttle, 'alice', 5);
    for (let i = 0; i < 1000; i++) throttle.recordFailure(`random-${i}`, T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(900);
    expect(throttle.trackedNames).toBe(101);
  });

  it('evicts the oldest lock only when as many other names were locked', () => {
    const throttle = new FailureThrottle({ ...DEFAULT_THROTTLE_LIMITS, maxTrackedNames: 2 });
    for (const name of ['a', 'b', 'c']) failTimes(throttle, name, 5);
    expect(['a', 'b', 'c'].map((name) => throttle.nameRetryAfterSeconds(name, T0))).toEqual([0, 900, 900]);
  });
});

describe('a count seen in the shared store', () => {
  it('is adopted when it holds more failures than this instance’s own, keeping its window start', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 1, T0 + MINUTE);
    throttle.adopt('alice', { startedAt: T0, failures: 5 }, T0 + MINUTE);
    expect(throttle.nameRetryAfterSeconds('alice', T0 + MINUTE)).toBe(14 * 60);
  });

  it('is ignored when this instance knows of more failures, or when its window is over', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    throttle.adopt('alice', { startedAt: T0, failures: 1 }, T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(900);
    throttle.adopt('bob', { startedAt: T0 - 15 * MINUTE, failures: 5 }, T0);
    expect(throttle.nameRetryAfterSeconds('bob', T0)).toBe(0);
  });
});

describe('a withdrawn failure', () => {
  it('gives the name its place back, and unlocks a name that the withdrawn attempt had locked', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    throttle.withdrawFailure('alice', T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(0);
  });

  it('is not taken from a window that started after it was recorded', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5, T0 + 15 * MINUTE);
    throttle.withdrawFailure('alice', T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0 + 15 * MINUTE)).toBe(900);
  });
});
