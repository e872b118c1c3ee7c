/** Reads and validates the service's configuration from the Functions context (`.env` locally). */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { parseBasicUsers, parseBasicUsersFile, type BasicUserTable } from '../auth/basic-users';
import { GRANT_NAMES, isGrantName, type GrantName } from '../token/grant-names';
import { validateIdentity } from '../token/identity';
import { DEFAULT_TTL_SECONDS, isValidRoomName, MAX_ROOM_NAME_LENGTH, TTL_CEILING_SECONDS, TTL_FLOOR_SECONDS } from '../token/limits';
import { parseOidcConfig, type OidcConfig } from '../oidc/config';
import { parseSharedSecrets, type SharedSecretSet } from '../auth/shared-secrets';
import { policyConflicts } from '../policy/conflicts';
import { parseTokenPolicy } from '../policy/parse';
import type { TokenPolicy } from '../policy/types';
import { splitList } from '../base/text';

/** `bearer` is a shared secret; `oidc` is a bearer JWT from the app's identity provider. */
export type AuthScheme = 'basic' | 'bearer' | 'oidc';

export interface GrantSettings {
  /** Products every token carries unless the request asks for fewer. */
  readonly enabled: readonly GrantName[];
  /** When set, video tokens are pinned to this room. */
  readonly videoRoom?: string;
  readonly voiceOutgoingApplicationSid?: string;
  readonly voiceIncomingAllow: boolean;
  readonly voicePushCredentialSid?: string;
  readonly conversationsServiceSid?: string;
  readonly syncServiceSid?: string;
  /** The TaskRouter Workspace whose Workers the taskrouter grant is for; set whenever that grant is enabled. */
  readonly taskrouterWorkspaceSid?: string;
}

export interface ServiceConfig {
  readonly accountSid: string;
  readonly apiKeySid: string;
  /** The API key secret as a KeyObject, created once: signing with it is far cheaper than with a string. */
  readonly signingKey: KeyObject;
  readonly sharedSecrets?: SharedSecretSet;
  readonly basicUsers?: BasicUserTable;
  readonly authSchemes: readonly AuthScheme[];
  readonly defaultTtl: number;
  readonly maxTtl: number;
  readonly grants: GrantSettings;
  /** Normalised origins (scheme://host[:port]) allowed to call cross-origin. */
  readonly allowedOrigins: ReadonlySet<string>;
  readonly region?: string;
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

/** A private asset's text, or `unreadable` when it exists but could not be read. */
export type AssetText = { readonly text: string } | { readonly unreadable: true };

/** Configuration kept in private assets rather than variables (no size limit), read by the runtime adapter. */
export interface ConfigSources {
  /** `assets/policy.private.json`: the policy, instead of TOKEN_POLICY. */
  readonly policyAsset?: AssetText;
  /** `assets/basic-users.private.txt`: the Basic users, one a line, instead of AUTH_BASIC_USERS. */
  readonly basicUsersAsset?: AssetText;
}

/** How the policy asset is named in problems: the file a user adds to src/assets. */
export const POLICY_ASSET_NAME = 'policy.private.json';
/** The users file in src/assets: for more users than fit in a variable (Twilio allows 450 bytes a value). */
export const BASIC_USERS_ASSET_NAME = 'basic-users.private.txt';

/** One thing wrong with the configuration: which variable, what is wrong, how to fix it. Never a value. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
  readonly fix: string;
}

export type ConfigResult = { ok: true; config: ServiceConfig } | { ok: false; problems: ConfigProblem[] };

export type Environment = Readonly<Record<string, unknown>>;

/** Every variable this module reads: the memo key, and the list the doctor reports on. */
export const CONFIG_VARIABLES = [
  'ACCOUNT_SID',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_API_KEY_SID',
  'TWILIO_API_KEY_SECRET',
  'AUTH_SHARED_SECRETS',
  'AUTH_BASIC_USERS',
  'TOKEN_TTL',
  'TOKEN_MAX_TTL',
  'TOKEN_GRANTS',
  'VIDEO_ROOM',
  'VOICE_OUTGOING_APPLICATION_SID',
  'VOICE_INCOMING_ALLOW',
  'VOICE_PUSH_CREDENTIAL_SID',
  'CONVERSATIONS_SERVICE_SID',
  'SYNC_SERVICE_SID',
  'TASKROUTER_WORKSPACE_SID',
  'ALLOWED_ORIGINS',
  'TWILIO_REGION',
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_JWKS_URL',
  'OIDC_IDENTITY_CLAIM',
  'OIDC_ROLES_CLAIM',
  'OIDC_ALGORITHMS',
  'OIDC_CLOCK_SKEW_SECONDS',
  'TOKEN_POLICY',
  'THROTTLE_SYNC_SERVICE_SID',
] as const;

const OIDC_VARIABLES = CONFIG_VARIABLES.filter((name) => name.startsWith('OIDC_'));

const sidPattern = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);

