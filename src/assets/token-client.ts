/** Browser client for this project's `POST /token` endpoint: fetches Twilio Access Tokens and keeps them fresh. */

// Dependency-free on purpose: apps install it as packages/token-client, copy the built file, or load the built
// `token-client.js` with <script type="module">. It runs in browsers (ES2020 + DOM) and in Node 20.

/**
 * How the client proves who it is to `/token`. Held only in memory, inside the client.
 *
 * - `basic`: a person's username and password, sent as `Authorization: Basic base64(utf8(user:password))`
 *   (or as `username` and `password` in the JSON body). The server takes the identity from the username.
 * - `bearer`: a shared secret, sent as `Authorization: Bearer <secret>` (or `access_token` in the body),
 *   plus the identity to put in the token.
 * - `oidc`: your identity provider's JWT (an ID or access token), sent like a shared secret; the server takes
 *   the identity from it. Give a function to get a fresh one for every request (provider tokens expire too).
 *
 * @example
 * const credentials: TokenClientCredentials = { kind: 'basic', username: 'alice', password: 'correct horse' };
 * const fromAuth0: TokenClientCredentials = { kind: 'oidc', token: () => auth0.getTokenSilently() };
 */
export type TokenClientCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; secret: string; identity: string }
  | { kind: 'oidc'; token: string | (() => string | Promise<string>) };

/**
 * Where credentials travel:
 * - `header`: the `Authorization` header (the HTTP standard; what servers and curl use).
 * - `body`: fields of the JSON body (`username`/`password`, or `access_token`). Cross-origin, a request with
 *   an `Authorization` header needs a preflight that allows it by name, and Twilio's edge answers preflights
 *   with `Access-Control-Allow-Headers: *`, which by the Fetch standard does not cover `Authorization`;
 *   `Content-Type: application/json` it does cover.
 * - `auto` (default): `body` when the endpoint is on another origin than the page, else `header`.
 */
export type CredentialPlacement = 'header' | 'body' | 'auto';

/**
 * Optional fields sent in the JSON body of every token request.
 *
 * @example
 * const request: TokenRequestFields = { grants: ['video'], room: 'standup', ttl: 3600 };
 */
export interface TokenRequestFields {
  /** Grant names to ask for (the server may refuse some with 403 `grant_not_allowed`). */
  grants?: string[];
  /** Video room to scope the token to. */
  room?: string;
  /** Requested lifetime in seconds; the server clamps it. */
  ttl?: number;
}

/**
 * A token as the server issued it, plus when this device should consider it expired.
 *
 * @example
 * client.onToken((issued: IssuedToken) => console.log(issued.identity, 'expires', issued.expiresAt));
 */
export interface IssuedToken {
  /** The Access Token (a JWT) to hand to a Twilio SDK. */
  token: string;
  identity: string;
  /** Lifetime in seconds, as granted by the server. */
  ttl: number;
  /** Expiry as the server states it (ISO-8601, server clock). */
  expiresAt: string;
  /**
   * Expiry on this device's clock (ms since epoch): the time the request was SENT plus `ttl`.
   * Measured locally so that a device clock that is off by minutes cannot make refreshes late or early.
   */
  expiresAtLocalMs: number;
  grants: string[];
  room?: string;
}

/** Minimal response shape the client reads; the global `Response` satisfies it. */
export interface TokenResponseLike {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Request options the client passes to `fetch`; a subset of the standard `RequestInit`. */
export interface TokenRequestInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  credentials: 'omit';
  cache: 'no-store';
  redirect: 'error';
  signal: AbortSignal;
}

/**
 * The `fetch` signature the client needs; the global `fetch` satisfies it. Inject a fake one in tests.
 *
 * @example
 * const recordingFetch: FetchLike = (url, init) => { console.log(init.method, url); return fetch(url, init); };
 */
export type FetchLike = (url: string, init: TokenRequestInit) => Promise<TokenResponseLike>;

/** Opaque handle returned by an injected `setTimeout`. */
export type TimerHandle = unknown;

/**
 * Options for {@link createTokenClient}. Every field except `credentials` has a default, noted beside it.
 *
 * @example
 * const options: TokenClientOptions = {
 *   credentials: { kind: 'bearer', secret: mySharedSecret, identity: 'kiosk-7' },
 *   request: { grants: ['voice'] },
 * };
 */
