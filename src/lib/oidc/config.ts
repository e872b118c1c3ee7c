/** Reads the OIDC_* environment variables into a verifier configuration, or explains what is wrong. */
import { isLoopbackHostname } from '../base/loopback';
import { ConfigProblems, type Checked } from '../base/problems';
import type { ReadSetting } from '../base/setting-source';
import type { SettingsReader } from '../base/settings-reader';
import { splitList } from '../base/text';

/** Asymmetric signature algorithms we accept. `none` and HS* are never allowed: see `parseAlgorithms`. */
const SUPPORTED_OIDC_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
type OidcAlgorithm = (typeof SUPPORTED_OIDC_ALGORITHMS)[number];

/** Defaults, each with its unit. */
export const DEFAULT_OIDC_ALGORITHMS: readonly OidcAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const DEFAULT_OIDC_IDENTITY_CLAIM = 'sub';
const DEFAULT_OIDC_ROLES_CLAIM = 'roles';
export const DEFAULT_OIDC_CLOCK_SKEW_SECONDS = 60;
const MAX_OIDC_CLOCK_SKEW_SECONDS = 300;
/** The longest OIDC_MAX_TOKEN_AGE_SECONDS: a day (an identity-provider token older than that is stale by any measure). */
const MAX_OIDC_TOKEN_AGE_SECONDS = 86_400;

export interface OidcConfig {
  /** Expected `iss`, compared exactly (Auth0's ends with `/`, most others do not). */
  issuer: string;
  /** The token's `aud` must contain at least one of these. */
  audiences: string[];
  /** Where the signing keys are; when absent, found through `${issuer}/.well-known/openid-configuration`. */
  jwksUrl?: string;
  /** Claim holding the user's identity; a dotted path such as `user.id` is allowed. Default `sub`. */
  identityClaim: string;
  /** Claim holding roles; a dotted path such as `realm_access.roles` is allowed. Default `roles`. */
  rolesClaim: string;
  /** Allowed `alg` header values. Default RS256, ES256, EdDSA. */
  algorithms: OidcAlgorithm[];
  /** Tolerance for `exp`, `nbf` and a future `iat`, in seconds. Default 60, at most 300. */
  clockSkewSeconds: number;
  /** When set, a token issued (`iat`) longer ago than this (plus the skew) is refused, and `iat` is required. Default: unset. */
  maxTokenAgeSeconds?: number;
  /**
   * Put before the identity claim to make the Twilio identity (`idp:` + `alice`). Ends with `:`, which no Basic
   * user name holds, so no identity-provider user can ever get a Basic user's identity. Required when Basic users
   * or shared secrets are configured too (parseConfig checks that).
   */
  identityPrefix?: string;
}

/** OIDC off (`ok` without a config), on (`ok` with one), or every problem found. */
export type OidcConfigResult = Checked<{ config?: OidcConfig }>;

type Env = Record<string, string | undefined>;

/**
 * Whether a URL may be fetched for keys or named as issuer: https anywhere, plain http only on loopback
 * (tests and local development), never with credentials in it.
 * Returns a reason when it may not, or undefined when it may.
 *
 * @example urlProblem('http://127.0.0.1:8080/jwks') // undefined
 */
export function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return undefined;
  if (url.protocol === 'http:') return 'uses http: only https is allowed, except on 127.0.0.1, localhost or [::1]';
  return 'must be an https URL';
}

