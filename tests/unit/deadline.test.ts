/** withDeadline: the work's own outcome when it settles in time, else the onTimeout outcome; no timer left behind. */
import { describe, expect, it } from '@jest/globals';
import { withDeadline } from '../../src/lib/base/deadline';

const never = () => new Promise<never>(() => undefined);
const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('withDeadline', () => {
  it('answers the work’s value when it comes before the deadline, without calling onTimeout', async () => {
    let called = false;
    await expect(withDeadline(after(5, 'value'), 30, () => ((called = true), 'late'))).resolves.toBe('value');
    await after(50, undefined); // past the deadline: the timer was cleared, so onTimeout never runs
    expect(called).toBe(false);
  });

  it('passes the work’s rejection through when it comes before the deadline', async () => {
    await expect(withDeadline(Promise.reject(new Error('refused')), 1_000, () => 'late')).rejects.toThrow('refused');
  });

  it('answers what onTimeout returns when the work is late', async () => {
    await expect(withDeadline(never(), 10, () => 'late')).resolves.toBe('late');
  });

  it('rejects with what onTimeout throws when the work is late', async () => {
    await expect(
      withDeadline(never(), 10, () => {
        throw new Error('no answer within 10 ms');
      }),
    ).rejects.toThrow('no answer within 10 ms');
  });

  it('calls onTimeout once and ignores the work settling afterwards (a late rejection is not unhandled)', async () => {
    let calls = 0;
    let failLate!: (error: Error) => void;
    const work = new Promise<string>((_, reject) => (failLate = reject));
    await expect(withDeadline(work, 10, () => (calls++, 'late'))).resolves.toBe('late');
    failLate(new Error('too late'));
    await after(5, undefined);
    expect(calls).toBe(1);
  });

  it('times out at once when no time is left (0 or less), without waiting a tick of the timer queue', async () => {
    await expect(withDeadline(never(), 0, () => 'none left')).resolves.toBe('none left');
    await expect(withDeadline(never(), -5, () => 'none left')).resolves.toBe('none left');
  });

  it('never keeps the process alive: its timer is unref’d while the work runs', () => {
    const refTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = refTimers();
    void withDeadline(never(), 60_000, () => 'late');
    expect(refTimers()).toBe(before);
    // The same check sees a timer that is not unref'd: it could fail.
    const plain = setTimeout(() => undefined, 60_000);
    expect(refTimers()).toBe(before + 1);
    clearTimeout(plain);
  });
});
