/**
 * The per-name failure counts every instance shares (Twilio Sync when THROTTLE_SYNC_SERVICE_SID is set), the
 * time a request may spend on them, and whether they were reachable lately.
 */
import { withDeadline } from '../base/deadline';
import type { NameWindow } from './failure-throttle';

/** A name's shared window as last read; `revision` is the store's, for a conditional update. */
export interface LedgerEntry extends NameWindow {
  readonly revision: string;
}

export interface SharedFailureLedger {
  /** The name's shared window, or undefined when it has none. Rejects when the store cannot answer. */
  read(name: string, now: number): Promise<LedgerEntry | undefined>;
  /** Adds one failure to the name's window, or starts one; retries (re-reading) when another writer got there first. */
  addFailure(name: string, seen: LedgerEntry | undefined, now: number): Promise<NameWindow>;
  /** Forgets the name's failures after its right password. */
  clear(name: string, seen: LedgerEntry): Promise<void>;
  /** Where whether the store answered is recorded, for /health. Default: not recorded. */
  readonly status?: SharedStoreStatusBoard;
}

/**
 * What one request may wait for the shared store in total: a few hundred milliseconds, about two round trips
 * when the store is slow. Past it the request goes on with this instance's own counts.
 */
export const SHARED_STORE_BUDGET_MS = 300;

export type Budgeted<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * The store's answer, or why there is none, by `deadline` at the latest. A rejection never escapes: the store
 * being down must never turn into a 5xx.
 * @example const read = await withinBudget(ledger.read(name, now), Date.now() + 300)
 */
export function withinBudget<T>(work: Promise<T>, deadline: number, clock: () => number = Date.now): Promise<Budgeted<T>> {
  const remaining = deadline - clock();
  if (remaining <= 0) {
    work.catch(() => undefined);
    return Promise.resolve({ ok: false, reason: 'no time left in the budget' });
  }
  const answered = work.then(
    (value): Budgeted<T> => ({ ok: true, value }),
    (error: unknown): Budgeted<T> => ({ ok: false, reason: error instanceof Error ? error.message : 'the store failed' }),
  );
  return withDeadline(answered, remaining, (): Budgeted<T> => ({ ok: false, reason: `no answer within ${SHARED_STORE_BUDGET_MS} ms` }));
}

/** The shared store's state as the instance saw it last: what the log line and /health report. */
interface SharedStoreStatus {
  readonly state: 'ok' | 'degraded';
  /** Why it is degraded (an error code or "no answer within 300 ms"; never a name or credential). */
  readonly reason?: string;
  /** When that state was last seen (ms since the epoch). */
  readonly at: number;
}

/**
 * Where the shared store's state is kept as an instance saw it last: the Basic check reports each answer (or its
 * absence), /health reads the last one. src/runtime/shared-store-status.ts hands /token and /health of one process the
 * same board for the same Sync service.
 */
export interface SharedStoreStatusBoard {
  report(status: SharedStoreStatus): void;
  last(): SharedStoreStatus | undefined;
}

/** A board that remembers the last status reported. */
export function createSharedStoreStatusBoard(): SharedStoreStatusBoard {
  let last: SharedStoreStatus | undefined;
  return {
    report: (status) => (last = status),
    last: () => last,
  };
}
