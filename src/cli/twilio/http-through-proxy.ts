/**
 * One HTTP(S) request from the command-line tools, through HTTP_PROXY when it is set (as twilio-run and
 * twilio-node do): https through a CONNECT tunnel, plain http in absolute form. Loopback URLs go direct.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { isLoopbackHostname } from '../../lib/base/loopback';

export interface PlainResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly text: string;
}

export interface PlainRequest {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string;
  /** Default 15 s. */
  readonly timeoutMs?: number;
  /** Where HTTP_PROXY is read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The proxy to use for this URL, or undefined to go direct. Only the upper-case name, like twilio-run. */
function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const proxy = env['HTTP_PROXY'];
  if (!proxy || isLoopbackHostname(url.hostname)) return undefined;
  return new URL(proxy);
}

function readAll(response: IncomingMessage): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () =>
      resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

/** Opens a CONNECT tunnel to host:port through the proxy and resolves with its socket. */
function tunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const authority = `${host}:${port}`;
    const connectRequest = httpRequest({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority },
      timeout: timeoutMs,
    });
    connectRequest.once('connect', (response, socket) => {
      if (response.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`the proxy refused to connect to ${host} (HTTP ${response.statusCode})`));
      }
    });
    connectRequest.once('timeout', () => connectRequest.destroy(new Error('the proxy did not answer in time')));
    connectRequest.once('error', reject);
    connectRequest.end();
  });
}

/**
 * @example const { status, text } = await requestThroughProxy('https://svc-1234-dev.twil.io/health')
 */
export async function requestThroughProxy(target: string, options: PlainRequest = {}): Promise<PlainResponse> {
  const { env = process.env } = options;
  const url = new URL(target);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const headers: OutgoingHttpHeaders = { accept: 'application/json, text/html;q=0.9, */*;q=0.1', ...options.headers };
  if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
  const proxy = proxyFor(url, env);
  const method = options.method ?? 'GET';
  const send = (request: ReturnType<typeof httpRequest>): Promise<PlainResponse> =>
    new Promise((resolve, reject) => {
      request.once('response', (response) => {
        readAll(response).then(resolve, reject);
      });
      request.once('timeout', () => request.destroy(new Error(`no answer from ${url.host} in ${timeoutMs} ms`)));
      request.once('error', reject);
      request.end(options.body);
    });

  if (url.protocol === 'https:') {
    const port = Number(url.port || 443);
    if (!proxy) return send(httpsRequest(url, { method, headers, timeout: timeoutMs }));
    const socket = await tunnel(proxy, url.hostname, port, timeoutMs);
    // TLS inside the tunnel, verified against the system CAs (and NODE_EXTRA_CA_CERTS) for the real host name.
    return send(
      httpsRequest(url, { method, headers, timeout: timeoutMs, createConnection: () => tlsConnect({ socket, servername: url.hostname }) }),
    );
  }
  if (url.protocol !== 'http:') throw new Error(`only http and https URLs are supported, not ${url.protocol}`);
  if (!proxy) return send(httpRequest(url, { method, headers, timeout: timeoutMs }));
  return send(
    httpRequest({
      host: proxy.hostname,
      port: proxy.port || 80,
      method,
      path: url.href,
      headers: { ...headers, host: url.host },
      timeout: timeoutMs,
    }),
  );
}
