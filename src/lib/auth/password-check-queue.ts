/**
 * The one bounded queue every password attempt of a name that may exist goes through, configured or not: it decides
 * when the attempt's check runs, when its refusal is answered, and when an attempt is shed, from the queue alone.
 */

/** What the queue is; the defaults suit Twilio's 10 s limit with room for Sync's budget. */
export interface CheckQueueLimits {
  /** Checks run at once (libuv runs four scrypt calls at once; more lanes than cores only slow each down). */
  readonly lanes: number;
  /** The longest an attempt may wait for its lane; one that would wait longer is shed. */
  readonly maxWaitMs: number;
  /**
   * Time added after a check's expected end before its refusal is answered, as a share of the expected duration:
   * room for a check that runs a little slow, so a configured name's refusal is not later than an unknown one's.
   */
  readonly slack: number;
}

/** Defaults: 2 lanes, 1.5 s of waiting at most, answers at twice a check's expected duration after it starts. */
export const DEFAULT_CHECK_QUEUE_LIMITS: CheckQueueLimits = { lanes: 2, maxWaitMs: 1_500, slack: 1 };

/** An admitted attempt's timetable, fixed at its arrival. */
export interface CheckSlot {
  /** When its check may start (a configured name's scrypt run; for any other name, nothing happens). */
  readonly startAt: number;
  /** When a refusal is answered, at the earliest: the same for every name admitted at the same moment. */
  readonly answerAt: number;
}

/**
 * Lanes with the time each frees up. An unknown name holds a lane for a check's expected duration as a configured
 * one does, without hashing: so how long an attempt waits, and whether it is shed, never depend on the name.
 * @example const slot = queue.admit(Date.now(), 150); if (!slot) throw busy(queue.retryAfterMs(Date.now()))
 */
export class PasswordCheckQueue {
  private readonly freeAt: number[];

  constructor(readonly limits: CheckQueueLimits = DEFAULT_CHECK_QUEUE_LIMITS) {
    if (!(limits.lanes >= 1) || !(limits.maxWaitMs >= 0) || !(limits.slack >= 0)) {
      throw new RangeError('a check queue needs at least one lane, a wait of 0 ms or more and a slack of 0 or more');
    }
    this.freeAt = Array.from({ length: Math.floor(limits.lanes) }, () => -Infinity);
  }

  private earliestLane(): number {
    let lane = 0;
    for (let i = 1; i < this.freeAt.length; i++) if (this.freeAt[i]! < this.freeAt[lane]!) lane = i;
    return lane;
  }

  /** The attempt's timetable, or undefined when it would wait longer than maxWaitMs (shed: nothing is held). */
  admit(now: number, expectedCheckMs: number): CheckSlot | undefined {
    const lane = this.earliestLane();
    const startAt = Math.max(now, this.freeAt[lane]!);
    if (startAt - now > this.limits.maxWaitMs) return undefined;
    this.freeAt[lane] = startAt + expectedCheckMs;
    return { startAt, answerAt: startAt + expectedCheckMs * (1 + this.limits.slack) };
  }

  /** How long until an attempt would be admitted again (for Retry-After when shedding). */
  retryAfterMs(now: number): number {
    return Math.max(0, this.freeAt[this.earliestLane()]! - this.limits.maxWaitMs - now);
  }
}
