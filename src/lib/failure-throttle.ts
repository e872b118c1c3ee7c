/** Counts failed sign-ins per user name and per instance, and says when to refuse without checking. */

export interface ThrottleLimits {
  /** Failures one user name may have in a window before it is refused. */
  readonly perNameFailures: number;
  readonly perNameWindowMs: number;
  /** Failures across all names one instance accepts in a window. */
  readonly perInstanceFailures: number;
  readonly perInstanceWindowMs: number;
  /** Names tracked at once; the oldest are forgotten first. */
  readonly maxTrackedNames: number;
}

/** Defaults: 5 failures per name per 15 minutes; 200 failures per instance per minute. */
export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perNameFailures: 5,
  perNameWindowMs: 15 * 60_000,
  perInstanceFailures: 200,
  perInstanceWindowMs: 60_000,
  maxTrackedNames: 10_000,
};

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Fixed-window failure counters. Memory is bounded; counters live in one Function instance only,
 * which is why the limits are per instance.
 * @example const throttle = new FailureThrottle(); throttle.retryAfterSeconds('alice', Date.now()) // 0
 */
export class FailureThrottle {
  private readonly byName = new Map<string, Window>();
  private instance: Window = { startedAt: 0, failures: 0 };

  constructor(private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {}

  /** Seconds to wait before trying this name again; 0 when an attempt may go ahead. */
  retryAfterSeconds(name: string, now: number): number {
    const waits: number[] = [];
    if (now - this.instance.startedAt < this.limits.perInstanceWindowMs && this.instance.failures >= this.limits.perInstanceFailures) {
      waits.push(this.instance.startedAt + this.limits.perInstanceWindowMs - now);
    }
    const window = this.byName.get(name);
    if (window && now - window.startedAt < this.limits.perNameWindowMs && window.failures >= this.limits.perNameFailures) {
      waits.push(window.startedAt + this.limits.perNameWindowMs - now);
    }
    return waits.length === 0 ? 0 : Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  recordFailure(name: string, now: number): void {
    if (now - this.instance.startedAt >= this.limits.perInstanceWindowMs) this.instance = { startedAt: now, failures: 0 };
    this.instance.failures++;
    let window = this.byName.get(name);
    if (!window || now - window.startedAt >= this.limits.perNameWindowMs) {
      window = { startedAt: now, failures: 0 };
      this.byName.delete(name);
      if (this.byName.size >= this.limits.maxTrackedNames) this.byName.delete(this.byName.keys().next().value!);
      this.byName.set(name, window);
    }
    window.failures++;
  }

  /** Takes back one recordFailure made in the same windows: for an attempt counted before it was checked. */
  withdrawFailure(name: string, recordedAt: number): void {
    // Only from the window the failure went into: a window started since then never counted it.
    const holds = (window: Window, length: number) => window.startedAt <= recordedAt && recordedAt - window.startedAt < length && window.failures > 0;
    if (holds(this.instance, this.limits.perInstanceWindowMs)) this.instance.failures--;
    const window = this.byName.get(name);
    if (window && holds(window, this.limits.perNameWindowMs)) window.failures--;
  }

  recordSuccess(name: string): void {
    this.byName.delete(name);
  }
}
