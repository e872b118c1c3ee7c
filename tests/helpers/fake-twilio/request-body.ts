/** Reads a request body and parses the two encodings the Serverless API takes: urlencoded forms and multipart uploads. */
import type { IncomingMessage } from 'node:http';

/** Large enough for any test upload; a runaway client fails fast instead of filling memory. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE';
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Form fields keep repeated keys (`FunctionVersions=ZN1&FunctionVersions=ZN2`), as Twilio reads them. */
export function parseUrlencoded(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

export interface MultipartPart {
  name: string;
  /** Present for file parts (`Content`). */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

function headerParam(header: string, param: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${param}="([^"]*)"`, 'i').exec(header);
  return match?.[1];
}

/**
 * Splits a multipart/form-data body (RFC 7578) into its parts; undefined when the body is not multipart or is
 * malformed, so that the caller answers 400 as a server would.
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  for (;;) {
    position += delimiter.length;
    // "--" right after a delimiter closes the body.
    if (body.subarray(position, position + 2).toString('latin1') === '--') return parts;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') return undefined;
    position += 2;
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd < 0) return undefined;
    const headers = body.subarray(position, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    const disposition = headers.find((line) => /^content-disposition:/i.test(line));
    const name = disposition ? headerParam(disposition, 'name') : undefined;
    if (name === undefined) return undefined;
    const typeLine = headers.find((line) => /^content-type:/i.test(line));
    parts.push({
      name,
      filename: disposition ? headerParam(disposition, 'filename') : undefined,
      contentType: typeLine?.replace(/^content-type:\s*/i, ''),
      data: body.subarray(headerEnd + 4, next),
    });
    position = next + 2;
  }
}
