/** What a request's body looked like, from its headers alone: its kind and declared length, or why it is refused. */
import { ServiceError } from '../base/errors';
import type { RequestHeaders } from './result';
import type { BodyKind } from '../token/request';

export interface BodyDescription {
  readonly kind: BodyKind;
  /** The declared Content-Length, when there is one (chunked bodies have none). */
  readonly declaredBytes?: number;
}

/**
 * One value of a header the service reads. Node joins some repeated headers and keeps others as arrays
 * (and a JSON body can imitate the runtime's headers with any JSON type): anything but one string is refused.
 * @example singleHeader(headers, 'host', 'Host') // 'svc.twil.io'
 */
export function singleHeader(headers: RequestHeaders, name: string, display: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new ServiceError('invalid_request', `send exactly one ${display} header`);
}

/**
 * Functions are not told the HTTP method, and a body-less POST (curl -X POST without -d) looks exactly
 * like a GET: every request without a body is treated as a POST whose fields came from the query string.
 * @example describeBody({ 'content-type': 'application/json', 'content-length': '42' }) // { kind: 'json', declaredBytes: 42 }
 */
export function describeBody(headers: RequestHeaders): BodyDescription {
  const contentType = singleHeader(headers, 'content-type', 'Content-Type');
  const contentLength = singleHeader(headers, 'content-length', 'Content-Length')?.trim();
  if (contentLength !== undefined && !/^\d{1,15}$/.test(contentLength)) {
    throw new ServiceError('invalid_request', 'the Content-Length header is not a number of bytes');
  }
  const declaredBytes = contentLength === undefined ? undefined : Number(contentLength);
  if (contentType === undefined) {
    if (declaredBytes === undefined || declaredBytes === 0) return { kind: 'none' };
    throw new ServiceError('unsupported_media_type', 'send the body as application/json or application/x-www-form-urlencoded');
  }
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const described = (kind: BodyKind): BodyDescription => (declaredBytes === undefined ? { kind } : { kind, declaredBytes });
  if (mediaType === 'application/json') return described('json');
  if (mediaType === 'application/x-www-form-urlencoded') return described('form');
  throw new ServiceError('unsupported_media_type', 'send the body as application/json or application/x-www-form-urlencoded');
}
