/** PasswordCheckQueue: when a check may start, when a refusal is answered, and when an attempt is shed. */
import { PasswordCheckQueue } from '../../src/lib/auth/password-check-queue';

const T0 = 1_700_000_000_000;

describe('the password check queue', () => {
  it('answers every refusal at arrival + the deadline, and starts checks one after another in a lane', () => {
    const queue = new PasswordCheckQueue({ lanes: 1, refusalDeadlineMs: 2_000 });
    expect(queue.admit(T0, T0, 150)).toEqual({ startAt: T0 });
    expect(queue.admit(T0, T0, 150)).toEqual({ startAt: T0 + 150 });
    expect(queue.refusalAt(T0)).toBe(T0 + 2_000);
  });

  it('sheds an attempt whose check could not end with one more check to spare before its deadline, and holds nothing for it', () => {
    const queue = new PasswordCheckQueue({ lanes: 1, refusalDeadlineMs: 1_000 });
    // Starts at 0, 200, 400, 600: each ends with 200 ms to spare before 1,000. The fifth would start at 800.
    for (let i = 0; i < 4; i++) expect(queue.admit(T0, T0, 200)).toEqual({ startAt: T0 + 200 * i });
    expect(queue.admit(T0, T0, 200)).toBeUndefined();
    expect(queue.retryAfterMs(T0)).toBe(800);
    // Shedding took no place: once the lane frees, an attempt starts at once.
    expect(queue.admit(T0 + 800, T0 + 800, 200)).toEqual({ startAt: T0 + 800 });
  });

  it('uses every lane before waiting, and always admits into an idle lane even when a check is expected to take longer than the deadline', () => {
    const queue = new PasswordCheckQueue({ lanes: 2, refusalDeadlineMs: 2_000 });
    expect(queue.admit(T0, T0, 5_000)).toEqual({ startAt: T0 });
    expect(queue.admit(T0, T0, 5_000)).toEqual({ startAt: T0 });
    expect(queue.admit(T0, T0, 5_000)).toBeUndefined();
  });

  it('admits into an idle lane even when the attempt arrived a while ago (a fresh instance timing its first check)', () => {
    const queue = new PasswordCheckQueue({ lanes: 1, refusalDeadlineMs: 2_000 });
    expect(queue.admit(T0, T0 + 5, 1_000)).toEqual({ startAt: T0 + 5 });
    expect(queue.admit(T0 + 5, T0 + 5, 1_000)).toBeUndefined();
  });

  it('frees the lane when a check matched before its expected end, unless a later attempt booked it since', () => {
    const queue = new PasswordCheckQueue({ lanes: 1, refusalDeadlineMs: 2_000 });
    const matched = queue.admit(T0, T0, 900)!;
    // Expected to hold the lane until T0 + 900; an attempt at T0 + 300 would wait until then and end too late: shed.
    expect(queue.admit(T0 + 300, T0 + 300, 900)).toBeUndefined();
    queue.releaseOnMatch(matched, T0 + 250);
    expect(queue.admit(T0 + 300, T0 + 300, 900)).toEqual({ startAt: T0 + 300 });

    const first = queue.admit(T0 + 1_500, T0 + 1_500, 400)!;
    expect(queue.admit(T0 + 1_500, T0 + 1_500, 400)).toEqual({ startAt: T0 + 1_900 });
    // The lane is booked past the first slot: its early match must not free the second's time.
    queue.releaseOnMatch(first, T0 + 1_600);
    expect(queue.retryAfterMs(T0 + 1_600)).toBe(700);
  });

  it('refuses a configuration with no lane or no deadline', () => {
    expect(() => new PasswordCheckQueue({ lanes: 0, refusalDeadlineMs: 2_000 })).toThrow(RangeError);
    expect(() => new PasswordCheckQueue({ lanes: 1, refusalDeadlineMs: 0 })).toThrow(RangeError);
  });
});
