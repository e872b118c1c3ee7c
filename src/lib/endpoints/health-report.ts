/** GET /health: whether the configuration is usable, and which modes it enables; never a value, no authentication. */
import type { AuthScheme } from '../auth/settings';
import type { Environment } from '../base/settings-reader';
import type { Problem } from '../base/problems';
import { loadConfig, type ConfigResult, type ConfigSources, type ServiceConfig } from '../config/service-config';
import { placeholderSettings } from '../config/placeholder-settings';
import type { GrantName } from '../token/grant-names';
import { jsonResult, type HttpResult } from '../http/result';
import { SHARED_STORE_BUDGET_MS, withinBudget, type Budgeted, type SharedFailureLedger } from '../throttle/shared-failure-ledger';
import type { RevocationCache, RevocationState } from '../revocation/revocation-cache';

/** With THROTTLE_SYNC_SERVICE_SID: whether Sync answered (a read within the budget) and, when not, why. */
interface ThrottleStoreReport {
  readonly store: 'sync';
  readonly sync: 'ok' | 'degraded';
  readonly reason?: string;
}

export type HealthReport =
  | {
      readonly status: 'ok';
      readonly authSchemes: readonly AuthScheme[];
      readonly grants: readonly GrantName[];
      readonly oidc: boolean;
      readonly policy: boolean;
      /**
       * Only when some are: the Twilio SID and secret settings (names, never values) that hold placeholders. Tokens
       * still decode, but Twilio refuses them; the demo page shows a banner from this.
       */
      readonly placeholders?: readonly string[];
      /** Only with THROTTLE_SYNC_SERVICE_SID. */
      readonly throttle?: ThrottleStoreReport;
      /** Only with THROTTLE_SYNC_SERVICE_SID: how many revocations are in force (never which) and whether Sync answered. */
      readonly revocations?: RevocationState;
    }
  | { readonly status: 'misconfigured'; readonly problems: readonly Problem[] };

/**
 * The report for a parsed configuration (and the environment it was parsed from, for `placeholders`). Problems name
 * variables and rules, never values, and the same list is what `npm run doctor` prints.
 * @example healthReportFor(parseConfig(env)) // { status: 'ok', authSchemes: ['bearer'], grants: ['video'], oidc: false, policy: false }
 */
export function healthReportFor(result: ConfigResult, env: Environment = {}): HealthReport {
  if (!result.ok) {
    return { status: 'misconfigured', problems: result.problems.map(({ variable, message, fix }) => ({ variable, message, fix })) };
  }
  const { config } = result;
  const placeholders = placeholderSettings(env);
  return {
    status: 'ok',
    authSchemes: config.authSchemes,
    grants: config.grants.enabled,
    oidc: config.oidc !== undefined,
    policy: config.policy !== undefined,
    ...(placeholders.length > 0 && { placeholders }),
  };
}

/** How recent a degraded Sync seen by /token in this process must be to count. */
const DEGRADED_MEMORY_MS = 60_000;
/** The name /health reads: one no sign-in can use (it holds a NUL). */
const PROBE_NAME = '\u0000health';

/** How long one Sync read answers for /health: a flood of the public /health spends at most one read per this. */
export const PROBE_MEMO_MS = 10_000;

/** Where an instance keeps its last Sync probe for /health (src/runtime makes one per instance). */
export interface ProbeMemo {
  last?: { readonly ledger: SharedFailureLedger; readonly at: number; readonly read: Budgeted<unknown> };
}

/** The read /health reports on: one Sync read per instance and PROBE_MEMO_MS, so /health cannot drain Sync's rate. */
async function probeRead(ledger: SharedFailureLedger, memo: ProbeMemo, now: () => number): Promise<Budgeted<unknown>> {
  const last = memo.last;
  if (last && last.ledger === ledger && now() - last.at < PROBE_MEMO_MS) return last.read;
  const read = await withinBudget(ledger.read(PROBE_NAME, now()), now() + SHARED_STORE_BUDGET_MS, now);
  memo.last = { ledger, at: now(), read };
  return read;
}

/**
 * Asks Sync for one item within the budget a sign-in has (at most once per PROBE_MEMO_MS). Degraded when that fails,
 * or when /token in this process found Sync degraded within the last minute (deployed, /health and /token may not
 * share a process).
 */
async function probeThrottleStore(
  ledger: SharedFailureLedger,
  memo: ProbeMemo,
  now: () => number = Date.now,
): Promise<ThrottleStoreReport> {
  const read = await probeRead(ledger, memo, now);
  if (!read.ok) return { store: 'sync', sync: 'degraded', reason: read.reason };
  const seen = ledger.status?.last();
  if (seen?.state === 'degraded' && now() - seen.at < DEGRADED_MEMORY_MS)
    return { store: 'sync', sync: 'degraded', ...(seen.reason !== undefined && { reason: seen.reason }) };
  return { store: 'sync', sync: 'ok' };
}

export interface HealthRequestOptions {
  /** Configuration that is not in the environment (the policy and users files), read by the adapter. Default: none. */
  readonly sources?: ConfigSources;
  /** The failure counts shared by every instance for this configuration (Sync), to probe. Default: none to probe. */
  readonly sharedLedger?: (config: ServiceConfig) => SharedFailureLedger | undefined;
  /** The revocation list shared by every instance (Sync), to count. Default: none. */
  readonly revocations?: (config: ServiceConfig) => RevocationCache | undefined;
  /** The instance's last Sync probe, reused for PROBE_MEMO_MS. Default: none kept, every call probes. */
  readonly probeMemo?: ProbeMemo;
}

/**
 * Answers /health: 200 when the configuration is valid, 503 when /token would answer 500 server_misconfigured.
 * Sync being degraded is reported in `throttle` with 200: sign-ins still work, on each instance's own counts.
 * Any method; the body is ignored. The configuration is checked on every call, but one Sync probe read answers for
 * PROBE_MEMO_MS (10 s) on an instance, so the Sync state a monitor sees may be that old.
 * @example await handleHealthRequest(context, { sources: { policyAsset: { text } } })
 */
export async function handleHealthRequest(
  env: Environment,
  { sources = {}, sharedLedger, revocations, probeMemo = {} }: HealthRequestOptions = {},
): Promise<HttpResult> {
  const loaded = loadConfig(env, sources);
  let report = healthReportFor(loaded, env);
  const ledger = loaded.ok && sharedLedger ? sharedLedger(loaded.config) : undefined;
  if (report.status === 'ok' && ledger) report = { ...report, throttle: await probeThrottleStore(ledger, probeMemo) };
  const revocationCache = loaded.ok && revocations ? revocations(loaded.config) : undefined;
  if (report.status === 'ok' && revocationCache) report = { ...report, revocations: await revocationCache.state() };
  return jsonResult(report.status === 'ok' ? 200 : 503, report, { allowed: true });
}