/**
 * Reads the environment (and the policy asset, if any), collecting every problem rather than stopping at
 * the first. The function, /health and `npm run doctor` all call this.
 */
export function parseConfig(env: Environment, sources: ConfigSources = {}): ConfigResult {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, message: string, fix: string) => problems.push({ variable, message, fix });
  const text = (name: string): string | undefined => {
    const value = env[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      problem(name, `${name} must be text`, `set ${name} as a plain string`);
      return undefined;
    }
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const sid = (name: string, prefix: string, required: boolean, what: string): string | undefined => {
    const value = text(name);
    if (value === undefined) {
      if (env[name] !== undefined && typeof env[name] !== 'string') return undefined; // already reported by text()
      if (required) problem(name, `${name} is not set`, `set ${name} to ${what} (${prefix} followed by 32 hex characters)`);
      return undefined;
    }
    if (!sidPattern(prefix).test(value)) {
      problem(name, `${name} must start with ${prefix} and have 34 characters`, `copy ${what} from the Twilio Console`);
      return undefined;
    }
    return value;
  };

  // Deployed, the platform provides ACCOUNT_SID; locally either name works.
  const platformSid = text('ACCOUNT_SID');
  const accountSidName = platformSid !== undefined ? 'ACCOUNT_SID' : 'TWILIO_ACCOUNT_SID';
  const accountSid = sid(accountSidName, 'AC', true, 'your Account SID');
  const tutorialSid = platformSid !== undefined ? text('TWILIO_ACCOUNT_SID') : undefined;
  if (accountSid !== undefined && tutorialSid !== undefined && tutorialSid !== accountSid) {
    // Deployed, ACCOUNT_SID is the platform's (the user never set it): name it as the account the service runs in.
    problem(
      'TWILIO_ACCOUNT_SID',
      'TWILIO_ACCOUNT_SID names another account than ACCOUNT_SID, the account the service runs in (Twilio sets ACCOUNT_SID when deployed)',
      'deploy to the account TWILIO_ACCOUNT_SID names, or set TWILIO_ACCOUNT_SID (and the API key) to the account the service runs in, or remove TWILIO_ACCOUNT_SID',
    );
  }
  const apiKeySid = sid('TWILIO_API_KEY_SID', 'SK', true, 'the SID of a Standard API key');
  const apiKeySecret = text('TWILIO_API_KEY_SECRET');
  if (apiKeySecret === undefined) {
    problem('TWILIO_API_KEY_SECRET', 'TWILIO_API_KEY_SECRET is not set', 'set it to the secret shown once when the API key was created');
  } else if (!/^[\x21-\x7e]{32,}$/.test(apiKeySecret)) {
    problem(
      'TWILIO_API_KEY_SECRET',
      'TWILIO_API_KEY_SECRET must be at least 32 printable characters without spaces',
      'paste the 32-character secret shown when the API key was created; create a new key if it was lost',
    );
  }

  const grants = parseGrantSettings(text, sid, problem);

  let sharedSecrets: SharedSecretSet | undefined;
  const secretsRaw = text('AUTH_SHARED_SECRETS');
  if (secretsRaw !== undefined) {
    const parsed = parseSharedSecrets(secretsRaw);
    if ('problem' in parsed) {
      problem('AUTH_SHARED_SECRETS', `AUTH_SHARED_SECRETS ${parsed.problem}`, 'generate each secret with npm run new-secret');
    } else sharedSecrets = parsed;
  }

  const usersRaw = text('AUTH_BASIC_USERS');
  const basicUsers = parseBasicUsersSetting(usersRaw, sources.basicUsersAsset, problem, grants?.enabled ?? []);

  const oidcEnv: Record<string, string | undefined> = {};
  for (const name of OIDC_VARIABLES) oidcEnv[name] = text(name);
  const oidcResult = parseOidcConfig(oidcEnv);
  if (oidcResult.status === 'invalid') {
    for (const found of oidcResult.problems) problem(found.variable, found.message, found.fix);
  }
  const oidc = oidcResult.status === 'enabled' ? oidcResult.config : undefined;

  const authSchemes: AuthScheme[] = [];
  if (basicUsers) authSchemes.push('basic');
  if (sharedSecrets) authSchemes.push('bearer');
  if (oidc) authSchemes.push('oidc');
  if (secretsRaw === undefined && usersRaw === undefined && sources.basicUsersAsset === undefined && oidcResult.status === 'disabled') {
    problem(
      'AUTH_SHARED_SECRETS',
      `no authentication is configured: none of AUTH_SHARED_SECRETS, AUTH_BASIC_USERS (or assets/${BASIC_USERS_ASSET_NAME}) or OIDC_ISSUER is set`,
      'set AUTH_SHARED_SECRETS (npm run new-secret), AUTH_BASIC_USERS (npm run hash-password) and/or OIDC_ISSUER with OIDC_AUDIENCE',
    );
  }

  const maxTtl = ttlSetting(text, problem, 'TOKEN_MAX_TTL', DEFAULT_TTL_SECONDS);
  const defaultTtl = ttlSetting(text, problem, 'TOKEN_TTL', DEFAULT_TTL_SECONDS);
  if (defaultTtl !== undefined && maxTtl !== undefined && defaultTtl > maxTtl) {
    problem('TOKEN_TTL', `TOKEN_TTL is above TOKEN_MAX_TTL (${maxTtl})`, 'lower TOKEN_TTL or raise TOKEN_MAX_TTL');
  }

  const allowedOrigins = parseAllowedOrigins(text('ALLOWED_ORIGINS'), problem);

  const region = text('TWILIO_REGION');
  if (region !== undefined && !/^[a-z]{2}[0-9]$/.test(region)) {
    problem('TWILIO_REGION', 'TWILIO_REGION must be a Twilio region code such as us1, ie1 or au1', 'use a region code or unset it');
  }

  const policy = parsePolicySetting(
    text('TOKEN_POLICY'),
    sources.policyAsset,
    problem,
    grants && maxTtl !== undefined
      ? {
          grants: grants.enabled,
          maxTtl,
          voiceIncomingAllow: grants.voiceIncomingAllow,
        }
      : undefined,
  );

  const throttleSyncServiceSid = text('THROTTLE_SYNC_SERVICE_SID');
  if (throttleSyncServiceSid !== undefined && throttleSyncServiceSid !== 'default' && !sidPattern('IS').test(throttleSyncServiceSid)) {
    problem(
      'THROTTLE_SYNC_SERVICE_SID',
      'THROTTLE_SYNC_SERVICE_SID must be a Sync Service SID (IS followed by 32 hex characters) or default',
      'copy the SID of a Sync Service from the Twilio Console, write default for the account’s default Sync Service, or unset it',
    );
  }

  if (problems.length > 0 || !accountSid || !apiKeySid || !apiKeySecret || !grants || !defaultTtl || !maxTtl) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    config: {
      accountSid,
      apiKeySid,
      signingKey: createSecretKey(Buffer.from(apiKeySecret, 'utf8')),
      ...(sharedSecrets && { sharedSecrets }),
      ...(basicUsers && { basicUsers }),
      authSchemes,
      defaultTtl,
      maxTtl,
      grants,
      allowedOrigins,
      ...(region !== undefined && { region }),
      ...(oidc && { oidc }),
      ...(policy && { policy }),
      ...(throttleSyncServiceSid !== undefined && { throttleSyncServiceSid }),
    },
  };
}

