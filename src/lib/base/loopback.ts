/** Loopback host names: where plain http is allowed for local development, and what a deployed service cannot reach. */

const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a URL's hostname (as `URL.hostname` gives it) names this machine.
 * @example isLoopbackHostname(new URL('http://127.0.0.1:3000/').hostname) // true
 */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase());
}
