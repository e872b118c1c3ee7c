/** Verifies a bearer JWT from the app's identity provider (OIDC ID token or JWT access token) into a principal. */
import { createLocalJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import {
  createKeySetSource,
  DEFAULT_JWKS_MAX_AGE_MS,
  DEFAULT_JWKS_REFETCH_COOLDOWN_MS,
  DEFAULT_PROVIDER_TIMEOUT_MS,
  JwksCache,
} from './jwks-cache';
import type { FetchLike } from './jwks-cache';
import { looksLikeJwt } from './jwt-shape';
import type { OidcConfig } from './config';
import { OidcError } from './errors';

/** Who the token says the caller is. `claims` is the whole verified payload. */
interface OidcPrincipal {
  identity: string;
  roles: string[];
  claims: Record<string, unknown>;
}

export interface OidcVerifier {
  /** Resolves to the principal, or rejects with an `OidcError` whose `code` says why. */
  verify(token: string): Promise<OidcPrincipal>;
}

/** What a verifier needs from the outside world; every field has a production default. */
export interface OidcVerifierDeps {
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Current time in milliseconds since the epoch, for `exp`/`nbf` and cache ages. Default `Date.now`. */
  now?: () => number;
  /** Limit for each discovery or JWKS request, in milliseconds. Default 3000. */
  timeoutMs?: number;
  /** How long fetched keys are used before fetching again, in milliseconds. Default 10 minutes. */
  maxAgeMs?: number;
  /** Minimum time between key-set fetches caused by unknown `kid`s, in milliseconds. Default 30 s. */
  refetchCooldownMs?: number;
  /** Default: a cache of this verifier's own; src/runtime passes one per instance, shared by its verifiers. */
  cache?: JwksCache;
}

/**
 * Reads a claim by exact name first (Auth0-style namespaced claims such as `https://example.com/roles`
 * contain dots), then as a dotted path into nested objects (`realm_access.roles`).
 */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const segment of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Roles as a list: an array keeps its non-empty strings, a string is split on spaces (OAuth `scope` style), anything else is none. */
export function rolesFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string' && role.length > 0);
  if (typeof value === 'string') return value.split(/\s+/).filter((role) => role.length > 0);
  return [];
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Translates jose's errors into ours; the token itself never reaches a message. */
function fromJoseError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  if (error instanceof errors.JWTExpired) {
    return new OidcError('oidc_token_expired', 'The token has expired.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return new OidcError('oidc_wrong_issuer', 'The token was not issued by the configured issuer (OIDC_ISSUER).');
      case 'aud':
        return new OidcError('oidc_wrong_audience', 'The token is not meant for any configured audience (OIDC_AUDIENCE).');
      case 'nbf':
        return new OidcError('oidc_token_not_yet_valid', 'The token is not valid yet (nbf is in the future).');
      default:
        return new OidcError('oidc_token_invalid', `The token's "${error.claim}" claim is ${error.reason}.`);
    }
  }
  if (error instanceof errors.JWKSInvalid) {
    return new OidcError('oidc_provider_unavailable', "The provider's key set contains a key that cannot be used.");
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new OidcError('oidc_token_invalid', 'The token has no "kid" and several provider keys could have signed it.');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new OidcError('oidc_token_invalid', "The token's signature does not verify.");
  }
  if (error instanceof errors.JOSEError) {
    return new OidcError('oidc_token_invalid', `The token is not acceptable (${error.code}).`);
  }
  return new OidcError('oidc_token_invalid', 'The token could not be verified.');
}

/**
 * Builds a verifier for one provider. Keys are fetched lazily on the first `verify` and cached.
 *
 * @example
 * const verifier = createOidcVerifier(config);
 * const { identity, roles } = await verifier.verify(bearerToken); // or OidcError
 */