export interface TokenClientOptions {
  /** Where to POST. Default `'/token'` (same origin). Must not contain credentials or a query string. */
  endpoint?: string;
  credentials: TokenClientCredentials;
  /** Where credentials travel. Default `'auto'`: the JSON body for a cross-origin endpoint, else the Authorization header. */
  sendCredentialsIn?: CredentialPlacement;
  /** Extra body fields for every request. Default: none (body `{}`, or `{identity}` for bearer). */
  request?: TokenRequestFields;
  /** Refresh this long before expiry. Default 60 s; never more than half the token's ttl. */
  refreshMarginSeconds?: number;
  /**
   * Retries after the first attempt, for network errors, 429, 502, 503, 504. Default 5. A network failure of an
   * endpoint on another origin is retried at most once (the browser hides refusals without CORS headers as one).
   */
  maxRetries?: number;
  /** First backoff ceiling; each retry doubles it (full jitter: a random delay below it). Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Largest backoff ceiling; also how long to wait before trying again after retries ran out. Default 30,000 ms. */
  retryMaxDelayMs?: number;
  /** Abort one attempt that gets no answer after this long (counts as a network error). Default 15,000 ms. */
  requestTimeoutMs?: number;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Default: `Date.now`. */
  now?: () => number;
  /** Default: the global `setTimeout`. */
  setTimeout?: (callback: () => void, delayMs: number) => TimerHandle;
  /** Default: the global `clearTimeout`. */
  clearTimeout?: (handle: TimerHandle) => void;
  /** Source of jitter in [0, 1). Default: `Math.random`. */
  random?: () => number;
}

/** Default values of {@link TokenClientOptions}, with their units in the names. */
export const tokenClientDefaults = Object.freeze({
  endpoint: '/token',
  sendCredentialsIn: 'auto' as CredentialPlacement,
  refreshMarginSeconds: 60,
  maxRetries: 5,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 30_000,
  requestTimeoutMs: 15_000,
});

/**
 * Stable error codes. Server codes pass through unchanged; the client adds `network_error`,
 * `invalid_response`, `aborted`, `credentials_cleared` and `http_error` (an error status without a JSON error body).
 */
export type TokenClientErrorCode =
  | 'network_error'
  | 'invalid_response'
  | 'aborted'
  | 'credentials_cleared'
  | 'http_error'
  | 'missing_credentials'
  | 'invalid_credentials'
  | 'origin_not_allowed'
  | 'grant_not_allowed'
  | 'room_not_allowed'
  | 'too_many_attempts'
  | 'server_misconfigured'
  | (string & {});

const plainMessages: Record<string, string> = {
  network_error: 'Could not reach the token service. Check the network connection and try again.',
  invalid_response: 'The token service sent an answer this page could not understand.',
  aborted: 'The token request was cancelled.',
  credentials_cleared: 'No sign-in details are set. Sign in again.',
  missing_credentials: 'The token service received no sign-in details.',
  invalid_credentials: 'The sign-in details were not accepted. Check the username and password (or secret).',
  origin_not_allowed: 'This website is not allowed to ask the token service for tokens.',
  grant_not_allowed: 'The token service does not allow one of the requested permissions.',
  room_not_allowed: 'The token service does not allow joining that room.',
  too_many_attempts: 'Too many attempts. Wait a little, then try again.',
  server_misconfigured: 'The token service is not set up correctly. Ask whoever runs it to check its configuration.',
};

/**
 * Every error the client rejects with or emits. Switch on `code`, show `message` to a person.
 *
 * @example
 * client.onError((error) => {
 *   if (error.code === 'invalid_credentials') showSignInForm();
 *   else statusLine.textContent = error.message;
 * });
 */
export class TokenClientError extends Error {
  override readonly name = 'TokenClientError';
  /** Stable code: the server's `error.code`, or one of the client's own codes. */
  readonly code: TokenClientErrorCode;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Whether the client retries this error by itself (network errors, 429, 502, 503, 504). */
  readonly retryable: boolean;
  /** For 429 and 503: the server's `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** For 401: the auth schemes the server accepts, e.g. `['basic', 'bearer']`. */
  readonly schemes: string[] | undefined;

