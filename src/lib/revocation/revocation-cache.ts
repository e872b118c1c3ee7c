/**
 * An instance's copy of the revocation list: read from one replica Map, answered from memory while it is fresh, and
 * read again so that no answer rests on a copy older than STALENESS_LIMIT_MS.
 *
 * The hot path: a warm instance answers from memory with no Sync round trip. A copy older than REFRESH_AFTER_MS is
 * read again in the background while requests go on being answered from it; only a copy older than
 * MUST_REFRESH_AFTER_MS (an instance idle for a while) makes a request wait for the read, within READ_BUDGET_MS.
 *
 * Sync slow or down: the request goes on with the last copy read (or none, on an instance that never read one), the
 * log line says `revocations: "stale"`, and /health reports `degraded`; a failed read is not tried again for
 * RETRY_AFTER_FAILURE_MS, so a Sync outage adds no wait to every request. Never a 5xx: refusing everyone while Sync
 * is down would turn a Sync outage into an outage of every sign-in, and the list's purpose is the few it names.
 */
import { withDeadline } from '../base/deadline';
import { asRevocation, endOf, refuses, type SignIn, type StoredRevocation } from './revocations';

/** Serve from memory with no read while the copy is younger than this. */
const REFRESH_AFTER_MS = 2_500;
/** A copy older than this is never used while Sync answers: the request waits for a new read. */
const MUST_REFRESH_AFTER_MS = 4_000;
/** How long a request waits for that read: with MUST_REFRESH_AFTER_MS, a copy is at most 4.5 s old when used. */
export const READ_BUDGET_MS = 500;
/** The documented bound: a revocation reaches every instance that can read Sync within this. */
export const STALENESS_LIMIT_MS = MUST_REFRESH_AFTER_MS + READ_BUDGET_MS;
/** After a failed read, requests use the copy they have for this long before trying again. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/** What the cache needs of Sync: the live items of one Map (empty when the Map does not exist yet). */
type ReadRevocationMap = () => Promise<readonly unknown[]>;

export interface RevocationState {
  /** `ok`: the copy is from a read that succeeded within the staleness limit; `degraded`: Sync did not answer. */
  readonly sync: 'ok' | 'degraded';
  /** Revocations in force now (never the identities). */
  readonly active: number;
  readonly reason?: string;
}

export interface RevocationCache {
  /**
   * Whether the sign-in is refused, and whether the copy that decided was current. Resolves without a Sync round
   * trip while the copy is fresh; never rejects.
   */
  check(
    signIn: SignIn,
  ): Promise<{ readonly refused: boolean; readonly current: boolean }> | { readonly refused: boolean; readonly current: boolean };
  /** The state for /health (reads Sync when the copy is stale, like a request). */
  state(): Promise<RevocationState>;
}

export interface RevocationCacheOptions {
  readonly read: ReadRevocationMap;
  readonly now?: () => number;
  /** Told when the state changes (Sync degraded or back, the number in force changed); for the log. */
  readonly onChange?: (state: RevocationState) => void;
}

/**
 * @example const cache = createRevocationCache({ read: () => items.list(map) }); (await cache.check({ identity: 'alice' })).refused
 */
export function createRevocationCache({ read, now = Date.now, onChange }: RevocationCacheOptions): RevocationCache {
  let entries = new Map<string, StoredRevocation>();
  let readAt = -Infinity;
  let failedAt = -Infinity;
  let failure: string | undefined;
  let inFlight: Promise<void> | undefined;
  let reported: RevocationState | undefined;

  const active = (at: number) => [...entries.values()].filter((entry) => endOf(entry, at) === undefined).length;
  const current = () => failure === undefined && now() - readAt <= STALENESS_LIMIT_MS;
  const snapshot = (): RevocationState => ({
    sync: current() ? 'ok' : 'degraded',
    active: active(now()),
    ...(failure !== undefined && { reason: failure }),
  });
  const report = () => {
    const state = snapshot();
    if (reported && reported.sync === state.sync && reported.active === state.active) return;
    reported = state;
    onChange?.(state);
  };

  function refresh(): Promise<void> {
    if (inFlight) return inFlight;
    const startedAt = now();
    inFlight = read()
      .then(
        (items) => {
          const next = new Map<string, StoredRevocation>();
          for (const data of items) {
            const entry = asRevocation(data);
            if (entry) next.set(entry.i.normalize('NFC'), entry);
          }
          entries = next;
          readAt = startedAt;
          failure = undefined;
        },
        (error: unknown) => {
          failedAt = now();
          failure = error instanceof Error ? error.message : 'the read failed';
        },
      )
      .finally(() => {
        inFlight = undefined;
        report();
      });
    return inFlight;
  }

  /** Resolves when the copy may be used: fresh, refreshed within the budget, or Sync failing (the last copy). */
  function ready(): Promise<void> | undefined {
    const age = now() - readAt;
    if (age < REFRESH_AFTER_MS) return undefined;
    const recentlyFailed = now() - failedAt < RETRY_AFTER_FAILURE_MS;
    if (age < MUST_REFRESH_AFTER_MS || recentlyFailed) {
      if (!recentlyFailed) void refresh();
      return undefined;
    }
    return withDeadline(refresh(), READ_BUDGET_MS, () => {
      if (inFlight) {
        failedAt = now();
        failure = `no answer within ${READ_BUDGET_MS} ms`;
        report();
      }
    });
  }

  const decide = (signIn: SignIn) => ({
    refused: refuses(entries.get(signIn.identity.normalize('NFC')), signIn, now()),
    current: current(),
  });

  return {
    check(signIn) {
      const waiting = ready();
      return waiting ? waiting.then(() => decide(signIn)) : decide(signIn);
    },
    async state() {
      await ready();
      return snapshot();
    },
  };
}
