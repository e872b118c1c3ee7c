/**
 * The stand-in's core REST API (api.twilio.com and its regional hosts) and IAM (iam.twilio.com and its regional hosts),
 * as far as API keys go: an account's Balance (the read any Standard key may make), the Key resource v2010
 * (`/2010-04-01/Accounts/{AC}/Keys[/{SK}].json`) and v1 (`/v1/Keys[/{SK}]`, which also tells a key's type by its
 * `policy`). Shapes from twilio.com/docs/usage/api/keys and twilio.com/docs/iam/api-keys/key-resource-v1: the secret is
 * answered once, by create; only the account's credentials or a Main key may manage keys (a Standard key gets
 * 401/20003, a Restricted one 401/70051); a deleted key stops authenticating.
 */
import { AccountKeys, type ApiKeyRecord, type Caller } from './account-keys';
import { parseUrlencoded } from './request-body';
import type { Reply } from './serverless-router';
import { ApiRefusal, notFound } from './twilio-errors';

/** "It can be up to 64 characters long" (FriendlyName, both versions). */
const MAX_FRIENDLY_NAME = 64;
const SID = /^SK[0-9a-f]{32}$/;

/** One request to a key host, already authenticated in its region. */
interface KeyRequest {
  readonly method: string;
  readonly url: URL;
  readonly authorization: string | undefined;
  readonly body: Buffer;
  /** The region the host serves (us1 for api.twilio.com). */
  readonly region: string;
}

function v2010Json(key: ApiKeyRecord, withSecret = false): object {
  return {
    sid: key.sid,
    friendly_name: key.friendlyName,
    date_created: key.created,
    date_updated: key.updated,
    ...(withSecret && { secret: key.secret }),
  };
}

function v1Json(key: ApiKeyRecord, view: 'fetch' | 'list' | 'create'): object {
  const base = { sid: key.sid, friendly_name: key.friendlyName, date_created: key.created, date_updated: key.updated };
  if (view === 'list') return { ...base, flags: key.type === 'restricted' ? ['rest_api'] : ['rest_api', 'signing'] };
  return {
    ...base,
    ...(view === 'create' && { secret: key.secret }),
    // The stand-in keeps no permission list: a Restricted key's policy is a placeholder that is never null.
    policy: key.type === 'restricted' ? { allow: ['/twilio/messaging/messages/read'] } : null,
  };
}

function friendlyNameOf(form: URLSearchParams): string | undefined {
  const name = form.get('FriendlyName') ?? undefined;
  if (name !== undefined && [...name].length > MAX_FRIENDLY_NAME) {
    throw new ApiRefusal('invalidParameter', `FriendlyName must be at most ${MAX_FRIENDLY_NAME} characters`);
  }
  return name;
}

export class KeysApi {
  constructor(private readonly keys: AccountKeys) {}

  /** Only the account itself or a Main key of it manages keys. */
  private manager(request: KeyRequest, accountSid: string): Caller {
    const caller = this.keys.caller(request.authorization, request.region);
    if (!AccountKeys.actsFor(caller, accountSid)) throw new ApiRefusal('authenticate', 'Authenticate');
    if (caller.kind === 'key' && caller.key.type === 'restricted') throw new ApiRefusal('authorizationFailed', 'Authorization Failed');
    if (caller.kind === 'key' && caller.key.type !== 'main') throw new ApiRefusal('authenticate', 'Authenticate');
    return caller;
  }

  /** api.twilio.com / api.{edge}.{region}.twilio.com: Balance and the Key resource v2010. */
  core(request: KeyRequest): Reply {
    const { method, url } = request;
    const balance = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Balance\.json$/.exec(url.pathname);
    const keyList = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Keys\.json$/.exec(url.pathname);
    const keyOne = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Keys\/([^/]+)\.json$/.exec(url.pathname);
    if (balance) return this.balance(request, balance[1]!);
    if (keyList || keyOne) {
      const accountSid = (keyList ?? keyOne)![1]!;
      const caller = this.manager(request, accountSid);
      const user = { user: caller.kind === 'account' ? 'AC' : 'SK' };
      if (keyList) {
        if (method === 'GET')
          return { status: 200, body: this.page(accountSid, request.region, url, 'keys', (key) => v2010Json(key)), summary: user };
        if (method === 'POST') {
          const name = friendlyNameOf(parseUrlencoded(request.body));
          const key = this.keys.create(accountSid, request.region, name ?? '');
          if (!name) key.friendlyName = key.sid;
          return { status: 201, body: v2010Json(key, true), summary: { ...user, FriendlyName: key.friendlyName, created: key.sid } };
        }
        throw new ApiRefusal('methodNotAllowed', `Method ${method} not allowed on ${url.pathname}`);
      }
      return this.one(request, accountSid, keyOne![2]!, v2010Json, user);
    }
    // Twilio authenticates before it routes: an unknown path with bad credentials is still 401.
    this.keys.caller(request.authorization, request.region);
    throw notFound(url.pathname);
  }

