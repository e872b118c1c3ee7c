/** The stand-in's router: from a Node request to a route handler by method and path, and from its reply (or refusal) to Twilio's JSON answer. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultAction, FaultBoard } from './faults';
import { BodyTooLargeError, parseUrlencoded, readBody } from './request-body';
import { ApiRefusal, notFound, twilioErrorBody } from './twilio-errors';

/** One request as the fake saw it; `summary` never holds a secret value (no Variable value, no credential). */
export interface RecordedRequest {
  readonly method: string;
  readonly host: string;
  /** Path and query string, as sent. */
  readonly path: string;
  /** The status the fake decided on; for a request whose connection a fault cut, the status it would have had (0 if never handled). */
  readonly status: number;
  readonly summary?: Readonly<Record<string, unknown>>;
  /** Set when a fault took this request: its connection was cut before or after the fake applied it, or held. */
  readonly fault?: FaultAction;
}

export interface Reply {
  status: number;
  /** Serialised as JSON; undefined sends an empty body (204). */
  body?: unknown;
  headers?: Record<string, string>;
  summary?: Record<string, unknown>;
}

export interface RouteContext {
  url: URL;
  params: Record<string, string>;
  form: URLSearchParams;
  body: Buffer;
  contentType: string | undefined;
}

type RouteHandler = (context: RouteContext) => Reply;

export interface Route {
  /** Path segments after /v1; `:name` captures a segment. */
  pattern: string[];
  methods: Partial<Record<string, RouteHandler>>;
}

export const ok = (body: object): Reply => ({ status: 200, body });
export const deleted = (): Reply => ({ status: 204 });

/** Runs the handler of the route that matches `/v1/…`: 404 for no route, 405 for a route without this method. */
export function routeRequest(routes: readonly Route[], method: string, url: URL, contentType: string | undefined, body: Buffer): Reply {
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments[0] !== 'v1') throw notFound(url.pathname);
  const rest = segments.slice(1);
  for (const route of routes) {
    if (route.pattern.length !== rest.length) continue;
    const params: Record<string, string> = {};
    const matches = route.pattern.every((part, index) => {
      if (!part.startsWith(':')) return part === rest[index];
      params[part.slice(1)] = decodeURIComponent(rest[index]);
      return true;
    });
    if (!matches) continue;
    const handler = route.methods[method];
    if (!handler) throw new ApiRefusal('methodNotAllowed', `Method ${method} not allowed on ${url.pathname}`);
    // Only a urlencoded body is a form; an upload's multipart body is parsed by its handler.
    const isForm = /^application\/x-www-form-urlencoded/i.test(contentType ?? '');
    return handler({ url, params, form: isForm ? parseUrlencoded(body) : new URLSearchParams(), body, contentType });
  }
  throw notFound(url.pathname);
}

/** What a host's requests pass on their way: the armed faults, and the record every request is added to. */
export interface DispatchHooks {
  readonly faults: FaultBoard;
  readonly keep: (request: RecordedRequest) => void;
}

/**
 * Answers one request on `host`: applies a fault that takes it, reads the body, lets `handle` decide, and writes the
 * reply as JSON; a refusal becomes Twilio's error body, anything else thrown a 500.
 */
export async function dispatch(
  { faults, keep }: DispatchHooks,
  host: string,
  handle: (method: string, url: URL, body: Buffer) => Reply,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', `https://${host}`);
  const fault = faults.take(method, url.pathname);
  const record = (status: number, summary?: Record<string, unknown>) =>
    keep(
      Object.freeze({
        method,
        host,
        path: `${url.pathname}${url.search}`,
        status,
        ...(summary && { summary: Object.freeze(summary) }),
        ...(fault && { fault: fault.spec.action }),
      }),
    );
  if (fault?.spec.action === 'pause') {
    fault.reachedResolve();
    await fault.released;
  } else if (fault && fault.spec.action !== 'drop-after') {
    req.resume();
    record(0);
    fault.reachedResolve();
    if (fault.spec.action === 'hold') await fault.released;
    req.socket.destroy();
    return;
  }
  let reply: Reply;
  try {
    const body = await readBody(req);
    reply = handle(method, url, body);
  } catch (error) {
    if (error instanceof ApiRefusal) {
      const body = twilioErrorBody(error.kind, error.message);
      // Twilio's API names its realm on a 401, as a Basic-auth server must (RFC 7235).
      const headers = error.kind === 'authenticate' ? { 'www-authenticate': 'Basic realm="Twilio API"' } : undefined;
      reply = { status: body.status, body, headers, summary: error.summary };
    } else if (error instanceof BodyTooLargeError) {
      reply = { status: 413, body: twilioErrorBody('invalidParameter', error.message) };
    } else {
      reply = { status: 500, body: { code: 20500, message: String(error), more_info: '', status: 500 } };
    }
  }
  record(reply.status, reply.summary);
  if (fault?.spec.action === 'drop-after') {
    // drop-after: applied, but the answer never arrives.
    fault.reachedResolve();
    req.socket.destroy();
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...reply.headers }).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
