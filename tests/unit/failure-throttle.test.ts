/** FailureThrottle with an injected clock: per-name and per-instance fixed windows, reset on success, bounded memory. */
import { DEFAULT_THROTTLE_LIMITS, FailureThrottle, type NameKind, type ThrottleLimits } from '../../src/lib/failure-throttle';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function failTimes(throttle: FailureThrottle, name: string, times: number, now = T0, kind: NameKind = 'known'): void {
  for (let i = 0; i < times; i++) throttle.recordFailure(name, kind, now);
}

describe('defaults', () => {
  it('are 5 failures per name per 15 minutes, and 100 of unknown and 100 of known names per instance per minute', () => {
    expect(DEFAULT_THROTTLE_LIMITS).toEqual({
      perNameFailures: 5,
      perNameWindowMs: 15 * MINUTE,
      perInstanceUnknownNameFailures: 100,
      perInstanceKnownNameFailures: 100,
      perInstanceWindowMs: MINUTE,
      maxTrackedNames: 10_000,
    });
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
    throttle.recordFailure('alice', 'known', T0);
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
    throttle.recordFailure('alice', 'known', later);
    expect(throttle.nameRetryAfterSeconds('alice', later)).toBe(0);
    failTimes(throttle, 'alice', 4, later + 1000);
    expect(throttle.nameRetryAfterSeconds('alice', later + 1000)).toBe(899);
  });

  it('keeps counting failures spread over one window (fixed, not sliding per failure)', () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 5; i++) throttle.recordFailure('alice', 'known', T0 + i * 2 * MINUTE);
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
    throttle.recordFailure('alice', 'known', T0);
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(900);
  });
});

describe('per instance, one budget for unknown names and one for known names', () => {
  const limits: ThrottleLimits = { ...DEFAULT_THROTTLE_LIMITS, perInstanceUnknownNameFailures: 3, perInstanceKnownNameFailures: 2 };

  it('spends the unknown-name budget on failures of unknown names only: known names keep theirs', () => {
    const throttle = new FailureThrottle(limits);
    throttle.recordFailure('a', 'unknown', T0);
    throttle.recordFailure('b', 'unknown', T0 + 1000);
    expect(throttle.isSpent('unknown', T0 + 1000)).toBe(false);
    throttle.recordFailure('c', 'unknown', T0 + 2000);
    expect(throttle.isSpent('unknown', T0 + 2000)).toBe(true);
    expect(throttle.isSpent('known', T0 + 2000)).toBe(false);
    expect(throttle.floodRetryAfterSeconds(T0 + 2000)).toBe(58);
  });

  it('spends the known-name budget on failures of known names only', () => {
    const throttle = new FailureThrottle(limits);
    failTimes(throttle, 'alice', 1);
    failTimes(throttle, 'bob', 1, T0 + 5000);
    expect(throttle.isSpent('known', T0 + 5000)).toBe(true);
    expect(throttle.isSpent('unknown', T0 + 5000)).toBe(false);
    expect(throttle.floodRetryAfterSeconds(T0 + 5000)).toBe(55);
  });

  it('reports no flood while no budget is spent, and the longer wait while both are', () => {
    const throttle = new FailureThrottle(limits);
    expect(throttle.floodRetryAfterSeconds(T0)).toBe(0);
    failTimes(throttle, 'u', 3, T0, 'unknown');
    failTimes(throttle, 'k', 2, T0 + 30_000, 'known');
    expect(throttle.floodRetryAfterSeconds(T0 + 30_000)).toBe(60);
  });

  it('lets names through again after the instance window', () => {
    const throttle = new FailureThrottle(limits);
    failTimes(throttle, 'u', 3, T0, 'unknown');
    expect(throttle.isSpent('unknown', T0 + MINUTE)).toBe(false);
    expect(throttle.floodRetryAfterSeconds(T0 + MINUTE)).toBe(0);
  });

  it('is not reset by one name’s success, but a withdrawn failure gives its place back', () => {
    const throttle = new FailureThrottle(limits);
    failTimes(throttle, 'alice', 2);
    throttle.recordSuccess('alice');
    expect(throttle.isSpent('known', T0)).toBe(true);
    throttle.withdrawFailure('alice', 'known', T0);
    expect(throttle.isSpent('known', T0)).toBe(false);
  });

  it('keeps the per-name count apart from the instance budgets', () => {
    const throttle = new FailureThrottle(limits);
    failTimes(throttle, 'alice', 5, T0, 'unknown');
    expect(throttle.nameRetryAfterSeconds('alice', T0)).toBe(900);
    expect(throttle.nameRetryAfterSeconds('bob', T0)).toBe(0);
  });
});

describe('memory', () => {
  it('tracks at most maxTrackedNames names, forgetting the oldest first', () => {
    const throttle = new FailureThrottle({ ...DEFAULT_THROTTLE_LIMITS, maxTrackedNames: 2 });
    failTimes(throttle, 'a', 5);
    failTimes(throttle, 'b', 5);
    failTimes(throttle, 'c', 5);
    expect(throttle.nameRetryAfterSeconds('a', T0)).toBe(0);
    expect(throttle.nameRetryAfterSeconds('b', T0)).toBe(900);
    expect(throttle.nameRetryAfterSeconds('c', T0)).toBe(900);
  });
});