/** A setting that can be a variable or a private asset: the text to parse and where it came from. */
interface SettingText {
  /** The variable or the asset's name, for problems. */
  readonly source: string;
  readonly text: string;
  readonly fromAsset: boolean;
}

/**
 * Both a variable and its asset at once is refused: which one counts would be a guess, and a guess about
 * who may sign in or what they get should fail closed. An asset that exists but cannot be read fails too.
 */
function settingText(
  variableName: string,
  variable: string | undefined,
  assetFile: string,
  asset: AssetText | undefined,
  what: { one: string; file: string },
  problem: ProblemSink,
): SettingText | undefined {
  const assetName = `assets/${assetFile}`;
  if (variable !== undefined && asset !== undefined) {
    problem(
      variableName,
      `${variableName} is set and ${assetName} exists; only one ${what.one} may be configured`,
      `remove ${variableName} or delete ${assetName}`,
    );
    return undefined;
  }
  if (asset !== undefined && 'unreadable' in asset) {
    problem(assetName, `${assetName} exists but could not be read`, `redeploy the service with a readable ${what.file}`);
    return undefined;
  }
  if (variable !== undefined) return { source: variableName, text: variable, fromAsset: false };
  return asset === undefined ? undefined : { source: assetName, text: asset.text, fromAsset: true };
}

