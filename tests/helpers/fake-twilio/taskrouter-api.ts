/**
 * A loopback stand-in for TaskRouter's REST API (https://taskrouter.twilio.com/v1), the part the token service uses:
 * Workspaces, their Workers and Activities, with Basic auth (Account SID + auth token, or an API key of that account).
 * Rules as Twilio documents them (docs/taskrouter/api/worker, twilio-oai twilio_taskrouter_v1.json):
 * - a wrong or missing credential is 401 with error 20003; an unknown Workspace or Worker is 404 with error 20404;
 * - `GET /v1/Workspaces/{WS}/Workers` filters on FriendlyName (exact), answers a page with Twilio's `meta` block under
 *   the key `workers`, PageSize 1 to 1000 (default 50); "Pagination is not supported under this resource. Please avoid
 *   usage of the page query parameter": a Page other than 0 without the PageToken of a next_page_url is refused here;
 * - `GET …/Activities` filters on Available (true/false) and FriendlyName, key `activities`; every Workspace has the
 *   default Activities Offline (Available=false) and Available (Available=true);
 * - `POST …/Workers/{WK}` takes ActivitySid (an Activity of that Workspace, else 400 with 20001) and
 *   RejectPendingReservations, "only valid if the Worker's new Activity resource has its Availability property set to
 *   False" (else 400 with 20001); that is the only write served (`revoke --evict`), anything else is 405 with 20004.
 * Tests can make it fail (a status and code for the next requests, or a delay) to rehearse an outage.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listPage } from './twilio-json';
import { ApiRefusal, notFound, twilioErrorBody, type TwilioErrorBody } from './twilio-errors';
import type { FakeCredentials } from './account-keys';
import { basicPair, secretsEqual } from './basic-auth';
import { parseUrlencoded, readBody } from './request-body';

export const TASKROUTER_HOST = 'taskrouter.twilio.com';

export interface FakeWorker {
  readonly sid: string;
  readonly friendlyName: string;
  readonly workspaceSid: string;
  readonly attributes: string;
  readonly created: string;
  /** The Worker's Activity now; its availability is the Activity's. */
  activitySid: string;
}

export interface FakeActivity {
  readonly sid: string;
  readonly friendlyName: string;
  readonly available: boolean;
}

/** One request as the stand-in saw it: never the credential, only which kind it was. */
export interface TaskRouterRequest {
  readonly method: string;
  /** Path and query string, as sent. */
  readonly path: string;
  readonly status: number;
  /** `key` (the API key), `account` (Account SID + auth token) or `none` (refused). */
  readonly authenticatedAs: 'key' | 'account' | 'none';
}

/** An outage: the next `count` requests (default all) answer this Twilio error, or hang for `delayMs` first. */
export interface TaskRouterFailure {
  readonly status?: number;
  readonly code?: number;
  readonly delayMs?: number;
  readonly count?: number;
}

