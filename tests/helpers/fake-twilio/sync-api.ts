/**
 * A loopback stand-in for the part of Twilio Sync's REST API (https://sync.twilio.com/v1) that the failure ledger
 * and the revocation list use: Services/{IS|default}, its Maps (create, fetch) and Maps/{MP|UniqueName}/Items (list with
 * PageSize up to 1,000 and paging, fetch, create, update, delete), enforcing Sync's documented rules — Basic auth
 * with the API key, ETag revisions and If-Match (54205 mismatch, 54003 malformed), 54208 for an existing key,
 * 54200 (or, when told, the generic 20404) for a missing Map, 54201 for a missing Item, 54301 for a taken unique name, ItemTtl expiry, and 429 (20429) once an object
 * (a Map counts as one object for all its items) takes more than 20 writes, or 20 reads, within one second. It can
 * be made slow, answer errors, answer 429 on demand, or drop connections.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicPair, secretsEqual } from './basic-auth';
import { parseUrlencoded, readBody } from './request-body';

export const SYNC_HOST = 'sync.twilio.com';

/** Sync's rule: about 20 writes (and 20 reads) per second per object. No burst is granted: stricter than Sync. */
const WRITES_PER_SECOND_PER_OBJECT = 20;
const READS_PER_SECOND_PER_OBJECT = 20;
/** Sync's ItemTtl range. */
const MAX_TTL_SECONDS = 31_536_000;

export interface SyncCredentials {
  readonly accountSid: string;
  readonly apiKeySid: string;
  readonly apiKeySecret: string;
  /** The Service the stand-in holds; `default` reaches it too. */
  readonly serviceSid: string;
}

interface Item {
  data: unknown;
  revision: string;
  createdAt: number;
  updatedAt: number;
  /** ms since the epoch; undefined: no TTL. */
  expiresAt?: number;
}

interface SyncMap {
  sid: string;
  uniqueName: string;
  items: Map<string, Item>;
}

export interface SyncRequestRecord {
  readonly method: string;
  /** The path without the item key (keys are hashes of names; kept out of the record anyway). */
  readonly route: string;
  readonly map?: string;
  readonly status: number;
  readonly code?: number;
}

/** What a test can make the stand-in do. */
export interface SyncBehaviour {
  /** Added before every answer. */
  latencyMs: number;
  /** When set, every request is answered with this status and Twilio's error JSON (e.g. 503, or 500). */
  failWith?: number;
  /** When set, every write (POST, DELETE) to an item of this Map (by unique name) is answered 500: one replica failing. */
  failWritesTo?: string;
  /** Every request is dropped (the connection destroyed) without an answer: Sync unreachable. */
  dropConnections: boolean;
  /** Until this time (ms since the epoch), every request gets 429 regardless of rates. */
  tooManyRequestsUntil: number;
  /**
   * How a missing Map is answered: 54200 ("Map not found", as Twilio documents), or the generic 20404 that Twilio may
   * give for an unknown path instead. Either way the status is 404.
   */
  missingMapCode: 54200 | 20404;
}

const NORMAL_BEHAVIOUR: SyncBehaviour = { latencyMs: 0, dropConnections: false, tooManyRequestsUntil: 0, missingMapCode: 54200 };

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The stand-in's state and its request handler (mounted behind the CONNECT proxy for SYNC_HOST).
 * @example const sync = new FakeSyncApi(credentials); startConnectProxy({ …, handlerFor: () => sync.handle })
 */
export class FakeSyncApi {
  private readonly maps = new Map<string, SyncMap>();
  private readonly recorded: SyncRequestRecord[] = [];
  /** Per object (Map SID): times of recent writes and reads, for the per-second rule. */
  private readonly writes = new Map<string, number[]>();
  private readonly reads = new Map<string, number[]>();
  readonly behaviour: SyncBehaviour = { ...NORMAL_BEHAVIOUR };

  /** Back to answering normally (no latency, no failures, 54200 for a missing Map): for a test's afterEach. */
  resetBehaviour(): void {
    for (const key of Object.keys(this.behaviour) as (keyof SyncBehaviour)[]) delete this.behaviour[key];
    Object.assign(this.behaviour, NORMAL_BEHAVIOUR);
  }

  constructor(
    readonly credentials: SyncCredentials,
    private readonly clock: () => number = Date.now,
    /** Other credentials Sync accepts (the account's auth token, other API keys of the account), when mounted in startFakeTwilio. */
    private readonly alsoAccepts: (user: string, password: string) => boolean = () => false,
  ) {}

  requests(): readonly SyncRequestRecord[] {
    return [...this.recorded];
  }

