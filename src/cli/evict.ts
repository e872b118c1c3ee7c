/**
 * npm run revoke -- IDENTITY --evict: after the revocation is written, end the identity's live sessions where Twilio's
 * REST API allows it, with the operator's credentials (the deployed service keeps none): its Participants in every
 * in-progress Video Room (Status=disconnected), its Conversations participants (found by identity through Participant
 * Conversations), and its TaskRouter Worker (moved to an Activity with Available=false). Each product is tried even when
 * another fails; each call is bounded in time, and each product as a whole.
 */
import type { GrantName } from '../lib/token/grant-names';
import type { ClientLocation } from './twilio/hosts';

/** What the project's configuration says about the products eviction can reach. */
export interface EvictionScope {
  readonly grants: readonly GrantName[];
  readonly conversationsServiceSid?: string;
  readonly taskrouterWorkspaceSid?: string;
}

export interface ProductOutcome {
  readonly product: 'Video' | 'Conversations' | 'TaskRouter';
  readonly status: 'done' | 'skipped' | 'failed';
  /** One line for the operator: counts and SIDs, never a credential. */
  readonly line: string;
}

interface RestError {
  readonly status?: number;
  readonly code?: number | string;
  readonly message?: string;
}

/** One REST call: twilio-node gives up on it after this long (its own request timeout). */
const EVICT_CALL_TIMEOUT_MS = 10_000;
/** One product, all its pages and calls: past this it is reported failed and the next product goes on. */
const EVICT_PRODUCT_DEADLINE_MS = 60_000;

/** A product that cannot be evicted for a reason of the account's own set-up (not a failed call). */
class EvictStop extends Error {}

/** Twilio's words for a failed call: status, code and message, never a credential. */
function describeRestError(error: unknown): string {
  if (error instanceof EvictStop) return error.message;
  const { status, code, message } = (error ?? {}) as RestError;
  // A network failure or timeout (axios' ECONNABORTED, ECONNRESET…) has no HTTP status: Twilio never answered.
  if (typeof status !== 'number') return `no answer (${message ?? String(error)})`;
  return `Twilio answered ${status ?? '?'}${code !== undefined ? ` (error ${code})` : ''}${message ? `: ${message}` : ''}`;
}

/** SIDs for a line: all of a few, the first ten of many (the count says how many). */
function sidList(sids: readonly string[]): string {
  return sids.length <= 10 ? sids.join(', ') : `${sids.slice(0, 10).join(', ')} and ${sids.length - 10} more`;
}

const isNotFound = (error: unknown) => (error as RestError).status === 404 && (error as RestError).code === 20404;

/** A product's work, or a rejection once the deadline passes (the late calls still end at their own timeout). */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

type Client = ReturnType<typeof import('twilio')>;

async function evictVideo(client: Client, identity: string): Promise<string> {
  const rooms = await client.video.v1.rooms.list({ status: 'in-progress', pageSize: 100 });
  const disconnected: string[] = [];
  for (const room of rooms) {
    // Found by a query filter, not by the identity in the path (which twilio-node puts there unencoded, and refuses
    // with a / or ?): an identity may hold characters a path cannot.
    const participants = await client.video.v1.rooms(room.sid).participants.list({ identity, status: 'connected', pageSize: 50 });
    let left = false;
    for (const participant of participants) {
      try {
        await client.video.v1.rooms(room.sid).participants(participant.sid).update({ status: 'disconnected' });
        left = true;
      } catch (error) {
        // 20404: it left (or the room ended) since the list was read.
        if (!isNotFound(error)) throw error;
      }
    }
    if (left) disconnected.push(room.sid);
  }
  return disconnected.length === 0
    ? `not connected to any of ${rooms.length} in-progress room(s)`
    : `disconnected from ${disconnected.length} of ${rooms.length} in-progress room(s): ${sidList(disconnected)}`;
}

