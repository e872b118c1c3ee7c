/** Counts failed sign-ins per user name and per instance, and says when to refuse without checking. */

/** Whether a name is one of the configured users: each kind has its own instance budget. */
export type NameKind = 'known' | 'unknown';

export interface ThrottleLimits {
  /** Failures one user name may have in a window before it is refused. */
  readonly perNameFailures: number;
  readonly perNameWindowMs: number;
  /**
   * Failed checks of names that are not configured users, per instance and window: what a flood of
   * random names spends. Once spent, such names are refused without hashing; configured users are not.
   */
  readonly perInstanceUnknownNameFailures: number;
  /** Failed checks of configured user names, per instance and window. */
  readonly perInstanceKnownNameFailures: number;
  readonly perInstanceWindowMs: number;
  /** Names tracked at once; the oldest are forgotten first. */
  readonly maxTrackedNames: number;
}

/**
 * Defaults: 5 failures per name per 15 minutes; 100 failed checks of unknown names and 100 of known names
 * per instance per minute, so at most 200 scrypt checks a minute fail on an instance, as before the split.
 */
export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perNameFailures: 5,
  perNameWindowMs: 15 * 60_000,
  perInstanceUnknownNameFailures: 100,
  perInstanceKnownNameFailures: 100,
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
 * @example const throttle = new FailureThrottle(); throttle.nameRetryAfterSeconds('alice', Date.now()) // 0
 */
export class FailureThrottle {
  private readonly byName = new Map<string, Window>();
  private readonly instance: Record<NameKind, Window> = { known: { startedAt: 0, failures: 0 }, unknown: { startedAt: 0, failures: 0 } };

  constructor(private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {}

  private budget(kind: NameKind): number {
    return kind === 'known' ? this.limits.perInstanceKnownNameFailures : this.limits.perInstanceUnknownNameFailures;
  }

  private static seconds(ms: number): number {
    return Math.max(1, Math.ceil(ms / 1000));
  }

  /** Seconds to wait before trying this name again; 0 when an attempt may go ahead. */
  nameRetryAfterSeconds(name: string, now: number): number {
    const window = this.byName.get(name);
    if (!window || now - window.startedAt >= this.limits.perNameWindowMs || window.failures < this.limits.perNameFailures) return 0;
    return FailureThrottle.seconds(window.startedAt + this.limits.perNameWindowMs - now);
  }

  /** Whether this kind's instance budget for the current window is spent. */
  isSpent(kind: NameKind, now: number): boolean {
    const window = this.instance[kind];
    return now - window.startedAt < this.limits.perInstanceWindowMs && window.failures >= this.budget(kind);
  }

  /** While an instance budget is spent (a flood): seconds until the longest such window ends; else 0. */
  floodRetryAfterSeconds(now: number): number {
    const waits = (['known', 'unknown'] as const)
      .filter((kind) => this.isSpent(kind, now))
      .map((kind) => this.instance[kind].startedAt + this.limits.perInstanceWindowMs - now);
    return waits.length === 0 ? 0 : FailureThrottle.seconds(Math.max(...waits));
  }

  recordFailure(name: string, kind: NameKind, now: number): void {
    if (now - this.instance[kind].startedAt >= this.limits.perInstanceWindowMs) this.instance[kind] = { startedAt: now, failures: 0 };
    this.instance[kind].failures++;
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
  withdrawFailure(name: string, kind: NameKind, recordedAt: number): void {
    // Only from the window the failure went into: a window started since then never counted it.
    const holds = (window: Window, length: number) => window.startedAt <= recordedAt && recordedAt - window.startedAt < length && window.failures > 0;
    if (holds(this.instance[kind], this.limits.perInstanceWindowMs)) this.instance[kind].failures--;
    const window = this.byName.get(name);
    if (window && holds(window, this.limits.perNameWindowMs)) window.failures--;
  }

  recordSuccess(name: string): void {
    this.byName.delete(name);
  }
}
