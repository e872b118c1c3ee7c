/**
 * Which credentials a token request presents (Basic, a shared-secret Bearer, an identity-provider JWT; in the
 * Authorization header or the body) and whether they are valid: the caller's identity, or a refusal.
 */
import { parseAuthorizationHeader, parseBearerToken, type PresentedCredentials } from '../auth/authorization-header';
import type { BasicAuthenticator, VerificationNotes } from '../auth/basic-authentication';
import { verifySharedSecret } from '../auth/shared-secrets';
import { ServiceError, upstreamUnavailable } from '../base/errors';
import type { AuthScheme } from '../auth/settings';
import type { ServiceConfig } from '../config/service-config';
import type { RequestHeaders } from '../http/result';
import { OidcError } from '../oidc/errors';
import { looksLikeJwt } from '../oidc/jwt-shape';
import type { OidcVerifier } from '../oidc/verifier';
import type { SharedFailureLedger } from '../throttle/shared-failure-ledger';
import type { TokenRequestFields } from '../token/request';

/** What checking credentials needs besides the configuration. */
export interface CredentialDeps {
  readonly basic: BasicAuthenticator;
  /** The identity-provider token verifier for this configuration (src/runtime builds it). Default: none, so such a token is 503. */
  readonly oidcVerifier?: (config: ServiceConfig) => OidcVerifier | undefined;
  /** The failure counts shared by every instance for this configuration (Sync), or undefined for this instance's own. */
  readonly sharedLedger?: (config: ServiceConfig) => SharedFailureLedger | undefined;
}

export interface Authenticated {
  readonly scheme: AuthScheme;
  /** The Twilio identity: the Basic user name, OIDC_IDENTITY_PREFIX and the identity claim, or the one a shared-secret caller named. */
  readonly identity: string;
  /** From the OIDC roles claim; none for Basic users and shared secrets. */
  readonly roles: readonly string[];
  /** The user name the credential proves (the identity claim without the prefix); none for a shared secret. */
  readonly user?: { readonly name: string; readonly signIn: 'basic' | 'oidc' };
  /** For an identity-provider token: its iat (seconds), or 'absent'; checked against ended revocations. */
  readonly oidcIssuedAt?: number | 'absent';
}

/** An OIDC refusal as a ServiceError with the same code; the provider's URL goes to the log only. */
function fromOidcError(error: OidcError): ServiceError {
  if (error.code === 'oidc_provider_unavailable') return upstreamUnavailable(error.code, error.message);
  return new ServiceError(error.code, error.message);
}

/** Credentials from the Authorization header, or from the body (Basic as username/password, Bearer as access_token); never both. */
function presentedCredentials(headers: RequestHeaders, fields: TokenRequestFields): PresentedCredentials | undefined {
  const fromHeader = parseAuthorizationHeader(headers['authorization']);
  const inBody = fields.username !== undefined || fields.password !== undefined || fields.accessToken !== undefined;
  if (!inBody) return fromHeader;
  if (fromHeader) throw new ServiceError('invalid_request', 'send credentials in the Authorization header or in the body, not both');
  if (fields.accessToken !== undefined) {
    if (fields.username !== undefined || fields.password !== undefined) {
      throw new ServiceError('invalid_request', 'send either username and password or access_token, not both');
    }
    return parseBearerToken(fields.accessToken, 'access_token');
  }
  // The tutorial answers a user name without a password (or the reverse) with 401, and so do we.
  if (fields.username === undefined || fields.password === undefined) {
    throw new ServiceError('missing_credentials', 'send both username and password');
  }
  return { scheme: 'basic', username: fields.username, password: fields.password };
}

/** A JWT is never a shared secret (npm run new-secret makes no dots), so it goes to OIDC or nowhere. */
async function verifyIdentityProviderToken(
  config: ServiceConfig,
  token: string,
  fields: TokenRequestFields,
  deps: CredentialDeps,
): Promise<Authenticated> {
  if (!config.oidc) throw new ServiceError('invalid_credentials', 'this service accepts no identity-provider tokens');
  const verifier = deps.oidcVerifier?.(config);
  if (!verifier) throw upstreamUnavailable('oidc_provider_unavailable', 'this endpoint was given no identity-provider token verifier');
  let principal;
  try {
    principal = await verifier.verify(token);
  } catch (error) {
    if (error instanceof OidcError) throw fromOidcError(error);
    throw error;
  }
  const identity = `${config.oidc.identityPrefix ?? ''}${principal.identity}`;
  if (fields.identity !== undefined && fields.identity.normalize('NFC') !== identity.normalize('NFC')) {
    throw new ServiceError('invalid_request', "with an identity-provider token the identity is the token's; omit identity");
  }
  const { iat } = principal.claims;
  return {
    scheme: 'oidc',
    identity,
    roles: principal.roles,
    user: { name: principal.identity, signIn: 'oidc' },
    oidcIssuedAt: typeof iat === 'number' ? iat : 'absent',
  };
}

/**
 * The caller's identity (and roles) from the credentials the request presents, or a 400/401/429/503 ServiceError.
 * A Basic check records what it did with the shared store in the request's trace (its VerificationNotes view).
 * @example const { scheme, identity } = await authenticate(config, headers, fields, deps, trace)
 */
export async function authenticate(
  config: ServiceConfig,
  headers: RequestHeaders,
  fields: TokenRequestFields,
  deps: CredentialDeps,
  trace: VerificationNotes,
): Promise<Authenticated> {
  const credentials = presentedCredentials(headers, fields);
  if (credentials === undefined) {
    throw new ServiceError('missing_credentials', 'send credentials in the Authorization header (Basic or Bearer) or in the body');
  }
  if (credentials.scheme === 'bearer' && looksLikeJwt(credentials.token)) {
    return verifyIdentityProviderToken(config, credentials.token, fields, deps);
  }
  if (credentials.scheme === 'bearer') {
    if (!config.sharedSecrets || !verifySharedSecret(credentials.token, config.sharedSecrets)) {
      throw new ServiceError('invalid_credentials', 'the bearer secret is not valid');
    }
    if (fields.identity === undefined) throw new ServiceError('invalid_identity', 'identity is required with a shared secret');
    const prefix = config.oidc?.identityPrefix;
    if (prefix !== undefined && fields.identity.normalize('NFC').startsWith(prefix)) {
      throw new ServiceError('invalid_identity', `identities starting with ${prefix} belong to identity-provider users`);
    }
    return { scheme: 'bearer', identity: fields.identity, roles: [] };
  }
  if (!config.basicUsers) throw new ServiceError('invalid_credentials', 'the user name or password is wrong');
  const identity = await deps.basic.verify(config.basicUsers, credentials.username, credentials.password, {
    ledger: deps.sharedLedger?.(config),
    notes: trace,
  });
  if (fields.identity !== undefined && fields.identity.normalize('NFC') !== identity) {
    throw new ServiceError('invalid_request', 'with a user name and password the identity is the user name; omit identity');
  }
  return { scheme: 'basic', identity, roles: [], user: { name: identity, signIn: 'basic' } };
}
