/**
 * A loopback HTTP proxy that clients reach through HTTP_PROXY. It accepts `CONNECT host:443` only for hosts the caller
 * allows, terminates TLS in this process with the fake's certificate, and hands each request to the handler chosen by
 * the TLS server name. Every other CONNECT, and every plain proxy request, is refused with 403 and recorded.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Only these addresses are ever listened on: the proxy must not be reachable from another machine. */
const LOOPBACK = new Set(['127.0.0.1', '::1']);

export interface ProxyRefusal {
  /** `CONNECT` or the method of a plain proxy request. */
  readonly method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  readonly target: string;
  readonly reason: string;
}

export type TlsRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ConnectProxyOptions {
  /** Server certificate and key (PEM) covering every allowed host. */
  tls: { cert: string; key: string };
  /** Whether a CONNECT to this host (lower-case, without port) may go through. */
  allowHost(host: string): boolean;
  /** The handler for requests inside a tunnel to `host`; undefined answers 421 (no such site here). */
  handlerFor(host: string): TlsRequestHandler | undefined;
  /** Loopback address to listen on. Default 127.0.0.1. */
  listenHost?: string;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`: the value for HTTP_PROXY. */
  readonly url: string;
  readonly port: number;
  /** Requests refused so far, in order. */
  refusals(): readonly ProxyRefusal[];
  close(): Promise<void>;
}

function splitAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  return match ? { host: match[1].toLowerCase(), port: Number(match[2]) } : undefined;
}

/**
 * Starts the proxy on a free loopback port.
 *
 * @example
 * const proxy = await startConnectProxy({ tls, allowHost: (h) => h === 'serverless.twilio.com', handlerFor: () => api.handleApi });
 * spawn('node', ['deploy.js'], { env: { ...process.env, HTTP_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: caFile } });
 */
export async function startConnectProxy(options: ConnectProxyOptions): Promise<ConnectProxy> {
  const listenHost = options.listenHost ?? '127.0.0.1';
  if (!LOOPBACK.has(listenHost)) throw new Error(`the fake's proxy listens on loopback only, not on ${listenHost}`);
  const refused: ProxyRefusal[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  // Inside a tunnel: the TLS server name picks the site, and the Host header must agree with it.
  const tlsServer = createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    // Node sets `servername` (the SNI) on server-side TLS sockets; @types/node does not declare it.
    const serverName = ((req.socket as TLSSocket & { servername?: string | false }).servername || '').toLowerCase();
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const handler = serverName && hostHeader === serverName ? options.handlerFor(serverName) : undefined;
    if (!handler) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected Request');
      return;
    }
    handler(req, res);
  });

  const proxy = createHttpServer((req, res) => {
    // A plain (non-CONNECT) proxy request would send the request in clear to an arbitrary host: never served.
    refused.push(Object.freeze({ method: req.method ?? '', target: req.url ?? '', reason: 'not a CONNECT request' }));
    req.resume();
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end('Only CONNECT to Twilio hosts is allowed');
  });
  proxy.on('connection', track);
  proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const authority = splitAuthority(target);
    const reason = !authority
      ? 'malformed CONNECT target'
      : authority.port !== 443
        ? 'only port 443 is tunnelled'
        : !options.allowHost(authority.host)
          ? 'host is not a Twilio host this fake serves'
          : undefined;
    if (reason) {
      refused.push(Object.freeze({ method: 'CONNECT', target, reason }));
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    // The tunnelled bytes are TLS: the in-process https server terminates them with the fake's certificate.
    tlsServer.emit('connection', socket);
  });

  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, listenHost, () => resolve());
  });
  const { port } = proxy.address() as AddressInfo;
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return {
    url: `http://${host}:${port}`,
    port,
    refusals: () => [...refused],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      tlsServer.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