  constructor(
    code: TokenClientErrorCode,
    message: string,
    details: { status?: number; retryable?: boolean; retryAfterMs?: number; schemes?: string[] } = {},
  ) {
    super(message);
    this.code = code;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.schemes = details.schemes;
  }
}

/**
 * The object {@link createTokenClient} returns.
 *
 * @example
 * const client: TokenClient = createTokenClient({ credentials: { kind: 'basic', username, password } });
 */
export interface TokenClient {
  /** The cached token if it is still valid beyond the refresh margin, else a fresh one (callers share one request). */
  getToken(): Promise<IssuedToken>;
  /** Fetch a token now, then keep refreshing it before it expires until `stop()`. */
  start(): Promise<IssuedToken>;
  /** Cancel the scheduled refresh and abort any request in flight. Credentials are kept, so `start()` can resume. */
  stop(): void;
  /** `stop()`, then forget the credentials and the cached token (for sign-out). */
  clearCredentials(): void;
  /** Use new credentials (e.g. after a 401), dropping the cached token and any earlier auth failure. */
  setCredentials(credentials: TokenClientCredentials): void;
  /** Called with every newly fetched token. Returns a function that unsubscribes. */
  onToken(listener: (issued: IssuedToken) => void): () => void;
  /** Called with every failed fetch (after retries), except cancellations by `stop()`. Returns an unsubscribe function. */
  onError(listener: (error: TokenClientError) => void): () => void;
}

