/** Raw HTTP requests over loopback with full control of headers (repeated headers included). */
import { request as httpRequest, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import { expectResponseMatchesContract, isDescribedByContract } from './openapi-contract';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any;
}

export interface HttpCall {
  method?: string;
  /** Any header may be repeated (an array), even those @types/node 22 types as single strings: hostile tests send them. */
  headers?: Readonly<Record<string, OutgoingHttpHeader | undefined>>;
  /** A JSON value (sent as application/json), or a raw string/Buffer sent as is. */
  json?: unknown;
  body?: string | Buffer;
}

export interface SendOptions {
  /**
   * Check the answer against src/assets/openapi.json (default true): every JSON answer of a path and method the
   * document describes must match it, so no suite can receive an answer the document does not promise. The
   * runtime's own pages (not JSON), other paths and other methods are not checked. Pass false only for a call
   * that expects an answer off the contract on purpose.
   */
  contract?: boolean;
}

export function send(url: string, call: HttpCall = {}, options: SendOptions = {}): Promise<HttpAnswer> {
  // Node sends an array as repeated headers whatever the name; only the types of well-known names say otherwise.
  const headers = { ...call.headers } as OutgoingHttpHeaders;
  let payload: string | Buffer | undefined = call.body;
  if (call.json !== undefined) {
    payload = JSON.stringify(call.json);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: call.method ?? 'POST', headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const answer: HttpAnswer = { status: res.statusCode ?? 0, headers: res.headers, text, json };
        const method = call.method ?? 'POST';
        try {
          if (options.contract !== false && isDescribedByContract(method, url, answer)) expectResponseMatchesContract(method, url, answer);
        } catch (error) {
          reject(error as Error);
          return;
        }
        resolve(answer);
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
