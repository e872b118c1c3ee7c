/** Remembers recently verified Basic credentials so that only the first request per credential pays for scrypt. */
import { createHmac, randomBytes } from 'node:crypto';

/** Defaults: 5 minutes, 1,000 credentials. */
export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;
export const DEFAULT_CACHE_SIZE = 1_000;

export interface VerifiedCredentialsCacheOptions {
  /** How long a verified credential is answered without hashing. Default: 5 minutes (0: never). */
  readonly ttlMs?: number;
  /** Credentials kept at once; the oldest is forgotten first. Default: 1,000. */
  readonly maxEntries?: number;
}

/**
 * Keys are an HMAC (with a random per-instance key) of the user name, the password and the user's
 * configured hash: the password itself is never kept, and changing or removing the user's entry in
 * the configuration makes old keys unreachable.
 * @example cache.remember(cache.keyFor('alice', 'pw', phc), Date.now())
 */
export class VerifiedCredentialsCache {
  private readonly hmacKey = randomBytes(32);
  private readonly expiries = new Map<string, number>();

  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor({ ttlMs = DEFAULT_CACHE_TTL_MS, maxEntries = DEFAULT_CACHE_SIZE }: VerifiedCredentialsCacheOptions = {}) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  keyFor(userName: string, password: string, phc: string): string {
    return createHmac('sha256', this.hmacKey).update(`${userName}\u0000${password}\u0000${phc}`).digest('base64');
  }

  has(key: string, now: number): boolean {
    const expiresAt = this.expiries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt <= now) {
      this.expiries.delete(key);
      return false;
    }
    return true;
  }

  remember(key: string, now: number): void {
    this.expiries.delete(key);
    if (this.expiries.size >= this.maxEntries) this.expiries.delete(this.expiries.keys().next().value!);
    this.expiries.set(key, now + this.ttlMs);
  }

  get size(): number {
    return this.expiries.size;
  }
}