function present(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function parseIssuer(value: string, problems: ConfigProblems): string {
  const reason = urlProblem(value);
  if (reason) {
    problems.report(
      'OIDC_ISSUER',
      `OIDC_ISSUER ${reason}`,
      'set OIDC_ISSUER to your identity provider\'s issuer exactly as it appears in the "iss" claim, e.g. https://your-tenant.eu.auth0.com/',
    );
    return value;
  }
  const url = new URL(value);
  if (url.search || url.hash) {
    problems.report(
      'OIDC_ISSUER',
      'OIDC_ISSUER must not contain a query string or fragment',
      'use the issuer exactly as it appears in the "iss" claim of your tokens',
    );
  }
  return value;
}

function parseAlgorithms(value: string | undefined, problems: ConfigProblems): OidcAlgorithm[] {
  if (value === undefined) return [...DEFAULT_OIDC_ALGORITHMS];
  const algorithms: OidcAlgorithm[] = [];
  for (const item of splitList(value)) {
    const upper = item.toUpperCase();
    if (upper === 'NONE' || upper.startsWith('HS')) {
      // HS* would let anyone holding the provider's *public* key material forge tokens (algorithm
      // confusion), and none means unsigned: neither is a configuration we will run with.
      problems.report(
        'OIDC_ALGORITHMS',
        'OIDC_ALGORITHMS lists an unsigned ("none") or symmetric (HS*) algorithm, which is never accepted',
        `use only asymmetric algorithms (${SUPPORTED_OIDC_ALGORITHMS.join(', ')}), or leave OIDC_ALGORITHMS unset for ${DEFAULT_OIDC_ALGORITHMS.join(',')}`,
      );
      continue;
    }
    const known = SUPPORTED_OIDC_ALGORITHMS.find((alg) => alg.toUpperCase() === upper);
    if (!known) {
      problems.report(
        'OIDC_ALGORITHMS',
        'OIDC_ALGORITHMS lists an algorithm this service does not support',
        `allowed values: ${SUPPORTED_OIDC_ALGORITHMS.join(', ')} (comma separated)`,
      );
      continue;
    }
    if (!algorithms.includes(known)) algorithms.push(known);
  }
  if (algorithms.length === 0 && problems.all.every((p) => p.variable !== 'OIDC_ALGORITHMS')) {
    problems.report(
      'OIDC_ALGORITHMS',
      'OIDC_ALGORITHMS is set but lists no algorithm',
      `leave it unset for ${DEFAULT_OIDC_ALGORITHMS.join(',')}, or list some of ${SUPPORTED_OIDC_ALGORITHMS.join(', ')}`,
    );
  }
  return algorithms;
}

/** OIDC_MAX_TOKEN_AGE_SECONDS: unset (no limit) or 1 to 86,400 whole seconds. */
function parseMaxTokenAge(value: string | undefined, problems: ConfigProblems): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_OIDC_TOKEN_AGE_SECONDS) {
    problems.report(
      'OIDC_MAX_TOKEN_AGE_SECONDS',
      `OIDC_MAX_TOKEN_AGE_SECONDS must be a whole number of seconds from 1 to ${MAX_OIDC_TOKEN_AGE_SECONDS}`,
      'leave it unset to let exp alone decide, or set e.g. OIDC_MAX_TOKEN_AGE_SECONDS=3600 to refuse tokens issued over an hour ago',
    );
    return undefined;
  }
  return seconds;
}

/** OIDC_IDENTITY_PREFIX: letters, digits, `.`, `_` or `-`, then one `:` at the end; at most 32 characters. */
const IDENTITY_PREFIX = /^[A-Za-z0-9._-]{1,31}:$/;

function parseIdentityPrefix(value: string | undefined, problems: ConfigProblems): string | undefined {
  if (value === undefined) return undefined;
  if (!IDENTITY_PREFIX.test(value)) {
    problems.report(
      'OIDC_IDENTITY_PREFIX',
      'OIDC_IDENTITY_PREFIX must be 1 to 31 letters, digits, ".", "_" or "-" followed by ":"',
      'set e.g. OIDC_IDENTITY_PREFIX=idp: (a Basic user name never holds ":", so the two can never meet)',
    );
    return undefined;
  }
  return value;
}

function parseClockSkew(value: string | undefined, problems: ConfigProblems): number {
  if (value === undefined) return DEFAULT_OIDC_CLOCK_SKEW_SECONDS;
  const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds > MAX_OIDC_CLOCK_SKEW_SECONDS) {
    problems.report(
      'OIDC_CLOCK_SKEW_SECONDS',
      `OIDC_CLOCK_SKEW_SECONDS must be a whole number of seconds from 0 to ${MAX_OIDC_CLOCK_SKEW_SECONDS}`,
      `leave it unset for ${DEFAULT_OIDC_CLOCK_SKEW_SECONDS}, or set e.g. OIDC_CLOCK_SKEW_SECONDS=30`,
    );
    return DEFAULT_OIDC_CLOCK_SKEW_SECONDS;
  }
  return seconds;
}

function parseClaimPath(variable: string, value: string | undefined, fallback: string, problems: ConfigProblems): string {
  if (value === undefined) return fallback;
  if (/\s/.test(value) || value.split('.').some((segment) => segment.length === 0)) {
    problems.report(
      variable,
      `${variable} must be a claim name or a dotted path without spaces or empty segments`,
      `leave it unset for "${fallback}", or set e.g. ${variable}=${variable === 'OIDC_ROLES_CLAIM' ? 'realm_access.roles' : 'email'}`,
    );
    return fallback;
  }
  return value;
}

