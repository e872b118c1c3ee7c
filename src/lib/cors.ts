/** Decides whether a browser origin may call the service, and which CORS headers say so. */
import { normaliseOrigin } from './config';
import { isLoopbackHostname } from './loopback';

export type OriginDecision =
  | { readonly allowed: true; readonly allowOrigin?: string }
  | { readonly allowed: false };

/**
 * No Origin header (curl, servers) is allowed: CORS only protects browsers. A browser origin must be
 * the service's own host or listed in ALLOWED_ORIGINS; `null` (sandboxed frames, files) never is.
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
  const { host, hostname, protocol } = new URL(normalised);
  // Deployed services are https only; plain http is the service's own origin only on loopback (local dev).
  const secureOrLocal = protocol === 'https:' || isLoopbackHostname(hostname);
  const sameOrigin = secureOrLocal && serviceHosts.some((serviceHost) => serviceHost !== undefined && serviceHost.toLowerCase() === host);
  return sameOrigin || allowedOrigins.has(normalised) ? { allowed: true, allowOrigin: normalised } : { allowed: false };
}
