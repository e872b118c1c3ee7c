/**
 * The composition root: one set of parts per parsed configuration, each part only where the configuration enables it,
 * and one Sync status board per Sync Service shared by the separately bundled Functions of a process.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { loadConfig, type ServiceConfig } from '../../src/lib/config/service-config';
import type * as ServiceInstanceModule from '../../src/runtime/service-instance';
import type * as SharedStoreStatusModule from '../../src/runtime/shared-store-status';
import { createServiceInstance } from '../../src/runtime/service-instance';
import { environmentFor, newCredentials, newSid } from '../helpers/fixtures';

const credentials = newCredentials(['alice']);

async function configWith(overrides: Record<string, string> = {}): Promise<ServiceConfig> {
  const loaded = loadConfig(await environmentFor(credentials, overrides));
  if (!loaded.ok) throw new Error(`fixture configuration refused: ${JSON.stringify(loaded.problems)}`);
  return loaded.config;
}

describe('createServiceInstance', () => {
  it('builds nothing that talks to Twilio or a provider when the configuration enables none of it', async () => {
    const parts = createServiceInstance().partsFor(await configWith());
    expect([parts.sharedLedger, parts.revocations, parts.workers, parts.oidcVerifier()]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('builds the Sync ledger, the revocation list and the Worker directory where the configuration names them', async () => {
    const config = await configWith({
      THROTTLE_SYNC_SERVICE_SID: newSid('IS'),
      TOKEN_GRANTS: 'video,taskrouter',
      TASKROUTER_WORKSPACE_SID: newSid('WS'),
    });
    const parts = createServiceInstance().partsFor(config);
    expect(parts.sharedLedger).toBeDefined();
    expect(parts.revocations).toBeDefined();
    expect(parts.workers).toBeDefined();
    // The Basic check reports Sync's state where /health reads it.
    expect(parts.sharedLedger?.status).toBeDefined();
  });

  it('gives the same parts for the same configuration and new ones when it changes (new credentials, new caches)', async () => {
    const instance = createServiceInstance();
    const first = await configWith({ THROTTLE_SYNC_SERVICE_SID: newSid('IS') });
    const parts = instance.partsFor(first);
    expect(instance.partsFor(first)).toBe(parts);
    const changed = await configWith({ THROTTLE_SYNC_SERVICE_SID: newSid('IS') });
    expect(changed).not.toBe(first);
    const next = instance.partsFor(changed);
    expect(next).not.toBe(parts);
    expect(next.sharedLedger).not.toBe(parts.sharedLedger);
    expect(instance.partsFor(first)).toBe(parts);
  });

  it('gives each instance its own parts: nothing but the status board is shared beyond an instance', async () => {
    const config = await configWith({ THROTTLE_SYNC_SERVICE_SID: newSid('IS') });
    const [one, other] = [createServiceInstance().partsFor(config), createServiceInstance().partsFor(config)];
    expect(one.revocations).not.toBe(other.revocations);
    expect(one.sharedLedger?.status).toBe(other.sharedLedger?.status);
  });
});

describe('the shared store status registry', () => {
  /** A fresh copy of the runtime modules, as each dist/functions/*.js bundle carries its own. */
  function bundleCopy(): { root: typeof ServiceInstanceModule; registry: typeof SharedStoreStatusModule } {
    let copy: { root: typeof ServiceInstanceModule; registry: typeof SharedStoreStatusModule } | undefined;
    jest.isolateModules(() => {
      copy = {
        root: jest.requireActual<typeof ServiceInstanceModule>('../../src/runtime/service-instance'),
        registry: jest.requireActual<typeof SharedStoreStatusModule>('../../src/runtime/shared-store-status'),
      };
    });
    return copy!;
  }

  it('lets /health’s bundle read what /token’s bundle reported for the same Sync Service, and only for it', async () => {
    const syncSid = newSid('IS');
    const config = await configWith({ THROTTLE_SYNC_SERVICE_SID: syncSid });
    const [token, health] = [bundleCopy(), bundleCopy()];
    expect(token.registry).not.toBe(health.registry);
    const reported = { state: 'degraded' as const, reason: 'no answer within 300 ms', at: Date.now() };
    token.root.createServiceInstance().partsFor(config).sharedLedger!.status!.report(reported);
    expect(health.root.createServiceInstance().partsFor(config).sharedLedger!.status!.last()).toEqual(reported);
    const elsewhere = await configWith({ THROTTLE_SYNC_SERVICE_SID: newSid('IS') });
    expect(health.registry.sharedStoreStatusBoardFor(elsewhere).last()).toBeUndefined();
  });
});