/**
 * Create a token client. Bad configuration throws here, not on the first request. This is the token's lifecycle (the
 * cache, the refresh timer, the listeners, what a 401/403 stops); each fetch goes through the transport below
 * (createTokenTransport: timeouts, retries, Retry-After).
 *
 * @example
 * import { createTokenClient } from '/token-client.js';
 *
 * const client = createTokenClient({
 *   credentials: { kind: 'basic', username: form.user.value, password: form.password.value },
 *   request: { grants: ['video'], room: 'standup' },
 * });
 * client.onToken(({ token }) => sdkClient?.updateToken(token));
 * client.onError((error) => { statusLine.textContent = error.message; });
 * const { token } = await client.start();
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  const refreshMarginSeconds = options.refreshMarginSeconds ?? tokenClientDefaults.refreshMarginSeconds;
  const now = options.now ?? (() => Date.now());
  const startTimer = options.setTimeout ?? ((callback, delayMs) => globalThis.setTimeout(callback, delayMs));
  const cancelTimer = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as number | undefined));
  // Checks the endpoint, placement and retry options first (it throws on bad ones), then the lifecycle's own.
  const transport = createTokenTransport(options, { now, startTimer, cancelTimer });
  assertNonNegativeNumber('refreshMarginSeconds', refreshMarginSeconds);
  assertUsableCredentials(options.credentials);

  // The only places credentials live: this closure variable and the header built per request.
  let credentials: TokenClientCredentials | null = { ...options.credentials };
  let cached: IssuedToken | null = null;
  let inFlight: Promise<IssuedToken> | null = null;
  let refreshTimer: TimerHandle; // undefined while no refresh is scheduled
  let running = false;
  // A 401/403 means asking again cannot help until the credentials change.
  let authFailure: TokenClientError | null = null;
  // Bumped by stop(): work started before it must neither cache, emit nor schedule.
  let generation = 0;
  let cancelCurrent: AbortController | null = null;
  const tokenListeners = new Set<(issued: IssuedToken) => void>();
  const errorListeners = new Set<(error: TokenClientError) => void>();

  function notify<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (listenerError) {
        // One faulty listener must not starve the others; report it as an uncaught error.
        queueMicrotask(() => {
          throw listenerError;
        });
      }
    }
  }

  function refreshMarginMs(issued: IssuedToken): number {
    return Math.min(refreshMarginSeconds, issued.ttl / 2) * 1000;
  }

  function isFresh(issued: IssuedToken): boolean {
    return now() < issued.expiresAtLocalMs - refreshMarginMs(issued);
  }

  function cancelRefreshTimer(): void {
    if (refreshTimer !== undefined) cancelTimer(refreshTimer);
    refreshTimer = undefined;
  }

  function scheduleRefreshIn(delayMs: number): void {
    cancelRefreshTimer();
    refreshTimer = startTimer(
      () => {
        refreshTimer = undefined;
        // Errors already reached onError listeners; the rejection itself has no other reader.
        fetchShared().catch(() => undefined);
      },
      Math.max(0, delayMs),
    );
  }

  function fetchShared(): Promise<IssuedToken> {
    if (authFailure) return Promise.reject(authFailure);
    if (!credentials) return Promise.reject(clientError('credentials_cleared'));
    if (inFlight) return inFlight;
    const myGeneration = generation;
    const controller = new AbortController();
    cancelCurrent = controller;
    const request = transport.fetchToken(credentials, controller.signal).then(
      (issued) => {
        if (myGeneration !== generation) throw clientError('aborted');
        cached = issued;
        if (running) scheduleRefreshIn(issued.expiresAtLocalMs - refreshMarginMs(issued) - now());
        notify(tokenListeners, issued);
        return issued;
      },
      (error: unknown) => {
        const failure = error instanceof TokenClientError ? error : clientError('network_error');
        if (myGeneration !== generation || failure.code === 'aborted') throw clientError('aborted');
        if (failure.status === 401 || failure.status === 403) {
          authFailure = failure;
          cached = null;
          cancelRefreshTimer();
        } else if (running && failure.retryable) {
          // Retries ran out on a passing problem (network down, overload): keep trying, slowly.
          scheduleRefreshIn(transport.retryMaxDelayMs);
        }
        notify(errorListeners, failure);
        throw failure;
      },
    );
    inFlight = request;
    const clear = () => {
      if (inFlight === request) {
        inFlight = null;
        cancelCurrent = null;
      }
    };
    request.then(clear, clear);
    return request;
  }

  const client: TokenClient = {
    getToken() {
      if (authFailure) return Promise.reject(authFailure);
      if (cached && credentials && isFresh(cached)) return Promise.resolve(cached);
      return fetchShared();
    },
    start() {
      running = true;
      if (cached && credentials && !authFailure && isFresh(cached)) {
        scheduleRefreshIn(cached.expiresAtLocalMs - refreshMarginMs(cached) - now());
        return Promise.resolve(cached);
      }
      return fetchShared();
    },
    stop() {
      running = false;
      generation += 1;
      cancelRefreshTimer();
      cancelCurrent?.abort();
      cancelCurrent = null;
      inFlight = null;
    },
    clearCredentials() {
      client.stop();
      credentials = null;
      cached = null;
    },
    setCredentials(next) {
      assertUsableCredentials(next);
      const wasRunning = running;
      client.stop();
      credentials = { ...next };
      cached = null;
      authFailure = null;
      if (wasRunning) client.start().catch(() => undefined);
    },
    onToken(listener) {
      tokenListeners.add(listener);
      return () => {
        tokenListeners.delete(listener);
      };
    },
    onError(listener) {
      errorListeners.add(listener);
      return () => {
        errorListeners.delete(listener);
      };
    },
  };
  return client;
}

/** Clock and timers, shared by the token lifecycle and its transport (injectable for tests). */
interface ClientClock {
  readonly now: () => number;
  readonly startTimer: (callback: () => void, delayMs: number) => TimerHandle;
  readonly cancelTimer: (handle: TimerHandle) => void;
}

/** One token fetched over HTTP, with the retries, timeouts and Retry-After waits it took. */
interface TokenTransport {
  fetchToken(credentials: TokenClientCredentials, signal: AbortSignal): Promise<IssuedToken>;
  /** How long to wait before trying again once the retries ran out on a passing problem. */
  readonly retryMaxDelayMs: number;
}

/**
 * The transport half of the client: builds each request (where the credentials go, the body), sends it with a
 * timeout, and retries network errors, 429 and 5xx with full-jitter backoff or the server's Retry-After. It keeps
 * no token and no credentials: the lifecycle (createTokenClient) hands it the current credentials per fetch.
 */