/** The Basic users from AUTH_BASIC_USERS or the private users file (one entry a line). */
function parseBasicUsersSetting(
  variable: string | undefined,
  asset: ConfigSources['basicUsersAsset'],
  problem: ProblemSink,
  grants: readonly GrantName[],
): BasicUserTable | undefined {
  const setting = settingText(
    'AUTH_BASIC_USERS',
    variable,
    BASIC_USERS_ASSET_NAME,
    asset,
    { one: 'list of users', file: 'users file' },
    problem,
  );
  if (!setting) return undefined;
  const validateName = (name: string) => {
    if (name.includes(':')) throw new Error('it must not contain a colon');
    validateIdentity(name, grants);
  };
  const parsed = setting.fromAsset ? parseBasicUsersFile(setting.text, validateName) : parseBasicUsers(setting.text, validateName);
  if ('problem' in parsed) {
    problem(setting.source, `${setting.source} ${parsed.problem}`, 'make each entry with: npm run --silent hash-password -- NAME');
    return undefined;
  }
  return parsed;
}

/** The policy from TOKEN_POLICY or the private asset. */
function parsePolicySetting(
  variable: string | undefined,
  asset: ConfigSources['policyAsset'],
  problem: ProblemSink,
  limits: Parameters<typeof policyConflicts>[1] | undefined,
): TokenPolicy | undefined {
  const setting = settingText('TOKEN_POLICY', variable, POLICY_ASSET_NAME, asset, { one: 'policy', file: 'policy file' }, problem);
  if (!setting) return undefined;
  const parsed = parseTokenPolicy(setting.text);
  const found = parsed.ok ? (limits ? policyConflicts(parsed.policy, limits) : []) : parsed.problems;
  for (const entry of found) {
    problem(
      setting.source,
      `${setting.source} ${entry.path}: ${entry.message}`,
      'correct that entry; the policy format is described in docs/policy.md',
    );
  }
  return parsed.ok && found.length === 0 ? parsed.policy : undefined;
}

type TextReader = (name: string) => string | undefined;
type ProblemSink = (variable: string, message: string, fix: string) => void;
type SidReader = (name: string, prefix: string, required: boolean, what: string) => string | undefined;

function ttlSetting(text: TextReader, problem: ProblemSink, name: string, fallback: number): number | undefined {
  const raw = text(name);
  if (raw === undefined) return fallback;
  const seconds = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds >= TTL_FLOOR_SECONDS && seconds <= TTL_CEILING_SECONDS)) {
    problem(name, `${name} must be whole seconds from ${TTL_FLOOR_SECONDS} to ${TTL_CEILING_SECONDS}`, `for one hour, set ${name}=3600`);
    return undefined;
  }
  return seconds;
}

