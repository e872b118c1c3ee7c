/** The one way the core waits for a service it does not control (an identity provider, TaskRouter, Sync): until a deadline. */

/**
 * The work's own outcome if it settles within `ms`, else `onTimeout()`'s: its value, or the error it throws. The work
 * is not cancelled (pass an AbortController's abort in `onTimeout` for that) and its late outcome is ignored, a late
 * rejection included. The timer is cleared as soon as the work settles and unref'd meanwhile, so a wait never keeps the
 * process alive. `ms` of 0 or less times out at once (in a microtask), without a timer.
 * @example await withDeadline(lookup(sid), 4_000, () => { throw new Error('no answer within 4000 ms'); })
 */
export function withDeadline<T, L = never>(work: Promise<T>, ms: number, onTimeout: () => L): Promise<T | L> {
  if (ms <= 0) {
    work.catch(() => undefined);
    return Promise.resolve().then(onTimeout);
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  }).then(onTimeout);
  // race() handles the loser's outcome, so a late rejection is never an unhandled one.
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