function createTokenTransport(options: TokenClientOptions, { now, startTimer, cancelTimer }: ClientClock): TokenTransport {
  const endpoint = options.endpoint ?? tokenClientDefaults.endpoint;
  const maxRetries = options.maxRetries ?? tokenClientDefaults.maxRetries;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? tokenClientDefaults.retryBaseDelayMs;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? tokenClientDefaults.retryMaxDelayMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? tokenClientDefaults.requestTimeoutMs;
  const requestFields: TokenRequestFields = { ...options.request };
  const fetchToken: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init) as Promise<TokenResponseLike>);
  const random = options.random ?? Math.random;
  const placement = options.sendCredentialsIn ?? tokenClientDefaults.sendCredentialsIn;

  assertEndpointCarriesNoCredentials(endpoint);
  if (placement !== 'header' && placement !== 'body' && placement !== 'auto') {
    throw new TypeError("token client: sendCredentialsIn must be 'header', 'body' or 'auto'");
  }
  const crossOrigin = isCrossOrigin(endpoint);
  const credentialsInBody = placement === 'body' || (placement === 'auto' && crossOrigin);
  assertNonNegativeNumber('retryBaseDelayMs', retryBaseDelayMs);
  assertNonNegativeNumber('retryMaxDelayMs', retryMaxDelayMs);
  assertNonNegativeNumber('requestTimeoutMs', requestTimeoutMs);
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new TypeError('token client: maxRetries must be a whole number of 0 or more');
  }

  async function fetchWithRetries(current: TokenClientCredentials, signal: AbortSignal): Promise<IssuedToken> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await fetchOnce(current, signal);
      } catch (error) {
        // Cross-origin, the browser hides every answer without a CORS header as a network failure (a proxy's
        // refusal, a misconfigured service): one retry covers a dropped connection, more would only repeat it.
        if (error instanceof TokenClientError && crossOrigin && opaqueFailures.has(error) && (attempt >= 1 || attempt >= maxRetries)) {
          throw hiddenAnswerError();
        }
        if (!(error instanceof TokenClientError) || !error.retryable || attempt >= maxRetries) throw error;
        // A wait longer than retryMaxDelayMs (a 15-minute sign-in lockout, say) is reported at once, not sat out silently.
        if (error.retryAfterMs !== undefined && error.retryAfterMs > retryMaxDelayMs) throw error;
        const delayMs = error.retryAfterMs ?? backoffDelayMs(attempt);
        await sleep(delayMs, signal);
      }
    }
  }

  /** Full jitter: a uniformly random delay below min(max, base * 2^attempt). */
  function backoffDelayMs(attempt: number): number {
    const ceiling = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** attempt);
    return Math.floor(random() * ceiling);
  }

  function sleep(delayMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(clientError('aborted'));
        return;
      }
      const onAbort = () => {
        cancelTimer(handle);
        reject(clientError('aborted'));
      };
      const handle = startTimer(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async function fetchOnce(current: TokenClientCredentials, cancelSignal: AbortSignal): Promise<IssuedToken> {
    if (cancelSignal.aborted) throw clientError('aborted');
    // Before the clock starts: an identity-provider token is fetched fresh for every attempt.
    const presented = await presentableCredentials(current);
    if (cancelSignal.aborted) throw clientError('aborted');
    // One controller per attempt, so a timeout aborts this attempt only; stop() aborts it too.
    const attempt = new AbortController();
    let timedOut = false;
    const onCancel = () => attempt.abort();
    cancelSignal.addEventListener('abort', onCancel, { once: true });
    const timeout = startTimer(() => {
      timedOut = true;
      attempt.abort();
    }, requestTimeoutMs);
    const sentAtMs = now();
    try {
      let response: TokenResponseLike;
      let bodyText: string;
      try {
        const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
        if (!credentialsInBody) headers.Authorization = authorizationHeader(presented);
        response = await fetchToken(endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify(requestBody(presented, requestFields, credentialsInBody)),
          credentials: 'omit', // never 'include': the browser must not add or prompt for its own credentials
          cache: 'no-store',
          redirect: 'error', // credentials must not follow a redirect somewhere else
          signal: attempt.signal,
        });
        bodyText = await response.text();
      } catch {
        if (cancelSignal.aborted && !timedOut) throw clientError('aborted');
        // The underlying error is dropped on purpose: its text can echo request details.
        if (timedOut)
          throw new TokenClientError('network_error', 'The token service did not answer in time. Try again.', { retryable: true });
        const failure = clientError('network_error');
        opaqueFailures.add(failure);
        throw failure;
      }
      if (response.ok) return parseIssuedToken(bodyText, sentAtMs, response.status);
      throw errorFromResponse(response, bodyText, now());
    } finally {
      cancelTimer(timeout);
      cancelSignal.removeEventListener('abort', onCancel);
    }
  }

  return { fetchToken: fetchWithRetries, retryMaxDelayMs };
}