export function createOidcVerifier(config: OidcConfig, deps: OidcVerifierDeps = {}): OidcVerifier {
  if (!config.issuer || config.audiences.length === 0 || config.algorithms.length === 0) {
    throw new TypeError('createOidcVerifier needs an issuer, at least one audience and one algorithm: use parseOidcConfig.');
  }
  const now = deps.now ?? Date.now;
  const keys = createKeySetSource({
    issuer: config.issuer,
    jwksUrl: config.jwksUrl,
    fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
    now,
    timeoutMs: deps.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    maxAgeMs: deps.maxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS,
    refetchCooldownMs: deps.refetchCooldownMs ?? DEFAULT_JWKS_REFETCH_COOLDOWN_MS,
    cache: deps.cache ?? new JwksCache(),
  });
  const allowed = new Set<string>(config.algorithms);
  // Imported keys are cached inside each local set, so keep one set per fetched JWKS object.
  const localSets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();
  const localSetFor = (jwks: JSONWebKeySet) => {
    let set = localSets.get(jwks);
    if (!set) {
      set = createLocalJWKSet(jwks);
      localSets.set(jwks, set);
    }
    return set;
  };

  async function verifyWith(token: string, jwks: JSONWebKeySet): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, localSetFor(jwks), {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audiences,
      clockTolerance: config.clockSkewSeconds,
      currentDate: new Date(now()),
      // A token without exp would be valid forever: refuse it.
      requiredClaims: ['exp'],
    });
    return payload;
  }

  /** jose checks iat only against a maximum age: a token issued in the future is refused here, and the optional age. */
  function checkIssuedAt(payload: JWTPayload): void {
    const nowSeconds = now() / 1000;
    const { iat } = payload;
    if (iat === undefined) {
      if (config.maxTokenAgeSeconds !== undefined) {
        throw new OidcError('oidc_token_invalid', 'The token has no iat claim, which OIDC_MAX_TOKEN_AGE_SECONDS requires.');
      }
      return;
    }
    if (iat > nowSeconds + config.clockSkewSeconds) {
      throw new OidcError('oidc_token_not_yet_valid', 'The token was issued (iat) in the future, beyond OIDC_CLOCK_SKEW_SECONDS.');
    }
    if (config.maxTokenAgeSeconds !== undefined && nowSeconds - iat > config.maxTokenAgeSeconds + config.clockSkewSeconds) {
      throw new OidcError('oidc_token_expired', 'The token was issued longer ago than OIDC_MAX_TOKEN_AGE_SECONDS allows.');
    }
  }

  async function verifySignatureAndClaims(token: string): Promise<JWTPayload> {
    try {
      return await verifyWith(token, await keys.current());
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw fromJoseError(error);
    }
    // The provider may have rotated keys since we fetched them.
    const fresh = await keys.refetchAfterUnknownKey();
    if (!fresh) {
      throw new OidcError('oidc_unknown_key', 'The token was signed with a key the provider does not publish (checked recently).');
    }
    try {
      return await verifyWith(token, fresh);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new OidcError('oidc_unknown_key', 'The token was signed with a key the provider does not publish.');
      }
      throw fromJoseError(error);
    }
  }

  return {
    async verify(token: string): Promise<OidcPrincipal> {
      // Cheap checks first, so garbage and forbidden algorithms never cause a key fetch.
      if (typeof token !== 'string' || !looksLikeJwt(token)) {
        throw new OidcError('oidc_token_invalid', 'The bearer value is not a JWT.');
      }
      const alg = headerOf(token).alg;
      if (typeof alg !== 'string' || !allowed.has(alg)) {
        throw new OidcError('oidc_token_invalid', "The token's algorithm is not allowed (OIDC_ALGORITHMS).");
      }

      const payload = await verifySignatureAndClaims(token);
      checkIssuedAt(payload);
      const claims = payload as Record<string, unknown>;
      const identity = readClaim(claims, config.identityClaim);
      if (typeof identity !== 'string' || identity.trim().length === 0) {
        throw new OidcError(
          'oidc_identity_missing',
          `The token has no non-empty string "${config.identityClaim}" claim (OIDC_IDENTITY_CLAIM).`,
        );
      }
      return { identity, roles: rolesFromClaim(readClaim(claims, config.rolesClaim)), claims };
    },
  };
}
