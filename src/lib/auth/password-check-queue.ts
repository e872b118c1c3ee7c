/**
 * The one bounded queue every password attempt of a name that may exist goes through, configured or not: it decides
 * when the attempt's check runs and sheds the attempts it could not finish in time, from the queue's state alone.
 */

/** What the queue is; the defaults suit Twilio's 10 s limit with room for Sync's budget. */
export interface CheckQueueLimits {
  /**
   * Checks run at once. One by default: a check is a core's work, and a second lane on a 2-core instance competes
   * with the event loop, delaying every answer while a configured name is checked, which an unknown name's is not.
   */
  readonly lanes: number;
  /**
   * Every refusal is answered this long after the attempt arrived, whatever the name and the load: an attempt whose
   * check could not end by then, with one more check's time to spare, is shed instead.
   */
  readonly refusalDeadlineMs: number;
}

/** Defaults: 1 lane; refusals 2 s after arrival, well inside Twilio's 10 s. */
export const DEFAULT_CHECK_QUEUE_LIMITS: CheckQueueLimits = { lanes: 1, refusalDeadlineMs: 2_000 };

/** An admitted attempt's turn, fixed when it is admitted. */
export interface CheckSlot {
  /** When its check may start (a configured name's scrypt run; for any other name, nothing happens). */
  readonly startAt: number;
}

/**
 * Lanes with the time each frees up. An unknown name holds a lane for a check's expected duration as a configured
 * one does, without hashing: so whether an attempt is admitted or shed never depends on the name. Every refusal is
 * answered at refusalAt(arrival): its time depends on nothing but its arrival.
 * @example const slot = queue.admit(arrivedAt, Date.now(), 150); if (!slot) throw busy(queue.retryAfterMs(Date.now()))
 */
export class PasswordCheckQueue {
  private readonly freeAt: number[];
  /** Each admitted slot's lane and the time it booked that lane until, for releasing it early on a match. */
  private readonly bookings = new WeakMap<CheckSlot, { readonly lane: number; readonly until: number }>();

  constructor(readonly limits: CheckQueueLimits = DEFAULT_CHECK_QUEUE_LIMITS) {
    if (!(limits.lanes >= 1) || !(limits.refusalDeadlineMs > 0)) {
      throw new RangeError('a check queue needs at least one lane and a refusal deadline above 0 ms');
    }
    this.freeAt = Array.from({ length: Math.floor(limits.lanes) }, () => -Infinity);
  }

  private earliestLane(): number {
    let lane = 0;
    for (let i = 1; i < this.freeAt.length; i++) if (this.freeAt[i]! < this.freeAt[lane]!) lane = i;
    return lane;
  }

  /**
   * The attempt's timetable, or undefined when its check (expected to take `expectedCheckMs`, at most half the
   * deadline) would have to wait and could then not end one check's time before the deadline: shed, holding nothing.
   */
  admit(arrivedAt: number, now: number, expectedCheckMs: number): CheckSlot | undefined {
    const checkMs = Math.min(expectedCheckMs, this.limits.refusalDeadlineMs / 2);
    const answerAt = this.refusalAt(arrivedAt);
    const lane = this.earliestLane();
    const startAt = Math.max(now, this.freeAt[lane]!);
    // An idle lane always admits: a slow host must still check passwords, one at a time.
    if (startAt > now && startAt + 2 * checkMs > answerAt) return undefined;
    this.freeAt[lane] = startAt + checkMs;
    const slot: CheckSlot = { startAt };
    this.bookings.set(slot, { lane, until: startAt + checkMs });
    return slot;
  }

  /**
   * A check that matched ended at `at`: its lane frees then instead of at the expected end, unless a later attempt has
   * booked the lane since. Only a match releases early: a refusal keeps its booking whatever the name (an unknown name
   * checks nothing and so would always end early), so admission still depends on nothing but arrivals. Without this,
   * a sign-in right after another's success was shed while the lane sat idle on a slow host.
   */
  releaseOnMatch(slot: CheckSlot, at: number): void {
    const booking = this.bookings.get(slot);
    if (!booking) return;
    this.bookings.delete(slot);
    if (this.freeAt[booking.lane] === booking.until && at < booking.until) this.freeAt[booking.lane] = Math.max(at, slot.startAt);
  }

  /** When every refusal of an attempt that arrived then is answered: admitted, shed or locked, whatever the name. */
  refusalAt(arrivedAt: number): number {
    return arrivedAt + this.limits.refusalDeadlineMs;
  }

  /** How long until a lane frees up (for Retry-After when shedding). */
  retryAfterMs(now: number): number {
    return Math.max(0, this.freeAt[this.earliestLane()]! - now);
  }
}
