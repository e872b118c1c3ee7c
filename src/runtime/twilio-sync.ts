/** The thin layer between the Sync failure ledger and Twilio's Sync REST API, through twilio-node. */
import type { ServiceConfig } from '../lib/config/service-config';
import { DEFAULT_THROTTLE_LIMITS } from '../lib/throttle/failure-throttle';
import type { SharedFailureLedger, SharedStoreStatusBoard } from '../lib/throttle/shared-failure-ledger';
import { createSyncFailureLedger, SyncError, type SyncMapItems } from '../lib/throttle/sync-failure-ledger';
import { createRevocationCache, type RevocationCache } from '../lib/revocation/revocation-cache';
import { revocationMapNames } from '../lib/revocation/revocations';

interface RestError {
  status?: number;
  code?: number;
}

/**
 * twilio-node's RestException as a SyncError by kind (Twilio's Sync error codes). Every call here is on a Map's
 * path, so a 404 that is not "Map Item not found" (54201) means the Map is missing: Twilio documents 54200, but a
 * write under a missing Map may come back as the generic 20404 (or another 404), and all must create the Map.
 */
function toSyncError(error: unknown): SyncError {
  const { status, code } = (error ?? {}) as RestError;
  if (status === 429) return new SyncError('too_many_requests', code);
  if (code === 54208) return new SyncError('exists', code);
  if (code === 54205) return new SyncError('conflict', code);
  if (code === 54201) return new SyncError('gone', code);
  if (code === 54200 || status === 404) return new SyncError('no_map', code ?? status);
  return new SyncError('failed', code ?? status);
}

type SyncKeyConfig = Pick<ServiceConfig, 'accountSid' | 'apiKeySid' | 'signingKey'>;

/** twilio-node's Sync Service with the API key the service already has (a Standard key may use Sync). */
function twilioSyncService(config: SyncKeyConfig, serviceSid: string) {
  // Loaded only when THROTTLE_SYNC_SERVICE_SID is set: require('twilio') costs ~84 ms of a cold start.
  const twilio = require('twilio') as typeof import('twilio');
  const client = twilio(config.apiKeySid, config.signingKey.export().toString('utf8'), { accountSid: config.accountSid, autoRetry: false });
  return client.sync.v1.services(serviceSid);
}

/** twilio-node's Sync Map Items, for the failure ledger. */
function twilioSyncMapItems(config: SyncKeyConfig, serviceSid: string): SyncMapItems {
  const service = twilioSyncService(config, serviceSid);
  const rethrow = (error: unknown): never => {
    throw toSyncError(error);
  };
  return {
    async fetch(map, key) {
      try {
        const item = await service.syncMaps(map).syncMapItems(key).fetch();
        return { data: item.data, revision: item.revision };
      } catch (error) {
        if ((error as RestError).status === 404) return undefined;
        return rethrow(error);
      }
    },
    async create(map, key, data, itemTtl) {
      const item = await service.syncMaps(map).syncMapItems.create({ key, data, itemTtl }).catch(rethrow);
      return { revision: item.revision };
    },
    async update(map, key, data, itemTtl, ifMatch) {
      const item = await service.syncMaps(map).syncMapItems(key).update({ data, itemTtl, ifMatch }).catch(rethrow);
      return { revision: item.revision };
    },
    async remove(map, key, ifMatch) {
      await service
        .syncMaps(map)
        .syncMapItems(key)
        .remove({ ifMatch })
        .catch((error: unknown) => {
          // No Map, no item to remove: as good as gone.
          const refused = toSyncError(error);
          throw refused.kind === 'no_map' ? new SyncError('gone', refused.code) : refused;
        });
    },
    async createMap(map) {
      try {
        await service.syncMaps.create({ uniqueName: map });
      } catch (error) {
        if ((error as RestError).code !== 54301) rethrow(error);
      }
    },
  };
}

/**
 * The failure counts every instance shares, on the Sync Service `serviceSid`; `status` is where the Basic check records
 * whether Sync answered. `windowMs` (default: the failure throttle's per-name window) is how long a name's failures count.
 * @example createSyncLedger(config, config.throttleSyncServiceSid, sharedStoreStatusBoardFor(config))
 */
export function createSyncLedger(
  config: SyncKeyConfig,
  serviceSid: string,
  status: SharedStoreStatusBoard,
  windowMs = DEFAULT_THROTTLE_LIMITS.perNameWindowMs,
): SharedFailureLedger {
  const items = twilioSyncMapItems(config, serviceSid);
  return createSyncFailureLedger({ items, keySecret: config.signingKey.export().toString('utf8'), windowMs, status });
}

/**
 * The revocation list every instance shares, on the Sync Service `serviceSid`; `log` is told when its state changes.
 * This instance reads one replica Map, picked at random, so the fleet's reads spread over all of them.
 * @example createSyncRevocations(config, config.throttleSyncServiceSid, logJson)
 */
export function createSyncRevocations(config: SyncKeyConfig, serviceSid: string, log: (entry: object) => void): RevocationCache {
  const service = twilioSyncService(config, serviceSid);
  const names = revocationMapNames();
  const map = names[Math.floor(Math.random() * names.length)]!;
  const read = async (): Promise<unknown[]> => {
    try {
      const items = await service.syncMaps(map).syncMapItems.list({ pageSize: 1000 });
      return items.map((item) => item.data as unknown);
    } catch (error) {
      // No Map yet: nothing was ever revoked (npm run deploy and npm run revoke create it).
      if ((error as RestError).status === 404) return [];
      throw toSyncError(error);
    }
  };
  return createRevocationCache({ read, onChange: (state) => log({ event: 'revocations', ...state }) });
}
