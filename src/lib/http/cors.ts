/** Decides whether a browser origin may call the service, and which CORS headers say so. */
import { normaliseOrigin } from './origins';
import { isLoopbackHostname } from '../base/loopback';

export type OriginDecision =
  /** `allowOrigin` is only ever an origin listed in ALLOWED_ORIGINS. */
  { readonly allowed: true; readonly allowOrigin?: string } | { readonly allowed: false };

/**
 * No Origin header (curl, servers) is allowed: CORS only protects browsers. A browser origin must be
 * the service's own host or listed in ALLOWED_ORIGINS; `null` (sandboxed frames, files) never is.
 *
 * Only a listed origin is ever named in Access-Control-Allow-Origin. The Origin and Host the function sees
 * can be forged (a query or body field `request` replaces the runtime's headers), so "same origin" is
 * only a reason to answer, never to name an origin: a same-origin page needs no CORS header to read the
 * answer, and a page elsewhere that claims to be the service cannot read it.
 * @example decideOrigin('https://app.example.com', new Set(['https://app.example.com']), ['svc-1234.twil.io'])
 */
export function decideOrigin(
  origin: string | string[] | undefined,
  allowedOrigins: ReadonlySet<string>,
  serviceHosts: readonly (string | undefined)[],
): OriginDecision {
  if (origin === undefined) return { allowed: true };
  if (Array.isArray(origin)) return { allowed: false };
  const normalised = normaliseOrigin(origin);
  if (normalised === undefined) return { allowed: false };
  if (allowedOrigins.has(normalised)) return { allowed: true, allowOrigin: normalised };
  const { host, hostname, protocol } = new URL(normalised);
  // Deployed services are https only; plain http is the service's own origin only on loopback (local dev).
  const secureOrLocal = protocol === 'https:' || isLoopbackHostname(hostname);
  const sameOrigin = secureOrLocal && serviceHosts.some((serviceHost) => serviceHost !== undefined && serviceHost.toLowerCase() === host);
  return sameOrigin ? { allowed: true } : { allowed: false };
}
