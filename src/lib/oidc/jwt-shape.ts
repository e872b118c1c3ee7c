/** Tells a JWT from a shared secret by its shape alone, without loading a JOSE library. */

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Whether a bearer value has the JWS compact shape (three base64url segments whose first decodes to a
 * JSON object with an `alg`). Such values go to OIDC; anything else is treated as a shared secret.
 * This says nothing about validity.
 *
 * @example looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.e30.c2ln') // true
 */
export function looksLikeJwt(value: string): boolean {
  const segments = value.split('.');
  if (segments.length !== 3 || !segments.every((segment) => BASE64URL_SEGMENT.test(segment))) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(segments[0], 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}
