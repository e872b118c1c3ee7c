/** Parses the Authorization header into Basic or Bearer credentials (RFC 7617, RFC 6750). */
import { ServiceError } from '../base/errors';

export type PresentedCredentials = { scheme: 'basic'; username: string; password: string } | { scheme: 'bearer'; token: string };

// token68 (RFC 7235): the only syntax Basic and Bearer credentials may have.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Returns the credentials in the header, undefined when there is none, or throws 400/401.
 * Scheme names are case-insensitive; one or more spaces may separate scheme and credentials.
 * @example parseAuthorizationHeader('Basic YWxpY2U6czNjcmV0') // { scheme: 'basic', username: 'alice', password: 's3cret' }
 */
export function parseAuthorizationHeader(header: string | string[] | undefined): PresentedCredentials | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) {
    throw new ServiceError('invalid_authorization', 'send exactly one Authorization header');
  }
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/.exec(header.trim());
  if (!match) throw new ServiceError('invalid_authorization', 'the Authorization header is malformed');
  const scheme = match[1]!.toLowerCase();
  const credentials = (match[2] ?? '').trim();
  if (scheme !== 'basic' && scheme !== 'bearer') {
    throw new ServiceError('unsupported_authorization_scheme', 'use the Basic or Bearer authorization scheme');
  }
  if (credentials === '') {
    throw new ServiceError('invalid_authorization', `the ${match[1]} credentials are empty`);
  }
  if (!TOKEN68.test(credentials)) {
    throw new ServiceError('invalid_authorization', `the ${match[1]} credentials contain characters that are not allowed`);
  }
  if (scheme === 'bearer') return { scheme, token: credentials };
  return { scheme, ...decodeBasicCredentials(credentials) };
}

/**
 * A bearer credential sent in the body (`access_token`, RFC 6750 §2.2): the same syntax as in the header.
 * @example parseBearerToken('b64url-secret', 'access_token') // { scheme: 'bearer', token: 'b64url-secret' }
 */
export function parseBearerToken(token: string, field: string): PresentedCredentials {
  if (token === '') throw new ServiceError('invalid_request', `${field} is empty`);
  if (!TOKEN68.test(token)) throw new ServiceError('invalid_request', `${field} contains characters that are not allowed`);
  return { scheme: 'bearer', token };
}

function decodeBasicCredentials(encoded: string): { username: string; password: string } {
  if (!BASE64.test(encoded)) throw new ServiceError('invalid_authorization', 'the Basic credentials are not valid base64');
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw new ServiceError('invalid_authorization', 'the Basic credentials are not valid UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) {
    throw new ServiceError('invalid_authorization', 'the Basic credentials must be user:password');
  }
  // The first colon separates: user names cannot contain one (RFC 7617), passwords may.
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
