/** The Worker directory: the identity's Worker or a clear refusal, cached briefly, never an answer without a Worker. */
import { ServiceError, UPSTREAM_RETRY_AFTER_SECONDS } from '../../src/lib/base/errors';
import {
  createWorkerDirectory,
  MAX_CACHED_WORKERS,
  WORKER_CACHE_TTL_MS,
  type WorkerLookup,
  type WorkerRecord,
} from '../../src/lib/token/taskrouter-workers';
import { newSid } from '../helpers/fixtures';

const WORKSPACE = newSid('WS');

/** A lookup over a fixed table of Workers by name, counting its calls; `fail` makes the next calls reject. */
function tableLookup(workers: Record<string, WorkerRecord[]>) {
  const calls: string[] = [];
  let failure: Error | undefined;
  const lookup: WorkerLookup = async (workspaceSid, friendlyName, pageSize) => {
    calls.push(`${workspaceSid}/${friendlyName}/${pageSize}`);
    if (failure) throw failure;
    return (workers[friendlyName] ?? []).slice(0, pageSize);
  };
  return { lookup, calls, fail: (error: Error | undefined) => (failure = error) };
}

async function refusal(work: Promise<unknown>): Promise<ServiceError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(error)}`);
  return error;
}

describe('createWorkerDirectory', () => {
  it('answers the SID of the Worker whose FriendlyName is the identity, asking for two so a twin is seen', async () => {
    const alice = newSid('WK');
    const table = tableLookup({ alice: [{ sid: alice, friendlyName: 'alice' }] });
    await expect(createWorkerDirectory(table.lookup).workerSidFor(WORKSPACE, 'alice')).resolves.toBe(alice);
    expect(table.calls).toEqual([`${WORKSPACE}/alice/2`]);
  });

  it('refuses an identity with no Worker with 403 taskrouter_worker_not_found', async () => {
    const error = await refusal(createWorkerDirectory(tableLookup({}).lookup).workerSidFor(WORKSPACE, 'mallory'));
    expect([error.code, error.status]).toEqual(['taskrouter_worker_not_found', 403]);
  });

  it('never binds a Worker whose name only resembles the identity (a looser filter upstream)', async () => {
    const table = tableLookup({ Alice: [{ sid: newSid('WK'), friendlyName: 'alice ' }] });
    const error = await refusal(createWorkerDirectory(table.lookup).workerSidFor(WORKSPACE, 'Alice'));
    expect(error.code).toBe('taskrouter_worker_not_found');
  });

  it('refuses two Workers with the same name rather than picking one', async () => {
    const table = tableLookup({
      bob: [
        { sid: newSid('WK'), friendlyName: 'bob' },
        { sid: newSid('WK'), friendlyName: 'bob' },
      ],
    });
    const error = await refusal(createWorkerDirectory(table.lookup).workerSidFor(WORKSPACE, 'bob'));
    expect([error.code, error.status]).toEqual(['taskrouter_worker_ambiguous', 403]);
  });

  it('answers 503 taskrouter_unavailable with Retry-After when TaskRouter fails, the cause for the log only', async () => {
    const table = tableLookup({});
    table.fail(new Error('TaskRouter answered 404 (error 20404)'));
    const error = await refusal(createWorkerDirectory(table.lookup).workerSidFor(WORKSPACE, 'alice'));
    expect([error.code, error.status, error.retryAfterSeconds]).toEqual(['taskrouter_unavailable', 503, UPSTREAM_RETRY_AFTER_SECONDS]);
    expect(error.message).not.toMatch(/20404/);
    expect(error.logDetail).toMatch(/20404/);
  });

  it('refuses a Worker SID of the wrong shape as a failure, not as a Worker', async () => {
    const table = tableLookup({ alice: [{ sid: 'WK123', friendlyName: 'alice' }] });
    const error = await refusal(createWorkerDirectory(table.lookup).workerSidFor(WORKSPACE, 'alice'));
    expect(error.code).toBe('taskrouter_unavailable');
  });

  it('reuses an answer (found or not) for the cache lifetime, then asks again', async () => {
    let now = 1_000_000;
    const alice = newSid('WK');
    const table = tableLookup({ alice: [{ sid: alice, friendlyName: 'alice' }] });
    const directory = createWorkerDirectory(table.lookup, () => now);
    await directory.workerSidFor(WORKSPACE, 'alice');
    await refusal(directory.workerSidFor(WORKSPACE, 'nobody'));
    now += WORKER_CACHE_TTL_MS - 1;
    await directory.workerSidFor(WORKSPACE, 'alice');
    await refusal(directory.workerSidFor(WORKSPACE, 'nobody'));
    expect(table.calls).toHaveLength(2);
    now += 1;
    await directory.workerSidFor(WORKSPACE, 'alice');
    expect(table.calls).toHaveLength(3);
  });

  it('does not cache a failure: the next request asks again and can succeed', async () => {
    const alice = newSid('WK');
    const table = tableLookup({ alice: [{ sid: alice, friendlyName: 'alice' }] });
    const directory = createWorkerDirectory(table.lookup);
    table.fail(new Error('socket hang up'));
    await refusal(directory.workerSidFor(WORKSPACE, 'alice'));
    table.fail(undefined);
    await expect(directory.workerSidFor(WORKSPACE, 'alice')).resolves.toBe(alice);
    expect(table.calls).toHaveLength(2);
  });

  it('shares one lookup between concurrent requests for the same identity', async () => {
    const alice = newSid('WK');
    const table = tableLookup({ alice: [{ sid: alice, friendlyName: 'alice' }] });
    const directory = createWorkerDirectory(table.lookup);
    const answers = await Promise.all(Array.from({ length: 5 }, () => directory.workerSidFor(WORKSPACE, 'alice')));
    expect(answers).toEqual(Array(5).fill(alice));
    expect(table.calls).toHaveLength(1);
  });

  it('keeps separate answers per Workspace', async () => {
    const other = newSid('WS');
    const calls: string[] = [];
    const directory = createWorkerDirectory(async (workspaceSid, name) => {
      calls.push(workspaceSid);
      return workspaceSid === other ? [{ sid: newSid('WK'), friendlyName: name }] : [];
    });
    await expect(directory.workerSidFor(other, 'alice')).resolves.toMatch(/^WK/);
    expect((await refusal(directory.workerSidFor(WORKSPACE, 'alice'))).code).toBe('taskrouter_worker_not_found');
    expect(calls).toEqual([other, WORKSPACE]);
  });

  it(`forgets the oldest answers beyond ${MAX_CACHED_WORKERS} identities`, async () => {
    const table = tableLookup({});
    const directory = createWorkerDirectory(table.lookup);
    for (let i = 0; i <= MAX_CACHED_WORKERS; i++) await refusal(directory.workerSidFor(WORKSPACE, `user-${i}`));
    await refusal(directory.workerSidFor(WORKSPACE, `user-${MAX_CACHED_WORKERS}`));
    expect(table.calls).toHaveLength(MAX_CACHED_WORKERS + 1);
    await refusal(directory.workerSidFor(WORKSPACE, 'user-0'));
    expect(table.calls).toHaveLength(MAX_CACHED_WORKERS + 2);
  });
});