function parseGrantSettings(text: TextReader, sid: SidReader, problem: ProblemSink): GrantSettings | undefined {
  const raw = text('TOKEN_GRANTS') ?? 'video';
  const names = splitList(raw);
  const unknown = names.filter((name) => !isGrantName(name));
  if (unknown.length > 0 || names.length === 0) {
    problem('TOKEN_GRANTS', `TOKEN_GRANTS may only list ${GRANT_NAMES.join(', ')}`, 'for example TOKEN_GRANTS=video,chat');
    return undefined;
  }
  const enabled = GRANT_NAMES.filter((name) => names.includes(name));

  const videoRoom = text('VIDEO_ROOM');
  if (videoRoom !== undefined && !isValidRoomName(videoRoom)) {
    problem('VIDEO_ROOM', `VIDEO_ROOM must be 1 to ${MAX_ROOM_NAME_LENGTH} characters without control characters`, 'use a plain room name');
  }
  const voiceOutgoingApplicationSid = sid('VOICE_OUTGOING_APPLICATION_SID', 'AP', false, 'a TwiML App SID');
  const incomingRaw = text('VOICE_INCOMING_ALLOW')?.toLowerCase();
  if (incomingRaw !== undefined && incomingRaw !== 'true' && incomingRaw !== 'false') {
    problem('VOICE_INCOMING_ALLOW', 'VOICE_INCOMING_ALLOW must be true or false', 'set VOICE_INCOMING_ALLOW=true to receive calls');
  }
  const voiceIncomingAllow = incomingRaw === 'true';
  const voicePushCredentialSid = sid('VOICE_PUSH_CREDENTIAL_SID', 'CR', false, 'a Push Credential SID');
  const voiceEnabled = enabled.includes('voice');
  const conversationsServiceSid = sid('CONVERSATIONS_SERVICE_SID', 'IS', enabled.includes('chat'), 'a Conversations Service SID');
  const syncServiceSid = sid('SYNC_SERVICE_SID', 'IS', false, 'a Sync Service SID');
  const taskrouterWorkspaceSid = sid('TASKROUTER_WORKSPACE_SID', 'WS', enabled.includes('taskrouter'), 'a TaskRouter Workspace SID');
  if (voiceEnabled && !voiceOutgoingApplicationSid && !voiceIncomingAllow) {
    problem(
      'VOICE_OUTGOING_APPLICATION_SID',
      'the voice grant needs VOICE_OUTGOING_APPLICATION_SID or VOICE_INCOMING_ALLOW=true, or it allows nothing',
      'set the TwiML App SID for outgoing calls and/or VOICE_INCOMING_ALLOW=true',
    );
  }
  return {
    enabled,
    ...(videoRoom !== undefined && { videoRoom }),
    ...(voiceOutgoingApplicationSid !== undefined && { voiceOutgoingApplicationSid }),
    voiceIncomingAllow,
    ...(voicePushCredentialSid !== undefined && { voicePushCredentialSid }),
    ...(conversationsServiceSid !== undefined && { conversationsServiceSid }),
    ...(syncServiceSid !== undefined && { syncServiceSid }),
    ...(taskrouterWorkspaceSid !== undefined && { taskrouterWorkspaceSid }),
  };
}

function parseAllowedOrigins(raw: string | undefined, problem: ProblemSink): ReadonlySet<string> {
  const origins = new Set<string>();
  if (raw === undefined) return origins;
  for (const entry of splitList(raw)) {
    const origin = normaliseOrigin(entry);
    if (origin === undefined) {
      problem(
        'ALLOWED_ORIGINS',
        'ALLOWED_ORIGINS entries must be origins like https://app.example.com (scheme, host and optional port; no path, no wildcard)',
        'list each browser origin exactly, separated by commas',
      );
      continue;
    }
    origins.add(origin);
  }
  return origins;
}

/** `scheme://host[:port]` in lower case for an http(s) origin, else undefined. */
export function normaliseOrigin(value: string): string | undefined {
  if (value === 'null' || value.includes('*')) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin.toLowerCase();
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
  if (memo && sameSources(memo.sources, sources) && CONFIG_VARIABLES.every((name, i) => env[name] === memo!.values[i])) {
    return memo.result;
  }
  memo = { values: CONFIG_VARIABLES.map((name) => env[name]), sources, result: parseConfig(env, sources) };
  return memo.result;
}
