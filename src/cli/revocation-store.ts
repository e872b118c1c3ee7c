/**
 * The revocation list on Twilio Sync as the operator's tools change it, through twilio-node with the operator's
 * credentials (it honours HTTP_PROXY, as the deploy's requests do), in the project's region (src/cli/twilio/hosts.ts). Every change is written to every replica Map
 * (see src/lib/revocation/revocations.ts), creating a Map that is missing (54200, or the generic 20404).
 */
import {
  asRevocation,
  ENDED_MEMORY_SECONDS,
  revocationKey,
  revocationMapNames,
  type StoredRevocation,
} from '../lib/revocation/revocations';
import type { ClientLocation } from './twilio/hosts';

interface RestError {
  readonly status?: number;
  readonly code?: number;
  readonly message?: string;
}

/** What the operator's tools need of Sync; tests reach the stand-in through the same twilio-node calls. */
export interface RevocationStore {
  /** Every entry, merged over the replicas (the newest of each identity). */
  list(): Promise<StoredRevocation[]>;
  /** Writes the entry to every replica; resolves to how many took it. */
  write(entry: StoredRevocation, itemTtlSeconds: number): Promise<number>;
}

/** Sync's words for a refusal, for a message: status and code, never a credential. */
export function describeSyncError(error: unknown): string {
  const { status, code, message } = (error ?? {}) as RestError;
  if (status === 401 || code === 20003) return 'Twilio refused the credentials (20003): check TWILIO_API_KEY/TWILIO_API_SECRET';
  if (status === 404 && code === 20404) return 'the Sync Service was not found (20404): check THROTTLE_SYNC_SERVICE_SID';
  return `Sync answered ${status ?? 'nothing'}${code !== undefined ? ` (${code})` : ''}${message ? `: ${message}` : ''}`;
}

const isMissingMap = (error: unknown) => (error as RestError).status === 404;

/** The newer of two entries for one identity: the one whose last change (revoked or lifted) is later. */
function newer(a: StoredRevocation, b: StoredRevocation): StoredRevocation {
  return Math.max(b.t, b.l ?? 0) > Math.max(a.t, a.l ?? 0) ? b : a;
}

/**
 * @example const store = twilioRevocationStore({ username, password, accountSid, serviceSid, location: clientLocation({ region: 'ie1' }) })
 */
export function twilioRevocationStore(options: {
  readonly username: string;
  readonly password: string;
  readonly accountSid: string;
  readonly serviceSid: string;
  /** twilio-node's region and edge (clientLocation). */
  readonly location: ClientLocation;
}): RevocationStore {
  const twilio = require('twilio') as typeof import('twilio');
  const client = twilio(options.username, options.password, {
    accountSid: options.accountSid,
    ...options.location,
    autoRetry: true,
    maxRetries: 3,
  });
  const service = client.sync.v1.services(options.serviceSid);

  async function writeOne(map: string, entry: StoredRevocation, itemTtl: number): Promise<void> {
    const key = revocationKey(entry.i);
    const data = { ...entry };
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const existing = await service
          .syncMaps(map)
          .syncMapItems(key)
          .fetch()
          .catch((error: unknown) => {
            if ((error as RestError).code === 54201 || ((error as RestError).status === 404 && attempt > 0)) return undefined;
            throw error;
          });
        if (existing) await service.syncMaps(map).syncMapItems(key).update({ data, itemTtl, ifMatch: existing.revision });
        else await service.syncMaps(map).syncMapItems.create({ key, data, itemTtl });
        return;
      } catch (error) {
        const { code } = error as RestError;
        if (code === 54208 || code === 54205 || code === 54201) continue;
        if (!isMissingMap(error)) throw error;
        await service.syncMaps.create({ uniqueName: map }).catch((created: unknown) => {
          if ((created as RestError).code !== 54301) throw created;
        });
      }
    }
    throw new Error(`${map}: another writer kept changing the item`);
  }

  return {
    async list() {
      const merged = new Map<string, StoredRevocation>();
      for (const map of revocationMapNames()) {
        const items = await service
          .syncMaps(map)
          .syncMapItems.list({ pageSize: 1000 })
          .catch((error: unknown) => {
            if (isMissingMap(error)) return [];
            throw error;
          });
        for (const item of items) {
          const entry = asRevocation(item.data);
          if (!entry) continue;
          const seen = merged.get(entry.i);
          merged.set(entry.i, seen ? newer(seen, entry) : entry);
        }
      }
      return [...merged.values()];
    },
    async write(entry, itemTtl) {
      const results = await Promise.allSettled(revocationMapNames().map((map) => writeOne(map, entry, itemTtl)));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      const written = results.length - results.filter((result) => result.status === 'rejected').length;
      if (written === 0 && failed) throw failed.reason;
      return written;
    },
  };
}

/** The ItemTtl of an entry: kept while in force, and ENDED_MEMORY_SECONDS after it ends (0: no expiry). */
export function itemTtlFor(entry: StoredRevocation, now: number): number {
  if (entry.l !== undefined) return ENDED_MEMORY_SECONDS;
  if (entry.u === undefined) return 0;
  return Math.max(1, Math.ceil((entry.u - now) / 1000)) + ENDED_MEMORY_SECONDS;
}
