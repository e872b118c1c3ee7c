/**
 * Revoked identities as they are kept on Twilio Sync: where (a few replica Maps), under which key, in which shape,
 * and what one entry means for a sign-in now.
 *
 * Why replicas: Sync allows about 20 reads a second per object, and a Map is ONE object. Every instance re-reads the
 * list at least every 5 s; 100 instances reading one Map would make 20 reads/s, all of Sync's allowance. The operator's
 * `npm run revoke` writes each entry to REPLICA_COUNT Maps (4 writes, on 4 objects), and each instance reads one of
 * them, chosen at random when it starts: 100 instances make ~25 per Map, about 5.6 reads/s on each.
 */
import { createHash } from 'node:crypto';

/** Maps every revocation is written to; an instance reads one. */
export const REPLICA_COUNT = 4;
const REPLICA_MAP_PREFIX = 'token-service-revocations-';

/** The names of the replica Maps, in order. */
export function revocationMapNames(): string[] {
  return Array.from({ length: REPLICA_COUNT }, (_, replica) => `${REPLICA_MAP_PREFIX}${replica}`);
}

/**
 * How long an ended revocation (lifted, or past its --for) is remembered: an identity-provider token issued before
 * the end stays refused for this long after it. Identity providers' tokens live minutes to hours; a week is past any
 * of them, and OIDC_MAX_TOKEN_AGE_SECONDS bounds them further.
 */
export const ENDED_MEMORY_SECONDS = 7 * 24 * 3600;

/** The longest --reason kept (the whole item stays far below Sync's 16 KiB). */
export const MAX_REASON_LENGTH = 200;

/** One entry as stored in a Map Item's data. Times are ms since the epoch. */
export interface StoredRevocation {
  /** The identity, in NFC form. */
  readonly i: string;
  /** When it was revoked. */
  readonly t: number;
  /** When it ends by itself (--for); absent: until lifted. */
  readonly u?: number;
  /** When it was lifted (`npm run revoke -- --lift`). */
  readonly l?: number;
  /** The operator's reason, for --list. */
  readonly r?: string;
}

/**
 * The Map Item key of an identity: a hex SHA-256 of its NFC form, so every identity the service can issue (up to 256
 * bytes, any script) fits Sync's key rules, and two spellings of one NFC form are one entry.
 */
export function revocationKey(identity: string): string {
  return createHash('sha256').update(identity.normalize('NFC'), 'utf8').digest('hex');
}

/** A Map Item's data as a revocation, or undefined when it is not one (ignored: never a reason to refuse or fail). */
export function asRevocation(data: unknown): StoredRevocation | undefined {
  const { i, t, u, l, r } = (data ?? {}) as Partial<Record<keyof StoredRevocation, unknown>>;
  if (typeof i !== 'string' || i.length === 0 || !Number.isSafeInteger(t)) return undefined;
  if (u !== undefined && !Number.isSafeInteger(u)) return undefined;
  if (l !== undefined && !Number.isSafeInteger(l)) return undefined;
  return {
    i,
    t: t as number,
    ...(u !== undefined && { u: u as number }),
    ...(l !== undefined && { l: l as number }),
    ...(typeof r === 'string' && { r }),
  };
}

/** When the revocation ended (lifted or expired), or undefined while it is in force at `now`. */
export function endOf(entry: StoredRevocation, now: number): number | undefined {
  if (entry.l !== undefined) return entry.l;
  if (entry.u !== undefined && entry.u <= now) return entry.u;
  return undefined;
}

/** What a sign-in presents that a revocation is checked against. */
export interface SignIn {
  readonly identity: string;
  /** Only for an identity-provider token: its iat in seconds, or undefined when it has none. */
  readonly oidcIssuedAt?: number | 'absent';
}

/**
 * Whether this sign-in is refused by the entry: always while the revocation is in force; after it ended, an
 * identity-provider token issued before the end (or without iat) is still refused, so a token stolen before the lift
 * does not come back with it.
 * @example refuses({ i: 'alice', t: 1, l: 5000 }, { identity: 'alice', oidcIssuedAt: 4 }, 9000) // true
 */
export function refuses(entry: StoredRevocation | undefined, signIn: SignIn, now: number): boolean {
  if (!entry) return false;
  const ended = endOf(entry, now);
  if (ended === undefined) return true;
  if (signIn.oidcIssuedAt === undefined) return false;
  return signIn.oidcIssuedAt === 'absent' || signIn.oidcIssuedAt * 1000 < ended;
}
