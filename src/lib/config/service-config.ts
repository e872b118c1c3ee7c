/** The service's configuration: every domain's settings, read from the Functions context (`.env` locally) together. */
import type { Checked } from '../base/problems';
import type { AssetText } from '../base/setting-source';
import { SettingsReader, type Environment } from '../base/settings-reader';
import { BASIC_USERS_ASSET_NAME, type BasicUserTable } from '../auth/basic-users';
import { readBasicUsersSetting, readSharedSecretsSetting, type AuthScheme } from '../auth/settings';
import type { SharedSecretSet } from '../auth/shared-secrets';
import { readAllowedOrigins } from '../http/origins';
import { readOidcSetting, type OidcConfig } from '../oidc/config';
import { readPolicySetting } from '../policy/settings';
import type { TokenPolicy, UserSignIn } from '../policy/types';
import { readThrottleSyncServiceSid } from '../throttle/settings';
import { SETTINGS } from './settings-registry';
import { readGrantSettings, readLifetimeSettings, readRegion, readSigningSettings, type TokenSettings } from '../token/settings';

export interface ServiceConfig extends TokenSettings {
  readonly sharedSecrets?: SharedSecretSet;
  readonly basicUsers?: BasicUserTable;
  readonly authSchemes: readonly AuthScheme[];
  /** Normalised origins (scheme://host[:port]) allowed to call cross-origin. */
  readonly allowedOrigins: ReadonlySet<string>;
  /** Set when OIDC_ISSUER and OIDC_AUDIENCE are: bearer JWTs are then verified against the provider. */
  readonly oidc?: OidcConfig;
  /** The per-user and per-role policy, when one is configured; without it only the global settings apply. */
  readonly policy?: TokenPolicy;
  /**
   * THROTTLE_SYNC_SERVICE_SID: the Sync Service (IS…, or `default`) holding the Basic failure counts every
   * instance shares. Unset: each instance counts alone.
   */
  readonly throttleSyncServiceSid?: string;
}

/** Configuration kept in private assets rather than variables (no size limit), read by the runtime adapter. */
export interface ConfigSources {
  /** `assets/policy.private.json`: the policy, instead of TOKEN_POLICY. */
  readonly policyAsset?: AssetText;
  /** `assets/basic-users.private.txt`: the Basic users, one a line, instead of AUTH_BASIC_USERS. */
  readonly basicUsersAsset?: AssetText;
}

export type ConfigResult = Checked<{ config: ServiceConfig }>;

/** Every variable the service reads (the settings registry minus what only npm run deploy reads): the memo key, and the list the doctor reports on. */
export const CONFIG_VARIABLES: readonly string[] = SETTINGS.filter((setting) => setting.readBy !== 'deploy').map((setting) => setting.name);

/**
 * Reads every domain's settings (and the private assets, if any) into one problem list, rather than stopping at
 * the first problem. The function, /health and `npm run doctor` all call this.
 * @example const result = parseConfig(process.env); if (!result.ok) console.error(result.problems)
 */
