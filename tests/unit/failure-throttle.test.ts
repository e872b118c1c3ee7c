/** FailureThrottle with an injected clock: per-name and per-instance fixed windows, reset on success, bounded memory. */
import { DEFAULT_THROTTLE_LIMITS, FailureThrottle, type ThrottleLimits } from '../../src/lib/failure-throttle';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function failTimes(throttle: FailureThrottle, name: string, times: number, now = T0): void {
  for (let i = 0; i < times; i++) throttle.recordFailure(name, now);
}

describe('defaults', () => {
  it('are 5 failures per name per 15 minutes and 200 per instance per minute', () => {
    expect(DEFAULT_THROTTLE_LIMITS).toEqual({
      perNameFailures: 5,
      perNameWindowMs: 15 * MINUTE,
      perInstanceFailures: 200,
      perInstanceWindowMs: MINUTE,
      maxTrackedNames: 10_000,
    });
  });
});

describe('per name', () => {
  it('lets a name with no failures through', () => {
    expect(new FailureThrottle().retryAfterSeconds('alice', T0)).toBe(0);
  });

  it('lets four failures through and refuses after the fifth for the rest of the window', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 4);
    expect(throttle.retryAfterSeconds('alice', T0)).toBe(0);
    throttle.recordFailure('alice', T0);
    expect(throttle.retryAfterSeconds('alice', T0)).toBe(900);
    expect(throttle.retryAfterSeconds('alice', T0 + 10 * MINUTE)).toBe(300);
  });

  it('rounds a wait below one second up to one', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    expect(throttle.retryAfterSeconds('alice', T0 + 15 * MINUTE - 1)).toBe(1);
  });

  it('lets the name through again once the window has passed, and starts a fresh window', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    const later = T0 + 15 * MINUTE;
    expect(throttle.retryAfterSeconds('alice', later)).toBe(0);
    throttle.recordFailure('alice', later);
    expect(throttle.retryAfterSeconds('alice', later)).toBe(0);
    failTimes(throttle, 'alice', 4, later + 1000);
    expect(throttle.retryAfterSeconds('alice', later + 1000)).toBe(899);
  });

  it('keeps counting failures spread over one window (fixed, not sliding per failure)', () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 5; i++) throttle.recordFailure('alice', T0 + i * 2 * MINUTE);
    expect(throttle.retryAfterSeconds('alice', T0 + 8 * MINUTE)).toBe(7 * 60);
  });

  it('counts each name on its own', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 5);
    expect(throttle.retryAfterSeconds('bob', T0)).toBe(0);
    expect(throttle.retryAfterSeconds('Alice', T0)).toBe(0);
  });

  it('forgets a name’s failures on success', () => {
    const throttle = new FailureThrottle();
    failTimes(throttle, 'alice', 4);
    throttle.recordSuccess('alice');
    failTimes(throttle, 'alice', 4);
    expect(throttle.retryAfterSeconds('alice', T0)).toBe(0);
    throttle.recordFailure('alice', T0);
    expect(throttle.retryAfterSeconds('alice', T0)).toBe(900);
  });
});

describe('per instance', () => {
  const limits: ThrottleLimits = { ...DEFAULT_THROTTLE_LIMITS, perInstanceFailures: 3 };

  it('refuses every name once the instance has seen its limit of failures in the window', () => {
    const throttle = new FailureThrottle(limits);
    throttle.recordFailure('a', T0);
    throttle.recordFailure('b', T0 + 1000);
    expect(throttle.retryAfterSeconds('zed', T0 + 1000)).toBe(0);
    throttle.recordFailure('c', T0 + 2000);
    expect(throttle.retryAfterSeconds('zed', T0 + 2000)).toBe(58);
    expect(throttle.retryAfterSeconds('a', T0 + 2000)).toBe(58);
  });

  it('lets names through again after the instance window', () => {
    const throttle = new FailureThrottle(limits);
    for (const name of ['a', 'b', 'c']) throttle.recordFailure(name, T0);
    expect(throttle.retryAfterSeconds('zed', T0 + MINUTE)).toBe(0);
  });

  it('is not reset by one name’s success', () => {
    const throttle = new FailureThrottle(limits);
    for (const name of ['a', 'b', 'c']) throttle.recordFailure(name, T0);
    throttle.recordSuccess('a');
    expect(throttle.retryAfterSeconds('zed', T0)).toBe(60);
  });

  it('reports the longer wait when both limits apply', () => {
    const throttle = new FailureThrottle(limits);
    failTimes(throttle, 'alice', 5);
    expect(throttle.retryAfterSeconds('alice', T0)).toBe(900);
    expect(throttle.retryAfterSeconds('bob', T0)).toBe(60);
  });
});

describe('memory', () => {
  it('tracks at most maxTrackedNames names, forgetting the oldest first', () => {
    const throttle = new FailureThrottle({ ...DEFAULT_THROTTLE_LIMITS, maxTrackedNames: 2 });
    failTimes(throttle, 'a', 5);
    failTimes(throttle, 'b', 5);
    failTimes(throttle, 'c', 5);
    expect(throttle.retryAfterSeconds('a', T0)).toBe(0);
    expect(throttle.retryAfterSeconds('b', T0)).toBe(900);
    expect(throttle.retryAfterSeconds('c', T0)).toBe(900);
  });
});
