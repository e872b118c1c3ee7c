/**
 * The shared per-name failure counts on Twilio Sync: one Map Item per attempted name, spread over a fixed set of
 * Maps, written with If-Match revisions and expiring with the name's window.
 *
 * Why this shape (Sync's rules, see docs/configuration.md, "THROTTLE_SYNC_SERVICE_SID"):
 * - About 20 writes (and 20 reads) per second per object, and a Map is ONE object for all its items: one Map
 *   for every name would cap the whole service at ~20 failed sign-ins a second. Names are spread over
 *   SHARD_COUNT Maps by a keyed hash, so the service takes ~20 × 32 = 640 attempts a second before Sync refuses.
 * - Object creation should stay under ~20/s: Maps are made once (32 of them, on first write), never one per
 *   name; a name is an item, and a flood of random names creates items, not objects.
 * - Items carry an ItemTtl equal to what is left of their window, so Sync forgets a name when its lock ends.
 * - Updates carry the revision read (If-Match); 54205 (another instance wrote first) and 54208 (another instance
 *   created it first) mean: read again and retry.
 * - 429: that Map backs off (no calls for a while, doubling up to 10 s); its names use this instance's counts.
 */
import { createHmac } from 'node:crypto';
import type { NameWindow } from './failure-throttle';
import type { LedgerEntry, SharedFailureLedger, SharedStoreStatusBoard } from './shared-failure-ledger';

/** Maps the names are spread over (see above). */
const SHARD_COUNT = 32;
const SHARD_MAP_PREFIX = 'token-service-throttle-';
/** The names of the Maps the failure counts are spread over, for the deploy and the doctor to check. */
export function throttleMapNames(): string[] {
  return Array.from({ length: SHARD_COUNT }, (_, shard) => `${SHARD_MAP_PREFIX}${shard}`);
}
/** Attempts at a conditional write before giving up on the shared count for this request. */
const WRITE_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

/** What the ledger needs of Sync's REST API; src/runtime/twilio-sync.ts implements it with twilio-node. */
export interface SyncMapItems {
  /** The item, or undefined when it (or its Map) does not exist. */
  fetch(map: string, key: string): Promise<{ data: unknown; revision: string } | undefined>;
  /** Rejects with a SyncError 'exists' (54208) or 'no_map' (54200, 20404 or any other 404 under the Map's path). */
  create(map: string, key: string, data: object, itemTtlSeconds: number): Promise<{ revision: string }>;
  /** Rejects with a SyncError 'conflict' (54205), 'gone' (54201) or 'no_map'. */
  update(map: string, key: string, data: object, itemTtlSeconds: number, ifMatch: string): Promise<{ revision: string }>;
  /** Rejects with 'conflict' or 'gone'. */
  remove(map: string, key: string, ifMatch: string): Promise<void>;
  /** Creates the Map; one that already exists (54301) is fine. */
  createMap(map: string): Promise<void>;
}

export type SyncErrorKind = 'exists' | 'conflict' | 'gone' | 'no_map' | 'too_many_requests' | 'failed';

/** A refusal by Sync, by kind; `code` is Twilio's error code when there was one. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly kind: SyncErrorKind,
    readonly code?: number,
  ) {
    super(code !== undefined ? `sync_${kind} (${code})` : `sync_${kind}`);
  }
}

interface StoredWindow {
  /** Failures in the window. */
  f: number;
  /** When the window started, ms since the epoch. */
  s: number;
}

function asWindow(data: unknown): NameWindow | undefined {
  const { f, s } = (data ?? {}) as Partial<StoredWindow>;
  return Number.isSafeInteger(f) && f! >= 0 && Number.isSafeInteger(s) ? { failures: f!, startedAt: s! } : undefined;
}

export interface SyncLedgerOptions {
  readonly items: SyncMapItems;
  /** Keys item names: Sync never holds the text typed as a user name. The API key secret serves (every instance has it). */
  readonly keySecret: string;
  readonly windowMs: number;
  /** Where the Basic check records whether Sync answered. Default: not recorded. */
  readonly status?: SharedStoreStatusBoard;
}

/**
 * @example const ledger = createSyncFailureLedger({ items, keySecret, windowMs: 15 * 60_000 }); await ledger.read('alice', Date.now())
 */
export function createSyncFailureLedger({ items, keySecret, windowMs, status }: SyncLedgerOptions): SharedFailureLedger {
  const backoff = new Map<number, { until: number; ms: number }>();
  const locate = (name: string) => {
    const digest = createHmac('sha256', keySecret).update(`throttle\u0000${name}`).digest();
    const shard = digest[0]! % SHARD_COUNT;
    return { shard, map: `${SHARD_MAP_PREFIX}${shard}`, key: digest.subarray(1, 17).toString('hex') };
  };
  const ttlSeconds = (window: NameWindow, now: number) => Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));

  /** Every call to a shard goes through here: one that answered 429 lately is not called until its back-off ends. */
  async function call<T>(shard: number, work: () => Promise<T>): Promise<T> {
    const held = backoff.get(shard);
    if (held && Date.now() < held.until) throw new SyncError('too_many_requests');
    try {
      const value = await work();
      backoff.delete(shard);
      return value;
    } catch (error) {
      if (error instanceof SyncError && error.kind === 'too_many_requests') {
        const ms = held ? Math.min(MAX_BACKOFF_MS, held.ms * 2) : FIRST_BACKOFF_MS;
        backoff.set(shard, { until: Date.now() + ms, ms });
      }
      throw error;
    }
  }

  async function read(name: string): Promise<LedgerEntry | undefined> {
    const { shard, map, key } = locate(name);
    const item = await call(shard, () => items.fetch(map, key));
    if (!item) return undefined;
    // An unreadable item counts as none; the next write replaces it (its revision is kept for that).
    const window = asWindow(item.data) ?? { failures: 0, startedAt: 0 };
    return { ...window, revision: item.revision };
  }

  return {
    ...(status && { status }),
    read: (name) => read(name),

    async addFailure(name, seen, now) {
      const { shard, map, key } = locate(name);
      let current = seen;
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const fresh = !current || now - current.startedAt >= windowMs;
        const next: NameWindow = fresh
          ? { failures: 1, startedAt: now }
          : { failures: current!.failures + 1, startedAt: current!.startedAt };
        const data: StoredWindow = { f: next.failures, s: next.startedAt };
        try {
          if (current) await call(shard, () => items.update(map, key, data, ttlSeconds(next, now), current!.revision));
          else await call(shard, () => items.create(map, key, data, ttlSeconds(next, now)));
          return next;
        } catch (error) {
          if (!(error instanceof SyncError)) throw error;
          if (error.kind === 'no_map') await call(shard, () => items.createMap(map));
          else if (error.kind === 'exists' || error.kind === 'conflict' || error.kind === 'gone') current = await read(name);
          else throw error;
        }
      }
      throw new SyncError('conflict', 54205);
    },

    async clear(name, seen) {
      const { shard, map, key } = locate(name);
      try {
        await call(shard, () => items.remove(map, key, seen.revision));
      } catch (error) {
        // Gone already, or failed again elsewhere since the read: those failures stay counted.
        if (error instanceof SyncError && (error.kind === 'gone' || error.kind === 'conflict')) return;
        throw error;
      }
    },
  };
}