/** A failure a test asked for, answered with the Twilio error body it gave. */
class InjectedFailure extends Error {
  constructor(readonly body: TwilioErrorBody) {
    super(body.message);
  }
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export class FakeTaskRouterApi {
  private readonly workspaces = new Map<string, { sid: string; friendlyName: string; activities: FakeActivity[] }>();
  private readonly workers: FakeWorker[] = [];
  private readonly recorded: TaskRouterRequest[] = [];
  private failure: (TaskRouterFailure & { remaining: number }) | undefined;

  constructor(private readonly credentials: FakeCredentials) {}

  /** Adds a Workspace of this account and returns its SID. */
  addWorkspace(friendlyName = 'Token service tests'): string {
    const workspace = {
      sid: sid('WS'),
      friendlyName,
      activities: [
        { sid: sid('WA'), friendlyName: 'Offline', available: false },
        { sid: sid('WA'), friendlyName: 'Available', available: true },
      ],
    };
    this.workspaces.set(workspace.sid, workspace);
    return workspace.sid;
  }

  /** Adds a Worker to a Workspace and returns its SID. Names are not unique-checked: a test can make twins. */
  addWorker(workspaceSid: string, friendlyName: string, attributes: object = {}, activity = 'Offline'): string {
    const workspace = this.workspaces.get(workspaceSid);
    if (!workspace) throw new Error(`no workspace ${workspaceSid} in the stand-in`);
    const worker: FakeWorker = {
      sid: sid('WK'),
      friendlyName,
      workspaceSid,
      attributes: JSON.stringify(attributes),
      created: new Date().toISOString(),
      activitySid: workspace.activities.find((candidate) => candidate.friendlyName === activity)!.sid,
    };
    this.workers.push(worker);
    return worker.sid;
  }

  /** The Worker's Activity now (for assertions). */
  activityOf(workerSid: string): FakeActivity | undefined {
    const worker = this.workers.find((candidate) => candidate.sid === workerSid);
    return worker && this.activity(worker.workspaceSid, worker.activitySid);
  }

  private activity(workspaceSid: string, activitySid: string): FakeActivity | undefined {
    return this.workspaces.get(workspaceSid)?.activities.find((candidate) => candidate.sid === activitySid);
  }

  removeWorker(workerSid: string): void {
    const index = this.workers.findIndex((worker) => worker.sid === workerSid);
    if (index >= 0) this.workers.splice(index, 1);
  }

  /** Makes the next requests fail (see TaskRouterFailure); `undefined` ends the outage. */
  fail(failure: TaskRouterFailure | undefined): void {
    this.failure = failure && { ...failure, remaining: failure.count ?? Number.POSITIVE_INFINITY };
  }

  requests(): readonly TaskRouterRequest[] {
    return [...this.recorded];
  }

  /** Handler for https://taskrouter.twilio.com inside the CONNECT proxy. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    readBody(req, 64 * 1024).then(
      (body) => void this.answer(req, res, parseUrlencoded(body)),
      () => res.destroy(),
    );
  };

  private async answer(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `https://${TASKROUTER_HOST}`);
    let authenticatedAs: TaskRouterRequest['authenticatedAs'] = 'none';
    let status: number;
    let body: object;
    let headers: Record<string, string> = {};
    try {
      authenticatedAs = this.authenticate(req.headers.authorization);
      const injected = this.injectedFailure();
      if (injected) {
        if (injected.delayMs) await new Promise((resolve) => setTimeout(resolve, injected.delayMs));
        if (injected.body) throw new InjectedFailure(injected.body);
      }
      body = this.route(method, url, form);
      status = 200;
    } catch (error) {
      let errorBody: TwilioErrorBody;
      if (error instanceof InjectedFailure) errorBody = error.body;
      else if (error instanceof ApiRefusal) errorBody = twilioErrorBody(error.kind, error.message);
      else
        errorBody = { code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 };
      if (errorBody.code === 20003) headers = { 'www-authenticate': 'Basic realm="Twilio API"' };
      status = errorBody.status;
      body = errorBody;
    }
    this.recorded.push(Object.freeze({ method, path: `${url.pathname}${url.search}`, status, authenticatedAs }));
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private injectedFailure(): { delayMs?: number; body?: TwilioErrorBody } | undefined {
    const failure = this.failure;
    if (!failure || failure.remaining <= 0) return undefined;
    failure.remaining--;
    const body =
      failure.status === undefined
        ? undefined
        : {
            code: failure.code ?? 20500,
            message: 'Service unavailable (stand-in outage)',
            more_info: `https://www.twilio.com/docs/errors/${failure.code ?? 20500}`,
            status: failure.status,
          };
    return { ...(failure.delayMs !== undefined && { delayMs: failure.delayMs }), ...(body && { body }) };
  }

  private authenticate(header: string | undefined): 'key' | 'account' {
    const refusal = new ApiRefusal('authenticate', 'Authenticate');
    const pair = basicPair(header);
    if (!pair) throw refusal;
    const { user, password } = pair;
    const { accountSid, authToken, apiKeySid, apiKeySecret } = this.credentials;
    const accountOk = [secretsEqual(user, accountSid), secretsEqual(password, authToken)].every(Boolean);
    const keyOk = [secretsEqual(user, apiKeySid), secretsEqual(password, apiKeySecret)].every(Boolean);
    if (keyOk) return 'key';
    if (accountOk) return 'account';
    throw refusal;
  }

  private route(method: string, url: URL, form: URLSearchParams): object {
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'v1' || segments[1] !== 'Workspaces' || segments.length < 3) throw notFound(url.pathname);
    const workspace = this.workspaces.get(segments[2]!);
    if (!workspace) throw notFound(url.pathname);
    const isWorker = segments[3] === 'Workers' && segments.length === 5;
    if (method !== 'GET' && !(method === 'POST' && isWorker)) throw new ApiRefusal('methodNotAllowed', 'Method not allowed');
    if (segments.length === 3) return this.renderWorkspace(workspace);
    if (segments[3] === 'Activities' && segments.length === 4) {
      const available = url.searchParams.get('Available');
      const friendlyName = url.searchParams.get('FriendlyName');
      const matching = workspace.activities.filter(
        (activity) =>
          (available === null || String(activity.available) === available.toLowerCase()) &&
          (friendlyName === null || activity.friendlyName === friendlyName),
      );
      return listPage(url, 'activities', matching, (activity) => this.renderActivity(workspace.sid, activity));
    }
    if (segments[3] !== 'Workers' || segments.length > 5) throw notFound(url.pathname);
    if (isWorker) {
      const worker = this.workers.find((candidate) => candidate.sid === segments[4] && candidate.workspaceSid === workspace.sid);
      if (!worker) throw notFound(url.pathname);
      if (method === 'POST') this.updateWorker(worker, form);
      return this.renderWorker(worker);
    }
    // next_page_url carries Page with a PageToken (which a client follows); Page alone is the offset paging Twilio warns against.
    const page = url.searchParams.get('Page');
    if (page !== null && page !== '0' && !url.searchParams.has('PageToken')) {
      throw new ApiRefusal(
        'invalidParameter',
        'Pagination is not supported under this resource: follow next_page_url instead of sending Page',
      );
    }
    const friendlyName = url.searchParams.get('FriendlyName');
    const matching = this.workers.filter(
      (worker) => worker.workspaceSid === workspace.sid && (friendlyName === null || worker.friendlyName === friendlyName),
    );
    return listPage(url, 'workers', matching, (worker) => this.renderWorker(worker));
  }

  private updateWorker(worker: FakeWorker, form: URLSearchParams): void {
    const activitySid = form.get('ActivitySid');
    const activity = activitySid === null ? undefined : this.activity(worker.workspaceSid, activitySid);
    if (activitySid !== null && !activity)
      throw new ApiRefusal('invalidParameter', `ActivitySid ${activitySid} is not an Activity of this Workspace`);
    const target = activity ?? this.activity(worker.workspaceSid, worker.activitySid)!;
    if (form.get('RejectPendingReservations') === 'true' && target.available) {
      throw new ApiRefusal('invalidParameter', 'RejectPendingReservations is only valid for an Activity with Available=false');
    }
    if (activity) worker.activitySid = activity.sid;
  }

  private renderActivity(workspaceSid: string, activity: FakeActivity): object {
    return {
      account_sid: this.credentials.accountSid,
      sid: activity.sid,
      friendly_name: activity.friendlyName,
      available: activity.available,
      workspace_sid: workspaceSid,
      url: `https://${TASKROUTER_HOST}/v1/Workspaces/${workspaceSid}/Activities/${activity.sid}`,
    };
  }

  private renderWorkspace(workspace: { sid: string; friendlyName: string }): object {
    return {
      account_sid: this.credentials.accountSid,
      sid: workspace.sid,
      friendly_name: workspace.friendlyName,
      url: `https://${TASKROUTER_HOST}/v1/Workspaces/${workspace.sid}`,
    };
  }

  private renderWorker(worker: FakeWorker): object {
    const url = `https://${TASKROUTER_HOST}/v1/Workspaces/${worker.workspaceSid}/Workers/${worker.sid}`;
    const activity = this.activity(worker.workspaceSid, worker.activitySid)!;
    return {
      account_sid: this.credentials.accountSid,
      activity_name: activity.friendlyName,
      activity_sid: activity.sid,
      attributes: worker.attributes,
      available: activity.available,
      date_created: worker.created,
      date_status_changed: worker.created,
      date_updated: worker.created,
      friendly_name: worker.friendlyName,
      sid: worker.sid,
      workspace_sid: worker.workspaceSid,
      url,
      links: {
        channels: `${url}/Channels`,
        activity: `https://${TASKROUTER_HOST}/v1/Workspaces/${worker.workspaceSid}/Activities/${activity.sid}`,
        workspace: `https://${TASKROUTER_HOST}/v1/Workspaces/${worker.workspaceSid}`,
      },
    };
  }
}
