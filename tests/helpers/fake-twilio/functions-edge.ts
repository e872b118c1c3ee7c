/**
 * An emulation of Twilio's Functions edge (the "Functions Gateway") in front of a local HTTP server such as a
 * twilio-run serving the deployed artifact. Usable as a request handler (behind the CONNECT proxy, for *.twil.io) or
 * standalone as a plain http reverse proxy on a loopback port.
 *
 * Sources, Twilio docs: "Function Request Flow" (only GET, POST and OPTIONS are answered; a GET with a body gets 403)
 * and "Headers and Cookies > Limitations" (the restricted request headers; the Runtime answers every OPTIONS itself with
 * `Access-Control-Allow-Headers: *` and `Access-Control-Allow-Origin: *`; at most 15 kB and 90 headers, else 431).
 * The docs give no status for the preflight answer nor for other methods: 204 (what twilio-run answers locally) and
 * 405 are this emulation's choice.
 */
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './request-body';

const EDGE_METHODS: readonly string[] = ['GET', 'POST', 'OPTIONS'];
const PREFLIGHT_STATUS = 204;
/** Headers a Function never sees: hop-by-hop ones, Host, and everything that would reveal the client or its path. */
const RESTRICTED_HEADERS = [
  /^connection$/,
  /^proxy-connection$/,
  /^keep-alive$/,
  /^expect$/,
  /^host$/,
  /^proxy-authorization$/,
  /^proxy-authenticate$/,
  /^referer$/,
  /^te$/,
  /^trailer$/,
  /^transfer-encoding$/,
  /^upgrade$/,
  /^via$/,
  /^x-accel-/,
  /^x-forwarded-/,
  /^x-real-ip$/,
];
/** Response headers Node sets itself for the client connection; copying the upstream's would contradict them. */
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding']);
const MAX_HEADER_BYTES = 15 * 1024;
const MAX_HEADER_COUNT = 90;

export type EdgeHandler = (req: IncomingMessage, res: ServerResponse) => void;

function answer(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The request headers passed upstream: raw pairs (repeats kept) minus the restricted ones. */
function forwardedHeaders(req: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (!RESTRICTED_HEADERS.some((pattern) => pattern.test(name.toLowerCase()))) pairs.push([name, req.rawHeaders[i + 1]]);
  }
  return pairs;
}

/**
 * A handler that behaves as Twilio's edge and sends what passes to `upstreamUrl` (e.g. `http://127.0.0.1:4123`).
 *
 * @example
 * const edge = createFunctionsEdgeHandler('http://127.0.0.1:4123');
 * http.createServer(edge).listen(0, '127.0.0.1');
 */
export function createFunctionsEdgeHandler(upstreamUrl: string): EdgeHandler {
  const upstream = new URL(upstreamUrl);
  if (upstream.protocol !== 'http:') throw new Error('the edge forwards to a plain http upstream only');

  return function functionsEdge(req, res) {
    void (async () => {
      const method = req.method ?? 'GET';
      const headerBytes = req.rawHeaders.reduce((sum, part) => sum + Buffer.byteLength(part) + 2, 0);
      if (req.rawHeaders.length / 2 > MAX_HEADER_COUNT || headerBytes > MAX_HEADER_BYTES) {
        req.resume();
        answer(res, 431, 'Request headers or cookies too long');
        return;
      }
      const body = await readBody(req);
      if (method === 'OPTIONS') {
        // The Runtime answers every preflight itself: the Function never sees an OPTIONS.
        res.writeHead(PREFLIGHT_STATUS, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' });
        res.end();
        return;
      }
      if (!EDGE_METHODS.includes(method)) {
        answer(res, 405, `Method ${method} is not supported`, { allow: EDGE_METHODS.join(', ') });
        return;
      }
      if (method === 'GET' && body.length > 0) {
        answer(res, 403, 'Forbidden');
        return;
      }
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of forwardedHeaders(req)) {
        const key = name.toLowerCase();
        const previous = headers[key];
        headers[key] = previous === undefined ? value : ([] as string[]).concat(previous as string | string[], value);
      }
      headers.host = upstream.host; // the client's Host is not passed through
      if (body.length > 0 || method === 'POST') headers['content-length'] = String(body.length);
      const forward = httpRequest(
        { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method, path: req.url, headers },
        (upstreamResponse) => {
          const responseHeaders: [string, string][] = [];
          const raw = upstreamResponse.rawHeaders;
          for (let i = 0; i < raw.length; i += 2) {
            if (!HOP_BY_HOP_RESPONSE.has(raw[i].toLowerCase())) responseHeaders.push([raw[i], raw[i + 1]]);
          }
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, responseHeaders.flat());
          upstreamResponse.pipe(res);
        },
      );
      forward.on('error', () => {
        if (!res.headersSent) answer(res, 502, 'Bad Gateway');
        else res.destroy();
      });
      forward.end(body);
    })().catch(() => {
      if (!res.headersSent) answer(res, 400, 'Bad Request');
      else res.destroy();
    });
  };
}

export interface StandaloneEdge {
  /** `http://127.0.0.1:<port>`: where a browser or client calls the edge. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves the edge as a plain http reverse proxy on a free loopback port (e.g. a second origin for CORS tests). */
export async function startFunctionsEdge(upstreamUrl: string): Promise<StandaloneEdge> {
  const server = createServer(createFunctionsEdgeHandler(upstreamUrl));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
