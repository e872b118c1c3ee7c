/** The instance-wide bound on scrypt runs: what a public endpoint may spend on password hashing per minute. */
import { retryAfterSeconds } from './failure-throttle';

export interface ScryptGuardLimits {
  /** scrypt runs (checks of configured users' passwords, and the timing calibration) per instance and window. */
  readonly runsPerWindow: number;
  readonly windowMs: number;
}

/**
 * Default: 1,000 runs a minute. Only real scrypt runs spend it, and each name allows 5 failures per 15 minutes,
 * so within one minute only an attack on about 200 configured names (1,000 / 5) reaches it; random names and
 * passwords refused without hashing never do. At ~0.1 s of a core per run it bounds hashing to about 1.7 cores.
 */
export const DEFAULT_SCRYPT_GUARD_LIMITS: ScryptGuardLimits = { runsPerWindow: 1_000, windowMs: 60_000 };

/**
 * A fixed window of scrypt runs.
 * @example const guard = new ScryptGuard(); if (guard.retryAfterSeconds(now) === 0) guard.spend(now)
 */
export class ScryptGuard {
  private startedAt = -Infinity;
  private runs = 0;

  constructor(readonly limits: ScryptGuardLimits = DEFAULT_SCRYPT_GUARD_LIMITS) {}

  private roll(now: number): void {
    if (now - this.startedAt >= this.limits.windowMs) {
      this.startedAt = now;
      this.runs = 0;
    }
  }

  /** 0 while a run may go ahead; else seconds until the window ends. */
  retryAfterSeconds(now: number): number {
    this.roll(now);
    return this.runs < this.limits.runsPerWindow ? 0 : retryAfterSeconds(this.startedAt + this.limits.windowMs - now);
  }

  spend(now: number): void {
    this.roll(now);
    this.runs++;
  }

  /** Runs spent in the current window. */
  spentAt(now: number): number {
    this.roll(now);
    return this.runs;
  }
}
