/**
 * The composition root: every dependency of a Function instance besides the request is built here, once.
 *
 * Two scopes:
 * - the instance (`createServiceInstance()`, once per Function bundle, at module load): the clock, the log writer,
 *   /health's last Sync probe and the JWKS cache (it outlives a configuration change, so a verifier made anew still reuses the provider's keys);
 * - the configuration (`partsFor(config)`): the identity-provider token verifier, the TaskRouter Worker directory, the
 *   Sync failure ledger and the revocation list. loadConfig keeps one ServiceConfig object while the variables and
 *   private assets are unchanged, so a change of them gives new parts (new credentials, new caches). Each part exists
 *   only when the configuration enables it, and twilio-node and jose are loaded only when a part first needs them.
 * Beyond the instance only the Sync status boards are shared, process-wide (src/runtime/shared-store-status.ts).
 */
import { createBasicAuthenticator } from '../lib/auth/basic-authentication';
import type { ConfigSources, ServiceConfig } from '../lib/config/service-config';
import type { HealthRequestOptions, ProbeMemo } from '../lib/endpoints/health-report';
import type { TokenEndpointDeps } from '../lib/endpoints/token-endpoint';
import { JwksCache } from '../lib/oidc/jwks-cache';
import type { OidcVerifier } from '../lib/oidc/verifier';
import type { RevocationCache } from '../lib/revocation/revocation-cache';
import type { SharedFailureLedger } from '../lib/throttle/shared-failure-ledger';
import type { WorkerDirectory } from '../lib/token/taskrouter-workers';
import { sharedStoreStatusBoardFor } from './shared-store-status';
import { logJson } from './twilio-adapter';
import { createSyncLedger, createSyncRevocations } from './twilio-sync';
import { createTwilioWorkerDirectory } from './twilio-taskrouter';

/** What one parsed configuration needs of the services outside: undefined where the configuration enables none. */
interface ConfigurationParts {
  /** With THROTTLE_SYNC_SERVICE_SID: the per-name failure counts every instance shares. */
  readonly sharedLedger: SharedFailureLedger | undefined;
  /** With THROTTLE_SYNC_SERVICE_SID: the revocation list every instance shares. */
  readonly revocations: RevocationCache | undefined;
  /** With TWILIO_TASKROUTER_WORKSPACE_SID: which Worker an identity is. */
  readonly workers: WorkerDirectory | undefined;
  /** With OIDC_ISSUER: the token verifier, built on the first identity-provider token (jose stays out of the cold start). */
  oidcVerifier(): OidcVerifier | undefined;
}

export interface ServiceInstance {
  readonly now: () => number;
  readonly log: (entry: object) => void;
  /** /health's last Sync probe, reused for a while so a flood of /health cannot drain Sync's rate. */
  readonly probeMemo: ProbeMemo;
  /** The parts for this configuration: the same object for the same ServiceConfig, built on first use. */
  partsFor(config: ServiceConfig): ConfigurationParts;
}

/**
 * One Function instance's dependencies. Call once per bundle, at module load.
 * @example const instance = createServiceInstance(); instance.partsFor(config).revocations
 */
export function createServiceInstance(): ServiceInstance {
  const now = Date.now;
  const log = logJson;
  const jwksCache = new JwksCache();
  const built = new WeakMap<ServiceConfig, ConfigurationParts>();
  // The configuration of the last request, in front of the WeakMap: a warm instance's every request has the same one.
  let last: { readonly config: ServiceConfig; readonly parts: ConfigurationParts } | undefined;

  function build(config: ServiceConfig): ConfigurationParts {
    const syncSid = config.throttleSyncServiceSid;
    const workspaceSid = config.grants.taskrouterWorkspaceSid;
    let verifier: OidcVerifier | undefined;
    return {
      sharedLedger: syncSid === undefined ? undefined : createSyncLedger(config, syncSid, sharedStoreStatusBoardFor(config)),
      revocations: syncSid === undefined ? undefined : createSyncRevocations(config, syncSid, log),
      workers: workspaceSid === undefined ? undefined : createTwilioWorkerDirectory(config, now),
      oidcVerifier() {
        if (!verifier && config.oidc) {
          const { createOidcVerifier } = require('../lib/oidc/verifier') as typeof import('../lib/oidc/verifier');
          verifier = createOidcVerifier(config.oidc, { cache: jwksCache, now });
        }
        return verifier;
      },
    };
  }

  return {
    now,
    log,
    probeMemo: {},
    partsFor(config) {
      if (last?.config === config) return last.parts;
      let parts = built.get(config);
      if (!parts) built.set(config, (parts = build(config)));
      last = { config, parts };
      return parts;
    },
  };
}

/**
 * What POST /token needs: the instance's clock, log and parts, and its Basic authenticator (failure throttle, scrypt
 * guard, verified-credentials cache and check queue, shared by the requests a warm instance serves).
 * @example const deps = tokenEndpointDeps(createServiceInstance())
 */
export function tokenEndpointDeps(instance: ServiceInstance): TokenEndpointDeps {
  return {
    now: instance.now,
    log: instance.log,
    basic: createBasicAuthenticator(),
    sharedLedger: (config) => instance.partsFor(config).sharedLedger,
    revocations: (config) => instance.partsFor(config).revocations,
    workers: (config) => instance.partsFor(config).workers,
    oidcVerifier: (config) => instance.partsFor(config).oidcVerifier(),
  };
}

/**
 * What GET /health needs: the configuration sources and the parts it reports on.
 * @example handleHealthRequest(context, healthRequestOptions(instance, readConfigSources()))
 */
export function healthRequestOptions(instance: ServiceInstance, sources: ConfigSources): HealthRequestOptions {
  return {
    sources,
    sharedLedger: (config) => instance.partsFor(config).sharedLedger,
    revocations: (config) => instance.partsFor(config).revocations,
    probeMemo: instance.probeMemo,
  };
}
