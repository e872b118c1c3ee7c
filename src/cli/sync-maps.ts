/**
 * The Sync Service THROTTLE_SYNC_SERVICE_SID names, as npm run deploy prepares it and npm run doctor -- --online checks
 * it: the Service must exist, and the Maps the service uses (the throttle's 32 and the revocation list's 4 replicas)
 * should. Instances make throttle Maps on first write and read a missing revocation Map as empty, so a missing Map is
 * not an outage, but creating them at deploy keeps those first requests (and Sync's object-creation limit) quiet.
 */
import { revocationMapNames } from '../lib/revocation/revocations';
import { throttleMapNames } from '../lib/throttle/sync-failure-ledger';
import { describeSyncError } from './revocation-store';
import type { ClientLocation } from './twilio/hosts';

/** Every Map the deployed service uses, in order: the throttle's, then the revocation replicas. */
export function serviceMapNames(): string[] {
  return [...throttleMapNames(), ...revocationMapNames()];
}

export type SyncInspection =
  | { readonly ok: true; readonly serviceSid: string; readonly missing: readonly string[] }
  | { readonly ok: false; readonly serviceSid: string; readonly message: string };

interface SyncClientOptions {
  readonly username: string;
  readonly password: string;
  readonly accountSid: string;
  readonly serviceSid: string;
  /**
   * twilio-node's region and edge (clientLocation): the project's TWILIO_REGION through the operator's TWILIO_EDGE.
   * Without them twilio-node would take the shell's TWILIO_REGION, which may be another project's.
   */
  readonly location: ClientLocation;
}

function syncService({ username, password, accountSid, serviceSid, location }: SyncClientOptions) {
  const twilio = require('twilio') as typeof import('twilio');
  return twilio(username, password, { accountSid, ...location, autoRetry: true, maxRetries: 3 }).sync.v1.services(serviceSid);
}

/**
 * GETs only: whether the Service exists for these credentials, and which of the service's Maps it lacks.
 * @example const seen = await inspectSync({ username, password, accountSid, serviceSid: 'default', location: clientLocation({}) })
 */
export async function inspectSync(options: SyncClientOptions): Promise<SyncInspection> {
  const service = syncService(options);
  try {
    await service.fetch();
    const present = new Set((await service.syncMaps.list({ pageSize: 1000 })).map((map) => map.uniqueName));
    return { ok: true, serviceSid: options.serviceSid, missing: serviceMapNames().filter((name) => !present.has(name)) };
  } catch (error) {
    const { status } = error as { status?: number };
    const message =
      status === 404
        ? `no Sync Service ${options.serviceSid} on account ${options.accountSid}`
        : `the Sync Service could not be read: ${describeSyncError(error)}`;
    return { ok: false, serviceSid: options.serviceSid, message };
  }
}

/** Creates the named Maps (one that another run made meanwhile, 54301, is fine), a few at a time: Sync asks for under 20 object creations a second. */
export async function createSyncMaps(options: SyncClientOptions, names: readonly string[]): Promise<void> {
  const service = syncService(options);
  for (let start = 0; start < names.length; start += 5) {
    await Promise.all(
      names.slice(start, start + 5).map((uniqueName) =>
        service.syncMaps.create({ uniqueName }).then(
          () => undefined,
          (error: unknown) => {
            if ((error as { code?: number }).code !== 54301) throw error;
          },
        ),
      ),
    );
  }
}

/** The plan's line for the Sync Service. */
export function describeSyncPlan(inspection: Extract<SyncInspection, { ok: true }>): string {
  const total = serviceMapNames().length;
  if (inspection.missing.length === 0) return `  sync:     Sync Service ${inspection.serviceSid} holds all ${total} Maps the service uses`;
  return `  sync:     Sync Service ${inspection.serviceSid}: create ${inspection.missing.length} of ${total} Maps (${inspection.missing.join(', ')})`;
}