export function parseConfig(env: Environment, sources: ConfigSources = {}): ConfigResult {
  const settings = new SettingsReader(env);
  // The order here is the order problems are listed in.
  const signing = readSigningSettings(settings);
  const grants = readGrantSettings(settings);
  const sharedSecrets = readSharedSecretsSetting(settings);
  const basicUsers = readBasicUsersSetting(settings, sources.basicUsersAsset, grants?.enabled ?? []);
  const oidc = readOidcSetting(settings);
  const authSchemes = authSchemesOf({ basic: basicUsers.value, bearer: sharedSecrets.value, oidc: oidc.value });
  if (oidc.value && oidc.value.identityPrefix === undefined && (basicUsers.configured || sharedSecrets.configured)) {
    // Without a prefix an identity-provider user whose claim is "admin" would get the Basic user admin's identity,
    // or one a shared-secret caller names: the same participant in a Video room or a Conversation.
    settings.report(
      'OIDC_IDENTITY_PREFIX',
      'OIDC is on beside Basic users or shared secrets, and OIDC_IDENTITY_PREFIX is not set: an identity-provider user could get the same Twilio identity as a Basic user or a shared-secret caller',
      'set OIDC_IDENTITY_PREFIX (e.g. idp:) so identity-provider users become idp:<claim>; see docs/oidc.md',
    );
  }
  if (!sharedSecrets.configured && !basicUsers.configured && !oidc.configured) {
    settings.report(
      'AUTH_SHARED_SECRETS',
      `no authentication is configured: none of AUTH_SHARED_SECRETS, AUTH_BASIC_USERS (or assets/${BASIC_USERS_ASSET_NAME}) or OIDC_ISSUER is set`,
      'set AUTH_SHARED_SECRETS (npm run new-secret), AUTH_BASIC_USERS (npm run hash-password) and/or OIDC_ISSUER with OIDC_AUDIENCE',
    );
  }
  const lifetimes = readLifetimeSettings(settings);
  const allowedOrigins = readAllowedOrigins(settings);
  const region = readRegion(settings);
  const policy = readPolicySetting(
    settings,
    sources.policyAsset,
    grants && lifetimes
      ? {
          grants: grants.enabled,
          maxTtl: lifetimes.maxTtl,
          voiceIncomingAllow: grants.voiceIncomingAllow,
          userSignIns: userSignInsOf(basicUsers.configured, oidc.configured),
        }
      : undefined,
  );
  const throttleSyncServiceSid = readThrottleSyncServiceSid(settings);

  if (!settings.problems.empty || !signing || !grants || !lifetimes) {
    return { ok: false, problems: [...settings.problems.all] };
  }
  return {
    ok: true,
    config: {
      ...signing,
      ...lifetimes,
      grants,
      ...(region !== undefined && { region }),
      ...(sharedSecrets.value && { sharedSecrets: sharedSecrets.value }),
      ...(basicUsers.value && { basicUsers: basicUsers.value }),
      authSchemes,
      allowedOrigins,
      ...(oidc.value && { oidc: oidc.value }),
      ...(policy && { policy }),
      ...(throttleSyncServiceSid !== undefined && { throttleSyncServiceSid }),
    },
  };
}

/** The sign-ins that prove a user name, which the policy's user rules can match. */
function userSignInsOf(basic: boolean, oidc: boolean): UserSignIn[] {
  return [...(basic ? (['basic'] as const) : []), ...(oidc ? (['oidc'] as const) : [])];
}

/** The schemes a caller may use, in the order a 401's WWW-Authenticate lists them. */
function authSchemesOf(configured: Record<AuthScheme, object | undefined>): AuthScheme[] {
  return (['basic', 'bearer', 'oidc'] as const).filter((scheme) => configured[scheme] !== undefined);
}

let memo: { values: readonly unknown[]; sources: ConfigSources; result: ConfigResult } | undefined;

function sameAsset(a: AssetText | undefined, b: AssetText | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return 'text' in a && 'text' in b ? a.text === b.text : 'unreadable' in a && 'unreadable' in b;
}

const sameSources = (a: ConfigSources, b: ConfigSources) =>
  sameAsset(a.policyAsset, b.policyAsset) && sameAsset(a.basicUsersAsset, b.basicUsersAsset);

/**
 * parseConfig, remembered for as long as the relevant values do not change: a warm Function
 * instance then pays for parsing (and key creation) once. The check compares the values one by one
 * (the same strings each request, so each comparison is quick) rather than building a key from them.
 * @example const result = loadConfig(context); if (!result.ok) console.error(result.problems)
 */
export function loadConfig(env: Environment, sources: ConfigSources = {}): ConfigResult {
  if (memo && sameSources(memo.sources, sources) && sameValues(env, memo.values)) return memo.result;
  memo = { values: CONFIG_VARIABLES.map((name) => env[name]), sources, result: parseConfig(env, sources) };
  return memo.result;
}

/** Whether env holds the remembered values; a plain loop, as every request of a warm instance runs it. */
function sameValues(env: Environment, values: readonly unknown[]): boolean {
  for (let i = 0; i < CONFIG_VARIABLES.length; i++) {
    if (env[CONFIG_VARIABLES[i]!] !== values[i]) return false;
  }
  return true;
}