  /** iam.twilio.com / iam.{edge}.{region}.twilio.com: the Key resource v1. */
  iam(request: KeyRequest): Reply {
    const { method, url } = request;
    const one = /^\/v1\/Keys\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/v1/Keys') {
      if (method === 'GET') {
        const accountSid = url.searchParams.get('AccountSid') ?? '';
        if (!/^AC[0-9a-f]{32}$/.test(accountSid)) throw new ApiRefusal('invalidParameter', 'Required parameter "AccountSid" missing');
        this.manager(request, accountSid);
        return { status: 200, body: this.page(accountSid, request.region, url, 'keys', (key) => v1Json(key, 'list')) };
      }
      if (method === 'POST') {
        const form = parseUrlencoded(request.body);
        const accountSid = form.get('AccountSid') ?? '';
        if (!/^AC[0-9a-f]{32}$/.test(accountSid)) throw new ApiRefusal('invalidParameter', 'Required parameter "AccountSid" missing');
        this.manager(request, accountSid);
        if (form.get('KeyType') === 'restricted') throw new ApiRefusal('invalidParameter', 'The stand-in makes no Restricted keys');
        const name = friendlyNameOf(form);
        const key = this.keys.create(accountSid, request.region, name ?? '');
        if (!name) key.friendlyName = key.sid;
        return { status: 201, body: v1Json(key, 'create'), summary: { FriendlyName: key.friendlyName, created: key.sid } };
      }
      throw new ApiRefusal('methodNotAllowed', `Method ${method} not allowed on ${url.pathname}`);
    }
    if (one) {
      // v1 names no account in the path: the caller's own account is the one meant.
      const caller = this.keys.caller(request.authorization, request.region);
      const accountSid = caller.kind === 'account' ? caller.accountSid : caller.key.accountSid;
      this.manager(request, accountSid);
      return this.one(request, accountSid, one[1]!, (key) => v1Json(key, 'fetch'), {});
    }
    this.keys.caller(request.authorization, request.region);
    throw notFound(url.pathname);
  }

  /** GET, POST (FriendlyName) or DELETE one key of the account in this region. */
  private one(
    request: KeyRequest,
    accountSid: string,
    sid: string,
    render: (key: ApiKeyRecord) => object,
    summary: Record<string, unknown>,
  ): Reply {
    const key = SID.test(sid) ? this.keys.find(sid, accountSid, request.region) : undefined;
    if (!key) throw notFound(request.url.pathname);
    if (request.method === 'GET') return { status: 200, body: render(key), summary };
    if (request.method === 'DELETE') {
      this.keys.remove(key.sid);
      return { status: 204, summary: { ...summary, deleted: key.sid } };
    }
    if (request.method === 'POST') {
      const name = friendlyNameOf(parseUrlencoded(request.body));
      if (name !== undefined) key.friendlyName = name;
      key.updated = new Date().toUTCString();
      return { status: 200, body: render(key), summary };
    }
    throw new ApiRefusal('methodNotAllowed', `Method ${request.method} not allowed on ${request.url.pathname}`);
  }

  private page(accountSid: string, region: string, url: URL, key: string, render: (record: ApiKeyRecord) => object): object {
    const size = Math.min(Math.max(Number(url.searchParams.get('PageSize') ?? 50) || 50, 1), 1000);
    const items = this.keys.list(accountSid, region).slice(0, size).map(render);
    return { [key]: items, meta: { page: 0, page_size: size, next_page_url: null, key } };
  }

  /** `GET …/Balance.json`: any Standard or Main key reads the Balance of its own account only; a Restricted one gets 70051. */
  private balance(request: KeyRequest, accountSid: string): Reply {
    const caller = this.keys.caller(request.authorization, request.region);
    if (!AccountKeys.actsFor(caller, accountSid)) {
      throw new ApiRefusal('authenticate', 'Authenticate', { user: caller.kind === 'account' ? 'AC' : 'SK' });
    }
    if (caller.kind === 'key' && caller.key.type === 'restricted') throw new ApiRefusal('authorizationFailed', 'Authorization Failed');
    if (request.method !== 'GET')
      throw new ApiRefusal('methodNotAllowed', `Method ${request.method} not allowed on ${request.url.pathname}`);
    const user = caller.kind === 'account' ? caller.accountSid : caller.key.sid;
    return { status: 200, body: { account_sid: accountSid, balance: '0.00', currency: 'USD' }, summary: { user } };
  }
}