  /** Live items of a Map (by unique name): key → data. */
  itemsOf(mapName: string): Map<string, unknown> {
    const map = this.findMap(mapName);
    const live = new Map<string, unknown>();
    if (!map) return live;
    for (const [key, item] of map.items) if (!this.expired(item)) live.set(key, item.data);
    return live;
  }

  /** When a live item expires (ms since the epoch), or undefined when it has no TTL or does not exist. */
  expiryOf(mapName: string, key: string): number | undefined {
    const item = this.findMap(mapName)?.items.get(key);
    return item && !this.expired(item) ? item.expiresAt : undefined;
  }

  mapNames(): string[] {
    return [...this.maps.values()].map((map) => map.uniqueName);
  }

  /** Writes an item directly (creating its Map), as another writer would have: for a test's starting state. */
  seedItem(mapName: string, key: string, data: unknown): void {
    let map = this.findMap(mapName);
    if (!map) {
      map = { sid: sid('MP'), uniqueName: mapName, items: new Map() };
      this.maps.set(map.sid, map);
    }
    const now = this.clock();
    map.items.set(key, { data, revision: '0', createdAt: now, updatedAt: now });
  }

  /** Deletes every Map (and its items), as a fresh Sync Service would have none. */
  removeAllMaps(): void {
    this.maps.clear();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.serve(req, res);
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    if (this.behaviour.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.behaviour.latencyMs));
    if (this.behaviour.dropConnections) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', `https://${SYNC_HOST}`);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let route = 'unknown';
    // Named in the record even when the request is refused before routing (told to fail, 429): which object it was for.
    const mapInPath = /^\/v1\/Services\/[^/]+\/Maps\/([^/]+)/.exec(path)?.[1];
    let mapName: string | undefined = mapInPath === undefined ? undefined : decodeURIComponent(mapInPath);
    try {
      if (this.behaviour.failWith !== undefined)
        throw new Refusal(this.behaviour.failWith, 20500, 'Service unavailable (stand-in told to fail)');
      if (this.clock() < this.behaviour.tooManyRequestsUntil) throw new Refusal(429, 20429, 'Too many requests');
      if (method !== 'GET' && mapName !== undefined && mapName === this.behaviour.failWritesTo && path.includes('/Items'))
        throw new Refusal(500, 20500, 'Service unavailable (stand-in told to fail writes to this Map)');
      this.authenticate(req);
      const serviceOnly = /^\/v1\/Services\/([^/]+)$/.exec(path);
      if (serviceOnly && method === 'GET') {
        if (serviceOnly[1] !== 'default' && serviceOnly[1] !== this.credentials.serviceSid)
          throw new Refusal(404, 20404, 'Service not found');
        route = 'Services/{Service}';
        this.recorded.push({ method, route, status: 200 });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.serviceJson()));
        return;
      }
      const match = /^\/v1\/Services\/([^/]+)\/Maps(?:\/([^/]+)(?:\/Items(?:\/([^/]+))?)?)?$/.exec(path);
      if (!match) throw new Refusal(404, 20404, `The requested resource ${path.replace(/^\/v1/, '')} was not found`);
      const [, service, mapId, rawKey] = match;
      if (service !== 'default' && service !== this.credentials.serviceSid) throw new Refusal(404, 20404, 'Service not found');
      mapName = mapId === undefined ? undefined : decodeURIComponent(mapId);
      const key = rawKey === undefined ? undefined : decodeURIComponent(rawKey);
      const form = method === 'GET' ? url.searchParams : parseUrlencoded(body);
      route = mapName === undefined ? 'Maps' : path.includes('/Items') ? (key === undefined ? 'Items' : 'Items/{Key}') : 'Maps/{Map}';
      const answer = this.route(method, route, mapName, key, form, req.headers['if-match']);
      this.recorded.push({ method, route, ...(mapName !== undefined && { map: mapName }), status: answer.status });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.etag !== undefined) headers['etag'] = answer.etag;
      res.writeHead(answer.status, headers).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal(500, 20500, 'Internal error in the stand-in');
      this.recorded.push({ method, route, ...(mapName !== undefined && { map: mapName }), status: refusal.status, code: refusal.code });
      res
        .writeHead(refusal.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(errorBody(refusal.status, refusal.code, refusal.message)));
    }
  }

  private authenticate(req: IncomingMessage): void {
    const pair = basicPair(req.headers.authorization);
    const { apiKeySid, apiKeySecret } = this.credentials;
    const accepted =
      pair !== undefined &&
      ([secretsEqual(pair.user, apiKeySid), secretsEqual(pair.password, apiKeySecret)].every(Boolean) ||
        this.alsoAccepts(pair.user, pair.password));
    if (!accepted) throw new Refusal(401, 20003, 'Authenticate');
  }

  private findMap(id: string): SyncMap | undefined {
    return this.maps.get(id) ?? [...this.maps.values()].find((map) => map.uniqueName === id);
  }

  private expired(item: Item): boolean {
    return item.expiresAt !== undefined && item.expiresAt <= this.clock();
  }

  /** Sync's per-object rate rule: a 429 once the object took `limit` requests of this kind within the last second. */
  private spend(kind: Map<string, number[]>, objectSid: string, limit: number): void {
    const now = this.clock();
    const recent = (kind.get(objectSid) ?? []).filter((at) => now - at < 1000);
    if (recent.length >= limit) {
      kind.set(objectSid, recent);
      throw new Refusal(429, 20429, 'Too many requests');
    }
    recent.push(now);
    kind.set(objectSid, recent);
  }

  private ttl(form: URLSearchParams): number | undefined {
    const raw = form.get('ItemTtl') ?? form.get('Ttl');
    if (raw === null) return undefined;
    const seconds = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(seconds >= 0 && seconds <= MAX_TTL_SECONDS)) throw new Refusal(400, 20001, 'Invalid ItemTtl');
    return seconds;
  }

  private data(form: URLSearchParams): unknown {
    const raw = form.get('Data');
    if (raw === null) throw new Refusal(400, 20001, 'Missing required parameter Data');
    if (Buffer.byteLength(raw) > 16 * 1024) throw new Refusal(400, 54006, 'Map Item data is larger than 16 KiB');
    try {
      return JSON.parse(raw);
    } catch {
      throw new Refusal(400, 54006, 'Data must be JSON');
    }
  }

  private serviceJson() {
    const serviceSid = this.credentials.serviceSid;
    return {
      sid: serviceSid,
      account_sid: this.credentials.accountSid,
      unique_name: null,
      url: `https://${SYNC_HOST}/v1/Services/${serviceSid}`,
    };
  }

  private mapJson(map: SyncMap) {
    const serviceSid = this.credentials.serviceSid;
    return {
      sid: map.sid,
      unique_name: map.uniqueName,
      service_sid: serviceSid,
      revision: '0',
      url: `https://${SYNC_HOST}/v1/Services/${serviceSid}/Maps/${map.sid}`,
    };
  }

  /** One page of a Map's live items, oldest first, as Sync pages them (PageSize 1..1000, default 50; Page from 0). */
  private itemPage(map: SyncMap, query: URLSearchParams, live: (key: string) => Item | undefined) {
    const pageSize = query.has('PageSize') ? Number(query.get('PageSize')) : 50;
    const page = query.has('Page') ? Number(query.get('Page')) : 0;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new Refusal(400, 20001, 'Invalid PageSize');
    if (!Number.isInteger(page) || page < 0) throw new Refusal(400, 20001, 'Invalid Page');
    const keys = [...map.items.keys()].filter((key) => live(key) !== undefined);
    const slice = keys.slice(page * pageSize, (page + 1) * pageSize);
    const base = `https://${SYNC_HOST}/v1/Services/${this.credentials.serviceSid}/Maps/${map.sid}/Items`;
    const hasNext = (page + 1) * pageSize < keys.length;
    return {
      items: slice.map((key) => this.itemJson(map, key, live(key)!)),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: `${base}?PageSize=${pageSize}&Page=0`,
        previous_page_url: page > 0 ? `${base}?PageSize=${pageSize}&Page=${page - 1}` : null,
        url: `${base}?PageSize=${pageSize}&Page=${page}`,
        next_page_url: hasNext ? `${base}?PageSize=${pageSize}&Page=${page + 1}` : null,
        key: 'items',
      },
    };
  }

  private itemJson(map: SyncMap, key: string, item: Item) {
    return {
      key,
      account_sid: this.credentials.accountSid,
      service_sid: this.credentials.serviceSid,
      map_sid: map.sid,
      url: `https://${SYNC_HOST}/v1/Services/${this.credentials.serviceSid}/Maps/${map.sid}/Items/${encodeURIComponent(key)}`,
      revision: item.revision,
      data: item.data,
      date_expires: item.expiresAt === undefined ? null : new Date(item.expiresAt).toISOString(),
      date_created: new Date(item.createdAt).toISOString(),
      date_updated: new Date(item.updatedAt).toISOString(),
      created_by: 'system',
    };
  }

  private route(
    method: string,
    route: string,
    mapName: string | undefined,
    key: string | undefined,
    form: URLSearchParams,
    ifMatchHeader: string | string[] | undefined,
  ): { status: number; body?: unknown; etag?: string } {
    if (route === 'Maps' && method === 'POST') {
      const uniqueName = form.get('UniqueName') ?? undefined;
      if (uniqueName !== undefined && this.findMap(uniqueName)) throw new Refusal(409, 54301, 'Unique name already exists');
      const map: SyncMap = { sid: sid('MP'), uniqueName: uniqueName ?? '', items: new Map() };
      this.maps.set(map.sid, map);
      return { status: 201, body: { sid: map.sid, unique_name: map.uniqueName, service_sid: this.credentials.serviceSid, revision: '0' } };
    }
    if (route === 'Maps' && method === 'GET') {
      const maps = [...this.maps.values()];
      const url = `https://${SYNC_HOST}/v1/Services/${this.credentials.serviceSid}/Maps?PageSize=1000&Page=0`;
      return {
        status: 200,
        body: {
          maps: maps.slice(0, 1000).map((map) => this.mapJson(map)),
          meta: { page: 0, page_size: 1000, first_page_url: url, previous_page_url: null, url, next_page_url: null, key: 'maps' },
        },
      };
    }
    if (mapName === undefined || route === 'Maps' || (route === 'Maps/{Map}' && method !== 'GET'))
      throw new Refusal(405, 20004, 'Method not allowed');
    const map = this.findMap(mapName);
    if (!map) {
      if (this.behaviour.missingMapCode === 20404) throw new Refusal(404, 20404, 'The requested resource was not found');
      throw new Refusal(404, 54200, 'Map not found');
    }
    if (route === 'Maps/{Map}') {
      this.spend(this.reads, map.sid, READS_PER_SECOND_PER_OBJECT);
      return { status: 200, body: this.mapJson(map) };
    }
    const ifMatch = Array.isArray(ifMatchHeader) ? ifMatchHeader[0] : ifMatchHeader;
    if (ifMatch !== undefined && ifMatch !== '*' && !/^[0-9a-z]+$/.test(ifMatch)) throw new Refusal(400, 54003, 'Invalid If-Match header');
    const live = (k: string) => {
      const item = map.items.get(k);
      if (item && this.expired(item)) {
        map.items.delete(k);
        return undefined;
      }
      return item;
    };
    const now = this.clock();

    if (route === 'Items' && method === 'POST') {
      this.spend(this.writes, map.sid, WRITES_PER_SECOND_PER_OBJECT);
      const newKey = form.get('Key');
      if (!newKey || newKey.length > 320) throw new Refusal(400, 54209, 'Invalid Map Item key');
      if (live(newKey)) throw new Refusal(409, 54208, 'Map Item already exists');
      const ttl = this.ttl(form);
      const item: Item = {
        data: this.data(form),
        revision: '0',
        createdAt: now,
        updatedAt: now,
        ...(ttl && { expiresAt: now + ttl * 1000 }),
      };
      map.items.set(newKey, item);
      return { status: 201, body: this.itemJson(map, newKey, item), etag: item.revision };
    }
    if (route === 'Items' && method === 'GET') {
      this.spend(this.reads, map.sid, READS_PER_SECOND_PER_OBJECT);
      return { status: 200, body: this.itemPage(map, form, live) };
    }
    if (route !== 'Items/{Key}' || key === undefined) throw new Refusal(405, 20004, 'Method not allowed');
    if (method === 'GET') {
      this.spend(this.reads, map.sid, READS_PER_SECOND_PER_OBJECT);
      const item = live(key);
      if (!item) throw new Refusal(404, 54201, 'Map Item not found');
      return { status: 200, body: this.itemJson(map, key, item), etag: item.revision };
    }
    if (method === 'POST' || method === 'DELETE') {
      this.spend(this.writes, map.sid, WRITES_PER_SECOND_PER_OBJECT);
      const item = live(key);
      if (!item) throw new Refusal(404, 54201, 'Map Item not found');
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== item.revision)
        throw new Refusal(412, 54205, 'Map Item revision mismatch');
      if (method === 'DELETE') {
        map.items.delete(key);
        return { status: 204 };
      }
      const ttl = this.ttl(form);
      if (form.has('Data')) item.data = this.data(form);
      item.revision = (parseInt(item.revision, 36) + 1).toString(36);
      item.updatedAt = now;
      if (ttl !== undefined) item.expiresAt = ttl === 0 ? undefined : now + ttl * 1000;
      return { status: 200, body: this.itemJson(map, key, item), etag: item.revision };
    }
    throw new Refusal(405, 20004, 'Method not allowed');
  }
}
