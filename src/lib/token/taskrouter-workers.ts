/** Which TaskRouter Worker an identity signs in as: the Workspace's Worker whose FriendlyName equals the identity. */
import { withDeadline } from '../base/deadline';
import { ServiceError, upstreamUnavailable } from '../base/errors';

/** One Worker as TaskRouter lists it. */
export interface WorkerRecord {
  readonly sid: string;
  readonly friendlyName: string;
}

/**
 * Lists the Workers of a Workspace whose FriendlyName is `friendlyName` (at most `pageSize`, one request).
 * Rejects when TaskRouter could not answer; the rejection's message goes to the log only.
 */
export type WorkerLookup = (workspaceSid: string, friendlyName: string, pageSize: number) => Promise<readonly WorkerRecord[]>;

/** How long an answer (a Worker, or none) is reused by an instance: a Worker made or removed counts within this. */
export const WORKER_CACHE_TTL_MS = 30_000;
/** Bounds the cache of a warm instance: beyond it the oldest answers are forgotten first. */
export const MAX_CACHED_WORKERS = 1_000;
/** A Function has 10 s in all: a lookup that takes longer than this is a failure, not a wait. */
export const WORKER_LOOKUP_TIMEOUT_MS = 4_000;

const WORKER_SID = /^WK[0-9a-fA-F]{32}$/;

export interface WorkerDirectory {
  /**
   * The Worker SID for the identity, or 403 taskrouter_worker_not_found / taskrouter_worker_ambiguous, or
   * 503 taskrouter_unavailable when TaskRouter could not be asked. Never an answer without a Worker.
   */
  workerSidFor(workspaceSid: string, identity: string): Promise<string>;
}

interface CachedAnswer {
  readonly expiresAt: number;
  /** undefined: no Worker has that FriendlyName (remembered too, so a retry loop does not hammer TaskRouter). */
  readonly workerSid: string | undefined;
}

/**
 * A per-instance directory over `lookup`: answers are cached for WORKER_CACHE_TTL_MS, concurrent requests for the
 * same identity share one lookup, and failures are not cached (the next request asks again).
 * @example const sid = await createWorkerDirectory(lookup).workerSidFor('WS…', 'alice') // lookup: src/runtime/twilio-taskrouter.ts
 */
export function createWorkerDirectory(lookup: WorkerLookup, now: () => number = Date.now): WorkerDirectory {
  const cache = new Map<string, CachedAnswer>();
  const pending = new Map<string, Promise<string | undefined>>();

  async function ask(workspaceSid: string, identity: string): Promise<string | undefined> {
    let workers: readonly WorkerRecord[];
    try {
      // Two, not one: a second Worker with the same name must be seen to be refused.
      workers = await withDeadline(lookup(workspaceSid, identity, 2), WORKER_LOOKUP_TIMEOUT_MS, () => {
        throw new Error(`no answer within ${WORKER_LOOKUP_TIMEOUT_MS} ms`);
      });
    } catch (error) {
      throw upstreamUnavailable(
        'taskrouter_unavailable',
        `TaskRouter worker lookup failed: ${error instanceof Error ? error.message : typeof error}`,
      );
    }
    // The filter is TaskRouter's; an exact comparison here keeps a looser match from binding someone else's Worker.
    const named = workers.filter((worker) => worker.friendlyName === identity);
    if (named.length > 1) {
      throw new ServiceError(
        'taskrouter_worker_ambiguous',
        'more than one TaskRouter Worker has your identity as its name; ask an administrator',
      );
    }
    const workerSid = named[0]?.sid;
    if (workerSid !== undefined && !WORKER_SID.test(workerSid))
      throw upstreamUnavailable('taskrouter_unavailable', 'TaskRouter answered a Worker SID of the wrong shape');
    return workerSid;
  }

  function remember(key: string, workerSid: string | undefined): void {
    if (cache.size >= MAX_CACHED_WORKERS) cache.delete(cache.keys().next().value!);
    cache.set(key, { expiresAt: now() + WORKER_CACHE_TTL_MS, workerSid });
  }

  return {
    async workerSidFor(workspaceSid, identity) {
      const key = `${workspaceSid}\n${identity}`;
      const cached = cache.get(key);
      let workerSid: string | undefined;
      if (cached && cached.expiresAt > now()) {
        workerSid = cached.workerSid;
      } else {
        cache.delete(key);
        let running = pending.get(key);
        if (!running) {
          running = ask(workspaceSid, identity).finally(() => pending.delete(key));
          pending.set(key, running);
          running.then(
            (sid) => remember(key, sid),
            () => undefined,
          );
        }
        workerSid = await running;
      }
      if (workerSid === undefined) {
        throw new ServiceError('taskrouter_worker_not_found', 'no TaskRouter Worker of this service has your identity as its name');
      }
      return workerSid;
    },
  };
}