/** Credentials as sent: an identity-provider token resolved to its current value. */
type PresentableCredentials = Exclude<TokenClientCredentials, { kind: 'oidc' }> | { kind: 'oidc'; token: string };

async function presentableCredentials(credentials: TokenClientCredentials): Promise<PresentableCredentials> {
  if (credentials.kind !== 'oidc') return credentials;
  let token: unknown;
  try {
    token = typeof credentials.token === 'function' ? await credentials.token() : credentials.token;
  } catch {
    throw new TokenClientError('missing_credentials', 'Could not get a sign-in token from the identity provider. Sign in again.');
  }
  if (typeof token !== 'string' || token === '') {
    throw new TokenClientError('missing_credentials', 'The identity provider gave no sign-in token. Sign in again.');
  }
  return { kind: 'oidc', token };
}

/**
 * The `Authorization` header value for some credentials. Basic uses the UTF-8 bytes of `user:password`
 * (RFC 7617 with charset UTF-8), so non-ASCII passwords work.
 *
 * @example
 * authorizationHeader({ kind: 'basic', username: 'aladdin', password: 'opensesame' });
 * // 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'
 */
export function authorizationHeader(credentials: PresentableCredentials): string {
  if (credentials.kind === 'bearer') return `Bearer ${credentials.secret}`;
  if (credentials.kind === 'oidc') return `Bearer ${credentials.token}`;
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * The JSON body of a token request. With `credentialsInBody`, Basic credentials become `username` and
 * `password`, and a shared secret or identity-provider token becomes `access_token` (as in RFC 6750 §2.2).
 *
 * @example
 * requestBody({ kind: 'bearer', secret: 's', identity: 'kiosk-7' }, { grants: ['video'] }, true);
 * // { access_token: 's', identity: 'kiosk-7', grants: ['video'] }
 */
export function requestBody(
  credentials: PresentableCredentials,
  fields: TokenRequestFields,
  credentialsInBody: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (credentialsInBody) {
    if (credentials.kind === 'basic') {
      body.username = credentials.username;
      body.password = credentials.password;
    } else {
      body.access_token = credentials.kind === 'bearer' ? credentials.secret : credentials.token;
    }
  }
  if (credentials.kind === 'bearer') body.identity = credentials.identity;
  if (fields.grants !== undefined) body.grants = [...fields.grants];
  if (fields.room !== undefined) body.room = fields.room;
  if (fields.ttl !== undefined) body.ttl = fields.ttl;
  return body;
}

/** Whether the endpoint is on another origin than the page; outside a browser (no `location`) nothing is. */
function isCrossOrigin(endpoint: string): boolean {
  const page = (globalThis as { location?: { href?: unknown; origin?: unknown } }).location;
  if (typeof page?.href !== 'string' || typeof page.origin !== 'string') return false;
  try {
    return new URL(endpoint, page.href).origin !== page.origin;
  } catch {
    return false;
  }
}

function clientError(code: 'network_error' | 'invalid_response' | 'aborted' | 'credentials_cleared'): TokenClientError {
  return new TokenClientError(code, plainMessages[code] ?? code, { retryable: code === 'network_error' });
}

/** Network errors where fetch itself rejected (no answer the page may read), as opposed to timeouts. */
const opaqueFailures = new WeakSet<TokenClientError>();

/**
 * The last network error of a cross-origin endpoint: not retried by the client (neither now nor on a
 * schedule), because a browser reports an answer it hides from the page exactly like a network failure.
 */
function hiddenAnswerError(): TokenClientError {
  return new TokenClientError(
    'network_error',
    'Could not reach the token service, or it answered in a way this page may not read. Check the network connection and try again.',
    { retryable: false },
  );
}

const retryableStatuses = new Set([429, 502, 503, 504]);

/**
 * The TokenClientError for a non-2xx answer of /token: the server's code, plain words, Retry-After and
 * the configured `schemes` a 401 lists.
 * @example const error = errorFromResponse(response, await response.text(), Date.now()); error.schemes // ['basic', 'bearer']
 */
export function errorFromResponse(response: TokenResponseLike, bodyText: string, nowMs: number): TokenClientError {
  const status = response.status;
  const body = parseJson(bodyText);
  const serverError = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const serverCode = typeof serverError?.code === 'string' && serverError.code !== '' ? serverError.code : undefined;
  const serverMessage = typeof serverError?.message === 'string' ? serverError.message.slice(0, 300) : undefined;
  const schemes =
    Array.isArray(serverError?.schemes) && serverError.schemes.every((s) => typeof s === 'string')
      ? (serverError.schemes as string[])
      : undefined;
  const code = serverCode ?? 'http_error';
  const message = plainMessages[code] ?? serverMessage ?? `The token service answered with an error (HTTP ${status}).`;
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(response.headers.get('Retry-After'), nowMs) : undefined;
  return new TokenClientError(code, message, { status, retryable: retryableStatuses.has(status), retryAfterMs, schemes });
}

/** `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const dateMs = Date.parse(trimmed);
  return Number.isFinite(dateMs) ? Math.max(0, dateMs - nowMs) : undefined;
}

const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function parseIssuedToken(bodyText: string, sentAtMs: number, status: number): IssuedToken {
  const body = parseJson(bodyText);
  const invalid = () => new TokenClientError('invalid_response', plainMessages.invalid_response, { status });
  if (!isRecord(body)) throw invalid();
  const { token, identity, ttl, expiresAt, grants, room } = body;
  if (typeof token !== 'string' || !jwtShape.test(token)) throw invalid();
  if (typeof identity !== 'string') throw invalid();
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw invalid();
  if (typeof expiresAt !== 'string' || !Number.isFinite(Date.parse(expiresAt))) throw invalid();
  if (!Array.isArray(grants) || !grants.every((grant) => typeof grant === 'string')) throw invalid();
  if (room !== undefined && typeof room !== 'string') throw invalid();
  const issued: IssuedToken = {
    token,
    identity,
    ttl,
    expiresAt,
    expiresAtLocalMs: sentAtMs + ttl * 1000,
    grants: [...(grants as string[])],
  };
  if (room !== undefined) issued.room = room;
  return issued;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertNonNegativeNumber(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`token client: ${name} must be a number of 0 or more`);
  }
}

function assertEndpointCarriesNoCredentials(endpoint: string): void {
  if (typeof endpoint !== 'string' || endpoint === '') throw new TypeError('token client: endpoint must be a URL');
  // scheme://user[:password]@host — credentials in a URL end up in logs and history.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(endpoint)) {
    throw new TypeError('token client: endpoint must not contain a username or password');
  }
  // The service refuses credentials in a query string, and fields there are merged with the body's.
  if (endpoint.includes('?')) throw new TypeError('token client: endpoint must not contain a query string');
}

function assertUsableCredentials(credentials: TokenClientCredentials | undefined): void {
  if (!isRecord(credentials)) throw new TypeError('token client: credentials are required');
  if (credentials.kind === 'basic') {
    if (typeof credentials.username !== 'string' || credentials.username === '') {
      throw new TypeError('token client: basic credentials need a username');
    }
    // RFC 7617: the user-id cannot contain a colon, or the server would split it in the wrong place.
    if (credentials.username.includes(':')) throw new TypeError('token client: a username cannot contain ":"');
    if (typeof credentials.password !== 'string' || credentials.password === '') {
      throw new TypeError('token client: basic credentials need a password');
    }
  } else if (credentials.kind === 'bearer') {
    if (typeof credentials.secret !== 'string' || credentials.secret === '') {
      throw new TypeError('token client: bearer credentials need a secret');
    }
    if (typeof credentials.identity !== 'string' || credentials.identity === '') {
      throw new TypeError('token client: bearer credentials need an identity');
    }
  } else if (credentials.kind === 'oidc') {
    const { token } = credentials;
    if (typeof token !== 'function' && (typeof token !== 'string' || token === '')) {
      throw new TypeError('token client: oidc credentials need a token (or a function that returns one)');
    }
  } else {
    throw new TypeError("token client: credentials.kind must be 'basic', 'bearer' or 'oidc'");
  }
}
