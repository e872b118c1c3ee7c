/**
 * The OpenAPI description (src/assets/openapi.json) as a contract for real answers: finds the operation and
 * status an answer belongs to, validates its JSON body with ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses)
 * and checks the documented headers, failing with a message that says what differs.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpAnswer } from './http';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'src', 'assets', 'openapi.json');

/** The document as parsed JSON; tests read it, never change it. */
export const openApiDocument: OpenApiDocument = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

// The parts of OpenAPI 3.1 this helper reads; everything else stays `unknown`.
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}
interface Reference {
  readonly $ref: string;
}
interface HeaderObject {
  readonly required?: boolean;
  readonly schema: { readonly type?: string };
}
interface MediaTypeObject {
  readonly schema?: unknown;
  readonly examples?: Readonly<Record<string, { readonly value?: unknown }>>;
}
interface ResponseObject {
  readonly headers?: Readonly<Record<string, HeaderObject | Reference>>;
  readonly content?: Readonly<Record<string, MediaTypeObject>>;
}
export interface OperationObject {
  readonly responses: Readonly<Record<string, ResponseObject | Reference>>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'openapi.json';
const OPENAPI_OBJECT_FIELDS = [
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
  'externalDocs',
];

/** A JSON pointer (RFC 6901) from segments, usable as a URI fragment. */
export function jsonPointer(segments: readonly string[]): string {
  return segments.map((segment) => `/${encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))}`).join('');
}

/** Follows one local `$ref` ("#/components/…"); returns the target and its pointer. */
export function resolveReference<T>(value: T | Reference, pointer: string): { value: T; pointer: string } {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return { value: value as T, pointer };
  const ref = value.$ref;
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported, found ${ref}`);
  let target: unknown = openApiDocument;
  for (const raw of ref.slice(2).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    target = (target as Record<string, unknown> | undefined)?.[segment];
  }
  if (target === undefined) throw new Error(`${ref} does not resolve`);
  return resolveReference(target as T | Reference, ref.slice(1));
}

let ajv: Ajv2020 | undefined;

/**
 * One strict ajv for the document: unknown keywords, formats or types in a schema are errors, so a schema
 * that says nothing (a typo'd keyword) fails instead of accepting everything.
 */
function documentSchemas(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ strict: true, strictTypes: true, strictTuples: true, allErrors: true });
  addFormats(ajv);
  // OpenAPI's `password` format only tells viewers to mask the field.
  ajv.addFormat('password', true);
  // The document is added whole so that its "#/components/…" references resolve; ajv compiles its root when
  // resolving them, so the OpenAPI Object's own fields are declared as keywords that check nothing.
  ajv.addVocabulary(OPENAPI_OBJECT_FIELDS);
  ajv.addSchema(openApiDocument, DOCUMENT_ID, undefined, false);
  return ajv;
}

/** The compiled validator of the Schema Object at this pointer of the document (e.g. "/components/schemas/IssuedToken"). */
export function schemaAt(pointer: string): ValidateFunction {
  const validate = documentSchemas().getSchema(`${DOCUMENT_ID}#${pointer}`);
  if (!validate) throw new Error(`no schema at ${pointer}`);
  return validate;
}

/** ajv's errors as short lines: where in the value, what is wrong, and what was allowed. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).map((error) => {
    const at = `${where}${error.instancePath}`;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'enum') return `${at}: ${error.message} ${JSON.stringify(params.allowedValues)}`;
    if (error.keyword === 'additionalProperties') return `${at}: has "${String(params.additionalProperty)}", which is not documented`;
    return `${at}: ${error.message}`;
  });
}

/** The operation object for a method and path, or undefined when the document has none. */
export function documentedOperation(method: string, path: string): OperationObject | undefined {
  const pathItem = openApiDocument.paths[new URL(path, 'http://service.invalid').pathname];
  const operation = pathItem?.[method.toLowerCase()];
  return HTTP_METHODS.includes(method.toLowerCase()) ? (operation as OperationObject | undefined) : undefined;
}

/** Header names the document defines anywhere: the service's own headers, as opposed to the runtime's. */
const serviceHeaderNames = (): string[] => Object.keys(openApiDocument.components.headers ?? {});

function headerValue(raw: string, schema: { type?: string }): unknown {
  // Header values are text; a header documented as an integer must be digits.
  return schema.type === 'integer' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

/**
 * Everything in the answer that disagrees with the document, as readable lines; empty when it matches.
 * @example contractProblems('POST', '/token', answer) // ['body/error/code: must be equal to one of the allowed values [...]']
 */
export function contractProblems(method: string, path: string, answer: HttpAnswer): string[] {
  const pathname = new URL(path, 'http://service.invalid').pathname;
  if (openApiDocument.paths[pathname] === undefined) return [`the document describes no path ${pathname}`];
  const operation = documentedOperation(method, pathname);
  if (!operation) return [`the document describes no ${method.toUpperCase()} ${pathname}`];
  const status = String(answer.status);
  const described = operation.responses[status];
  if (described === undefined) {
    return [
      `status ${status} is not documented for ${method.toUpperCase()} ${pathname} (documented: ${Object.keys(operation.responses).join(', ')})`,
    ];
  }
  const operationPointer = jsonPointer(['paths', pathname, method.toLowerCase(), 'responses', status]);
  const response = resolveReference<ResponseObject>(described, operationPointer);
  const problems: string[] = [];

  const contentType = String(answer.headers['content-type'] ?? '');
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const media = response.value.content?.[mediaType];
  if (!media) {
    problems.push(
      `Content-Type "${contentType}" is not documented (documented: ${Object.keys(response.value.content ?? {}).join(', ') || 'no body'})`,
    );
  } else if (answer.json === undefined) {
    problems.push(`the body is not JSON: ${JSON.stringify(answer.text.slice(0, 200))}`);
  } else if (media.schema !== undefined) {
    const validate = schemaAt(`${response.pointer}${jsonPointer(['content', mediaType, 'schema'])}`);
    if (!validate(answer.json)) problems.push(...describeSchemaErrors(validate.errors, 'body'));
  }

  const documentedHeaders = response.value.headers ?? {};
  for (const [name, declared] of Object.entries(documentedHeaders)) {
    const header = resolveReference<HeaderObject>(declared, `${response.pointer}${jsonPointer(['headers', name])}`);
    const raw = answer.headers[name.toLowerCase()];
    if (raw === undefined) {
      if (header.value.required) problems.push(`header ${name} is missing (documented as always sent with ${status})`);
      continue;
    }
    if (Array.isArray(raw)) {
      problems.push(`header ${name} is sent ${raw.length} times`);
      continue;
    }
    const validate = schemaAt(`${header.pointer}/schema`);
    if (!validate(headerValue(raw, header.value.schema)))
      problems.push(...describeSchemaErrors(validate.errors, `header ${name} (${JSON.stringify(raw)})`));
  }
  // The service's own headers must not turn up where the document does not list them (Retry-After on a 401, …).
  for (const name of serviceHeaderNames()) {
    if (!(name in documentedHeaders) && answer.headers[name.toLowerCase()] !== undefined) {
      problems.push(`header ${name} is sent but not documented for ${status}`);
    }
  }
  return problems;
}

/**
 * Whether the document speaks for this answer: a JSON answer to a path and method it describes. Answers the
 * runtime gives before the function runs (its HTML or text pages), other paths (assets) and methods it does
 * not describe (PUT, DELETE and HEAD work locally only) are outside it.
 */
export function isDescribedByContract(method: string, url: string, answer: HttpAnswer): boolean {
  const json = /^application\/json\s*(;|$)/i.test(String(answer.headers['content-type'] ?? ''));
  return json && documentedOperation(method, url) !== undefined;
}

/**
 * Fails, with every difference listed, when the answer does not match the document's operation and status.
 * @example expectResponseMatchesContract('POST', '/token', await send(`${url}/token`, { json: {} }))
 */
export function expectResponseMatchesContract(method: string, path: string, answer: HttpAnswer): void {
  const problems = contractProblems(method, path, answer);
  if (problems.length === 0) return;
  throw new Error(
    `${method.toUpperCase()} ${path} answered ${answer.status}, which does not match src/assets/openapi.json:\n` +
      problems.map((problem) => `  - ${problem}\n`).join('') +
      `  body: ${answer.text.slice(0, 600)}`,
  );
}
