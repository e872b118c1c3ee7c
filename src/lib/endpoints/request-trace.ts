/**
 * What one token request learnt on its way, in one object: the answer to a refusal and the request's one log line are
 * both built from it, so no stage keeps a variable of its own for them or writes into another's.
 */
import type { AuthScheme } from '../auth/settings';
import type { VerificationNotes } from '../auth/basic-authentication';
import type { OriginDecision } from '../http/cors';
import type { HttpResult } from '../http/result';
import type { TokenPlan } from '../token/access-token';

/** One structured log line per request; never credentials, secrets, tokens or hashes. */
export interface RequestLogEntry {
  readonly event: 'token_request';
  readonly outcome: 'issued' | 'refused' | 'failed';
  readonly status: number;
  readonly code?: string;
  readonly scheme?: AuthScheme;
  readonly identity?: string;
  readonly grants?: readonly string[];
  readonly ttl?: number;
  /** The policy rule that decided ("rules[2]" or "default"), when a policy is configured. */
  readonly rule?: string;
  /**
   * Why a service the answer depends on could not be used, on 503: the identity provider (URL and HTTP status) or
   * TaskRouter (what failed asking for the Worker); never a token or secret.
   */
  readonly detail?: string;
  readonly durationMs: number;
  /** Configuration problems (variable names and rules only), on 500 server_misconfigured. */
  readonly problems?: readonly string[];
  /**
   * For a Basic check with THROTTLE_SYNC_SERVICE_SID set: `sync` when the shared counts decided, `sync_degraded`
   * when Sync was slow or failing and this instance's own counts decided.
   */
  readonly throttle?: 'sync' | 'sync_degraded';
  /**
   * With THROTTLE_SYNC_SERVICE_SID: `stale` when the revocation list that was checked could not be read from Sync
   * within its 5 s staleness bound (the last copy read decided).
   */
  readonly revocations?: 'stale';
}

/**
 * Filled in by the stages of one request, in order. Every field is present from the start (undefined until known), so
 * each request's trace has the same shape: the hot path stays monomorphic. The Basic check records what it did with the
 * shared store through the VerificationNotes view of it.
 */
export interface RequestTrace extends VerificationNotes {
  readonly startedAt: number;
  /** Whose origin may read the answer; refusals before the configuration is read let any origin read them. */
  origin: OriginDecision;
  /** The sign-in methods the configuration accepts, for a 401's challenge. */
  schemes: readonly AuthScheme[];
  /** Configuration problems (variable names and rules only), when the configuration does not parse. */
  problems: readonly string[] | undefined;
  /** How the caller signed in, and as whom. */
  signedIn: { readonly scheme: AuthScheme; readonly identity: string } | undefined;
  /** false when the revocation list that decided was older than its staleness bound. */
  revocationsCurrent: boolean;
  /** The policy rule that decided, when a policy is configured. */
  rule: string | undefined;
  /** The token that was issued. */
  issued: Pick<TokenPlan, 'identity' | 'grants' | 'ttl'> | undefined;
}

/** A new trace for a request that arrived at `startedAt` (ms). */
export function startTrace(startedAt: number): RequestTrace {
  return {
    startedAt,
    origin: { allowed: true },
    schemes: [],
    problems: undefined,
    signedIn: undefined,
    sharedStore: undefined,
    revocationsCurrent: true,
    rule: undefined,
    issued: undefined,
  };
}

/** What went wrong beyond the answer: a 503's log detail, or the kind of an unexpected error (never its message). */
export type Mishap = { readonly detail: string } | { readonly unexpected: string } | undefined;

/**
 * The request's log line. Keys in the order the line has always had (tests and log queries read it), durationMs last;
 * built by assignment rather than by spreading optional parts, as every request writes one (issue 23).
 */
export function logEntryOf(trace: RequestTrace, result: HttpResult, endedAt: number, mishap?: Mishap): RequestLogEntry {
  const code = (result.body as { error?: { code?: string } }).error?.code;
  const entry: { -readonly [K in keyof RequestLogEntry]?: RequestLogEntry[K] } = {
    event: 'token_request',
    outcome: result.status === 200 ? 'issued' : result.status >= 500 ? 'failed' : 'refused',
    status: result.status,
  };
  if (code !== undefined) entry.code = mishap && 'unexpected' in mishap ? `${code}:${mishap.unexpected}` : code;
  if (trace.signedIn) entry.scheme = trace.signedIn.scheme;
  if (trace.problems) entry.problems = trace.problems;
  if (trace.rule !== undefined) entry.rule = trace.rule;
  if (trace.sharedStore !== undefined) entry.throttle = trace.sharedStore === 'sync' ? 'sync' : 'sync_degraded';
  if (!trace.revocationsCurrent) entry.revocations = 'stale';
  if (trace.issued) {
    entry.identity = trace.issued.identity;
    entry.grants = trace.issued.grants;
    entry.ttl = trace.issued.ttl;
  } else if (trace.signedIn && !(mishap && 'unexpected' in mishap)) {
    // An unexpected failure's line names only its kind, as it always has.
    entry.identity = trace.signedIn.identity;
  }
  if (mishap && 'detail' in mishap) entry.detail = mishap.detail;
  entry.durationMs = endedAt - trace.startedAt;
  return entry as RequestLogEntry;
}
