/** Fetches and caches an identity provider's discovery document and JSON Web Key Set (JWKS). */
import type { JSONWebKeySet } from 'jose';
import { withDeadline } from '../base/deadline';
import { isJsonObject } from '../base/json-object';
import { urlProblem } from './config';
import { OidcError } from './errors';

/** How long fetched documents are trusted before being fetched again, in milliseconds. */
export const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** Minimum time between two fetches of one key set caused by unknown `kid`s, in milliseconds. */
export const DEFAULT_JWKS_REFETCH_COOLDOWN_MS = 30 * 1000;
/** How long one discovery or JWKS request may take, in milliseconds (a Function has 10 s in all). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 3000;
/** Largest discovery or JWKS body we will parse, in characters; real ones are a few kB. */
const MAX_DOCUMENT_CHARS = 512 * 1024;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

interface Entry {
  value: unknown;
  fetchedAt: number;
}

/**
 * Documents keyed by kind and URL, with one shared in-flight fetch per key and a record of when each was
 * last fetched (for the unknown-kid cooldown). src/runtime keeps one per Function instance, so that a verifier made
 * anew (after a configuration change) still reuses the keys; tests pass their own.
 *
 * @example const cache = new JwksCache(); createOidcVerifier(config, { cache }); cache.clear();
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly lastFetchAt = new Map<string, number>();

  /** The cached document if younger than `maxAgeMs`, else a fresh one (joining a fetch already running). */
  async get<T>(key: string, load: () => Promise<T>, now: number, maxAgeMs: number): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && now - entry.fetchedAt < maxAgeMs) return entry.value as T;
    return this.fetchShared(key, load, now);
  }

  /**
   * Fetches the document again unless it was fetched less than `cooldownMs` ago, in which case it
   * returns undefined: an attacker sending made-up `kid`s must not turn into a stream of fetches.
   */
  async refresh<T>(key: string, load: () => Promise<T>, now: number, cooldownMs: number): Promise<T | undefined> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const last = this.lastFetchAt.get(key);
    if (last !== undefined && now - last < cooldownMs) return undefined;
    return this.fetchShared(key, load, now);
  }

  /** Forgets every document and cooldown. */
  clear(): void {
    this.entries.clear();
    this.inflight.clear();
    this.lastFetchAt.clear();
  }

  private fetchShared<T>(key: string, load: () => Promise<T>, now: number): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    this.lastFetchAt.set(key, now);
    const promise = load()
      .then((value) => {
        this.entries.set(key, { value, fetchedAt: now });
        return value;
      })
      .finally(() => {
        this.inflight.delete(key);
      });
    this.inflight.set(key, promise);
    return promise;
  }
}

function unavailable(message: string, cause?: unknown): OidcError {
  return new OidcError('oidc_provider_unavailable', message, cause === undefined ? undefined : { cause });
}

/**
 * GETs a JSON document with a hard time limit. Every failure (unreachable, slow, non-200, not JSON,
 * redirected off https) is `oidc_provider_unavailable`: we could not learn the keys, so nothing passes.
 */
async function fetchJsonDocument(url: string, fetchImpl: FetchLike, timeoutMs: number, what: string): Promise<unknown> {
  const controller = new AbortController();
  const request = (async () => {
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: controller.signal, headers: { accept: 'application/json' }, redirect: 'follow' });
    } catch (error) {
      throw unavailable(`The ${what} (${url}) could not be reached.`, error);
    }
    if (response.status !== 200) {
      throw unavailable(`The ${what} (${url}) answered HTTP ${response.status}.`);
    }
    if (response.url && urlProblem(response.url)) {
      throw unavailable(`The ${what} (${url}) redirected to a URL that is not https.`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unavailable(`The ${what} (${url}) response could not be read.`, error);
    }
    if (text.length > MAX_DOCUMENT_CHARS) {
      throw unavailable(`The ${what} (${url}) is larger than ${MAX_DOCUMENT_CHARS} characters.`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw unavailable(`The ${what} (${url}) is not valid JSON.`, error);
    }
  })();
  // The deadline holds even with an injected fetch that ignores the abort signal.
  return withDeadline(request, timeoutMs, () => {
    controller.abort();
    throw unavailable(`The ${what} (${url}) did not answer within ${timeoutMs} ms.`);
  });
}

/** Checks the shape jose's local key set needs: `{ keys: [ {...}, ... ] }`. */
function asJsonWebKeySet(value: unknown, url: string): JSONWebKeySet {
  if (!isJsonObject(value) || !Array.isArray(value.keys) || !value.keys.every(isJsonObject)) {
    throw unavailable(`The JWKS (${url}) is not a JSON Web Key Set.`);
  }
  return value as unknown as JSONWebKeySet;
}

/** Takes `jwks_uri` out of a discovery document, holding it to the same https rule as the issuer. */
function jwksUriFromDiscovery(value: unknown, url: string): string {
  if (!isJsonObject(value) || typeof value.jwks_uri !== 'string') {
    throw unavailable(`The discovery document (${url}) has no jwks_uri.`);
  }
  const reason = urlProblem(value.jwks_uri);
  if (reason) throw unavailable(`The jwks_uri in the discovery document (${url}) ${reason}.`);
  return value.jwks_uri;
}

/** `${issuer}/.well-known/openid-configuration`, without doubling a trailing slash (Auth0 issuers end in one). */
function discoveryUrlFor(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export interface KeySetSourceOptions {
  issuer: string;
  /** Skip discovery and fetch keys from here. */
  jwksUrl?: string;
  fetch: FetchLike;
  /** Current time in milliseconds since the epoch. */
  now: () => number;
  timeoutMs: number;
  maxAgeMs: number;
  refetchCooldownMs: number;
  cache: JwksCache;
}

/** Where a verifier gets keys from: the current set, or a fresh one after seeing an unknown `kid`. */
export interface KeySetSource {
  current(): Promise<JSONWebKeySet>;
  /** A freshly fetched set, or undefined if the cooldown refused a fetch. */
  refetchAfterUnknownKey(): Promise<JSONWebKeySet | undefined>;
}

/**
 * Builds the key source for one provider, discovering `jwks_uri` when it is not configured.
 *
 * @example const keys = await createKeySetSource({ issuer, fetch, now: Date.now, ...defaults }).current();
 */
export function createKeySetSource(options: KeySetSourceOptions): KeySetSource {
  const { cache, now, maxAgeMs } = options;
  const get = (url: string, what: string) => fetchJsonDocument(url, options.fetch, options.timeoutMs, what);

  async function jwksUrl(): Promise<string> {
    if (options.jwksUrl) return options.jwksUrl;
    const discoveryUrl = discoveryUrlFor(options.issuer);
    return cache.get(
      `discovery ${discoveryUrl}`,
      async () => jwksUriFromDiscovery(await get(discoveryUrl, 'discovery document'), discoveryUrl),
      now(),
      maxAgeMs,
    );
  }
  const loadKeys = (url: string) => async () => asJsonWebKeySet(await get(url, 'JWKS'), url);

  return {
    async current() {
      const url = await jwksUrl();
      return cache.get(`jwks ${url}`, loadKeys(url), now(), maxAgeMs);
    },
    async refetchAfterUnknownKey() {
      const url = await jwksUrl();
      return cache.refresh(`jwks ${url}`, loadKeys(url), now(), options.refetchCooldownMs);
    },
  };
}
