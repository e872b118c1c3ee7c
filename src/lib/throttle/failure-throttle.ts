/** Counts failed sign-ins per attempted user name, configured or not, and says when a name is locked. */

export interface ThrottleLimits {
  /** Failures one user name may have in a window before it is refused. */
  readonly perNameFailures: number;
  readonly perNameWindowMs: number;
  /** Names tracked at once, configured and unknown alike; the oldest are forgotten first. */
  readonly maxTrackedNames: number;
}

/** Defaults: 5 failures per name per 15 minutes; 10,000 names tracked (about 1 MB). */
export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perNameFailures: 5,
  perNameWindowMs: 15 * 60_000,
  maxTrackedNames: 10_000,
};

/** One name's failures in its current window. */
export interface NameWindow {
  readonly startedAt: number;
  readonly failures: number;
}

interface MutableWindow {
  startedAt: number;
  failures: number;
}

/** Seconds for Retry-After: whole, and at least one. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Fixed-window failure counters per attempted name. Whether the name is a configured user plays no part: a
 * name is counted, locked and forgotten the same way either way, so no answer tells the two apart.
 * @example const throttle = new FailureThrottle(); throttle.nameRetryAfterSeconds('alice', Date.now()) // 0
 */
export class FailureThrottle {
  /**
   * Locked names apart from names still counting, each bounded and forgetting its oldest first: a flood of random
   * names evicts other counting names (4 guesses, then 10,000 names, to guess 4 more), but a lock is evicted only
   * by locking as many other names (50,000 requests).
   */
  private readonly counting = new Map<string, MutableWindow>();
  private readonly locked = new Map<string, MutableWindow>();

  constructor(readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {}

  /** Seconds until a window holding this many failures lets the name try again; 0 when it may go ahead now. */
  retryAfterFor(window: NameWindow | undefined, now: number): number {
    if (!window || now - window.startedAt >= this.limits.perNameWindowMs || window.failures < this.limits.perNameFailures) return 0;
    return retryAfterSeconds(window.startedAt + this.limits.perNameWindowMs - now);
  }

  /** Seconds to wait before trying this name again; 0 when an attempt may go ahead. */
  nameRetryAfterSeconds(name: string, now: number): number {
    return this.retryAfterFor(this.find(name), now);
  }

  private find(name: string): MutableWindow | undefined {
    return this.locked.get(name) ?? this.counting.get(name);
  }

  /** This name's current window (undefined when it has none or it has ended). */
  windowOf(name: string, now: number): NameWindow | undefined {
    const window = this.find(name);
    return window && now - window.startedAt < this.limits.perNameWindowMs ? { ...window } : undefined;
  }

  /** Files the window under counting or locked by its failures; moving it makes it the newest there. */
  private track(name: string, window: MutableWindow): void {
    this.counting.delete(name);
    this.locked.delete(name);
    const map = window.failures >= this.limits.perNameFailures ? this.locked : this.counting;
    if (map.size >= this.limits.maxTrackedNames) map.delete(map.keys().next().value!);
    map.set(name, window);
  }

  recordFailure(name: string, now: number): void {
    let window = this.find(name);
    if (!window || now - window.startedAt >= this.limits.perNameWindowMs) window = { startedAt: now, failures: 0 };
    window.failures++;
    if (window.failures === 1 || window.failures === this.limits.perNameFailures) this.track(name, window);
  }

  /**
   * Takes in a count seen elsewhere (the shared store): the name keeps whichever window holds more failures, so
   * a later request that cannot reach the store still knows what it said.
   */
  adopt(name: string, seen: NameWindow, now: number): void {
    if (now - seen.startedAt >= this.limits.perNameWindowMs) return;
    const mine = this.windowOf(name, now);
    if (mine && mine.failures >= seen.failures) return;
    this.track(name, { startedAt: seen.startedAt, failures: seen.failures });
  }

  /** Takes back one recordFailure made in the same window: for an attempt counted before it was checked. */
  withdrawFailure(name: string, recordedAt: number): void {
    const window = this.find(name);
    // Only from the window the failure went into: a window started since then never counted it.
    if (window && window.startedAt <= recordedAt && recordedAt - window.startedAt < this.limits.perNameWindowMs && window.failures > 0) {
      window.failures--;
      if (window.failures === this.limits.perNameFailures - 1) this.track(name, window);
    }
  }

  recordSuccess(name: string): void {
    this.counting.delete(name);
    this.locked.delete(name);
  }

  /** Names tracked now (for tests of the memory bound). */
  get trackedNames(): number {
    return this.counting.size + this.locked.size;
  }
}