/**
 * Reads OIDC settings from the environment. OIDC is off when neither OIDC_ISSUER nor OIDC_AUDIENCE is
 * set; setting only one of them is a mistake we report rather than silently ignore.
 *
 * @example
 * const result = parseOidcConfig({ OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'my-app' });
 * if (result.ok && result.config) createOidcVerifier(result.config);
 */
export function parseOidcConfig(env: Env): OidcConfigResult {
  const issuerValue = present(env, 'OIDC_ISSUER');
  const audienceValue = present(env, 'OIDC_AUDIENCE');
  if (issuerValue === undefined && audienceValue === undefined) return { ok: true };

  const problems = new ConfigProblems();
  if (issuerValue === undefined) {
    problems.report(
      'OIDC_ISSUER',
      'OIDC_AUDIENCE is set but OIDC_ISSUER is not; both are needed to accept identity-provider tokens',
      "set OIDC_ISSUER to your provider's issuer URL, or unset OIDC_AUDIENCE to turn OIDC off",
    );
  }
  if (audienceValue === undefined) {
    problems.report(
      'OIDC_AUDIENCE',
      'OIDC_ISSUER is set but OIDC_AUDIENCE is not; without it any token from that provider would be accepted',
      "set OIDC_AUDIENCE to your app's client ID or API identifier (several may be comma separated), or unset OIDC_ISSUER to turn OIDC off",
    );
  }

  const issuer = issuerValue === undefined ? '' : parseIssuer(issuerValue, problems);
  const audiences = audienceValue === undefined ? [] : splitList(audienceValue);

  const jwksValue = present(env, 'OIDC_JWKS_URL');
  if (jwksValue !== undefined) {
    const reason = urlProblem(jwksValue);
    if (reason) {
      problems.report(
        'OIDC_JWKS_URL',
        `OIDC_JWKS_URL ${reason}`,
        "set it to the provider's jwks_uri (an https URL), or leave it unset to discover it from the issuer",
      );
    }
  }

  const config: OidcConfig = {
    issuer,
    audiences,
    identityClaim: parseClaimPath('OIDC_IDENTITY_CLAIM', present(env, 'OIDC_IDENTITY_CLAIM'), DEFAULT_OIDC_IDENTITY_CLAIM, problems),
    rolesClaim: parseClaimPath('OIDC_ROLES_CLAIM', present(env, 'OIDC_ROLES_CLAIM'), DEFAULT_OIDC_ROLES_CLAIM, problems),
    algorithms: parseAlgorithms(present(env, 'OIDC_ALGORITHMS'), problems),
    clockSkewSeconds: parseClockSkew(present(env, 'OIDC_CLOCK_SKEW_SECONDS'), problems),
  };
  if (jwksValue !== undefined) config.jwksUrl = jwksValue;
  const maxTokenAgeSeconds = parseMaxTokenAge(present(env, 'OIDC_MAX_TOKEN_AGE_SECONDS'), problems);
  if (maxTokenAgeSeconds !== undefined) config.maxTokenAgeSeconds = maxTokenAgeSeconds;
  const identityPrefix = parseIdentityPrefix(present(env, 'OIDC_IDENTITY_PREFIX'), problems);
  if (identityPrefix !== undefined) config.identityPrefix = identityPrefix;

  return problems.result({ config });
}

/** Every OIDC_* variable, in the order the doctor lists them. */
const OIDC_VARIABLES = [
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_JWKS_URL',
  'OIDC_IDENTITY_CLAIM',
  'OIDC_ROLES_CLAIM',
  'OIDC_ALGORITHMS',
  'OIDC_CLOCK_SKEW_SECONDS',
  'OIDC_MAX_TOKEN_AGE_SECONDS',
  'OIDC_IDENTITY_PREFIX',
] as const;

/**
 * The OIDC settings from the environment, their problems reported to `settings`; `configured` is false when OIDC is off.
 * @example readOidcSetting(settings).value?.issuer
 */
export function readOidcSetting(settings: SettingsReader): ReadSetting<OidcConfig> {
  const env: Record<string, string | undefined> = {};
  for (const name of OIDC_VARIABLES) env[name] = settings.text(name);
  const parsed = parseOidcConfig(env);
  if (!parsed.ok) {
    settings.problems.add(...parsed.problems);
    return { configured: true };
  }
  return parsed.config ? { value: parsed.config, configured: true } : { configured: false };
}
