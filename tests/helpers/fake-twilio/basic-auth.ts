/** HTTP Basic credentials as Twilio's APIs take them: the header's user name and password, compared in equal time. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The user name and password of a Basic Authorization header, or undefined. */
export function basicPair(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Equal-time comparison of two secrets of any length: both sides are hashed first. */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