async function evictConversations(client: Client, identity: string, serviceSid: string): Promise<string> {
  const service = client.conversations.v1.services(serviceSid);
  // The whole list first: removing participants while paging would move the pages under the client's feet.
  const memberships = await service.participantConversations.list({ identity, pageSize: 50 });
  const removed: string[] = [];
  for (const membership of memberships) {
    try {
      await service.conversations(membership.conversationSid).participants(membership.participantSid).remove();
      removed.push(membership.conversationSid);
    } catch (error) {
      // Gone since the list was read (removed by someone else, or the conversation deleted): the goal is met.
      if (!isNotFound(error)) throw error;
    }
  }
  return removed.length === 0
    ? `takes part in no conversation of ${serviceSid}`
    : `removed from ${removed.length} conversation(s) of ${serviceSid}: ${sidList(removed)}`;
}

async function evictWorker(client: Client, identity: string, workspaceSid: string): Promise<string> {
  const workspace = client.taskrouter.v1.workspaces(workspaceSid);
  // The service's token lookup finds the Worker by FriendlyName = identity; so does this.
  const workers = await workspace.workers.list({ friendlyName: identity, pageSize: 20 });
  if (workers.length === 0) return `no Worker named ${identity} in ${workspaceSid}: nothing to move`;
  const offline = await workspace.activities.list({ available: 'false', pageSize: 50 });
  const target = offline.find((activity) => activity.friendlyName === 'Offline') ?? offline[0];
  if (!target) {
    throw new EvictStop(`${workspaceSid} has no Activity with Available=false to move the Worker to: create one (e.g. Offline)`);
  }
  const moved: string[] = [];
  for (const worker of workers) {
    if (!worker.available) continue;
    // Pending reservations would still ring the Worker: rejected with the move (valid only for an unavailable Activity).
    await workspace.workers(worker.sid).update({ activitySid: target.sid, rejectPendingReservations: true });
    moved.push(worker.sid);
  }
  return moved.length === 0
    ? `Worker ${workers.map((worker) => worker.sid).join(', ')} already unavailable in ${workspaceSid}`
    : `moved Worker ${moved.join(', ')} to ${target.friendlyName} (${target.sid}, unavailable) in ${workspaceSid}; its pending reservations rejected`;
}

/**
 * Runs every product in turn (never stopping at a failure) and says what was done for each.
 * Every product is asked in the project's region, through `location` (clientLocation), as the revocation was.
 * @example await evictIdentity({ username, password, accountSid }, clientLocation({}), 'alice', { grants: ['video'] })
 */
export async function evictIdentity(
  credentials: { readonly username: string; readonly password: string; readonly accountSid: string },
  location: ClientLocation,
  identity: string,
  scope: EvictionScope,
): Promise<ProductOutcome[]> {
  const twilio = require('twilio') as typeof import('twilio');
  // No automatic retries: a 429 or a failure is reported, and the operator runs it again.
  const client = twilio(credentials.username, credentials.password, {
    accountSid: credentials.accountSid,
    ...location,
    timeout: EVICT_CALL_TIMEOUT_MS,
    autoRetry: false,
  });
  const grantsText = scope.grants.join(',');
  const products: { product: ProductOutcome['product']; off?: string; run: () => Promise<string> }[] = [
    {
      product: 'Video',
      ...(!scope.grants.includes('video') && { off: `the video grant is off (TOKEN_GRANTS=${grantsText}): no room to leave` }),
      run: () => evictVideo(client, identity),
    },
    {
      product: 'Conversations',
      ...((!scope.grants.includes('chat') || !scope.conversationsServiceSid) && {
        off: `the chat grant is off (TOKEN_GRANTS=${grantsText}): no conversation to leave`,
      }),
      run: () => evictConversations(client, identity, scope.conversationsServiceSid!),
    },
    {
      product: 'TaskRouter',
      ...((!scope.grants.includes('taskrouter') || !scope.taskrouterWorkspaceSid) && {
        off: `the taskrouter grant is off (TOKEN_GRANTS=${grantsText}): no Worker to move`,
      }),
      run: () => evictWorker(client, identity, scope.taskrouterWorkspaceSid!),
    },
  ];
  const outcomes: ProductOutcome[] = [];
  for (const { product, off, run } of products) {
    if (off) {
      outcomes.push({ product, status: 'skipped', line: `skipped: ${off}` });
      continue;
    }
    try {
      outcomes.push({ product, status: 'done', line: await withDeadline(run(), EVICT_PRODUCT_DEADLINE_MS) });
    } catch (error) {
      outcomes.push({ product, status: 'failed', line: `failed: ${describeRestError(error)}` });
    }
  }
  return outcomes;
}
