/**
 * src/assets/openapi.json, checked as a document and against the code it describes: valid OpenAPI 3.1, every
 * schema valid JSON Schema, every example true, and no drift from ERROR_STATUS, the request parser's fields,
 * the limits, the 200 body and the health report.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintAccessToken } from '../../src/lib/token/access-token';
import { parseConfig, type ServiceConfig } from '../../src/lib/config/service-config';
import { ERROR_STATUS } from '../../src/lib/base/errors';
import { GRANT_NAMES } from '../../src/lib/token/grant-names';
import { healthReportFor } from '../../src/lib/endpoints/health-report';
import { MAX_IDENTITY_BYTES } from '../../src/lib/token/identity';
import { MAX_ROOM_NAME_LENGTH, TTL_CEILING_SECONDS, TTL_FLOOR_SECONDS } from '../../src/lib/token/limits';
import { CREDENTIAL_FIELD_NAMES, parseTokenRequestFields, type BodyKind } from '../../src/lib/token/request';
import { environmentFor, newCredentials } from '../helpers/fixtures';
import type { HttpAnswer } from '../helpers/http';
import {
  contractProblems,
  describeSchemaErrors,
  jsonPointer,
  OPENAPI_FILE,
  openApiDocument as doc,
  resolveReference,
  schemaAt,
  type OperationObject,
} from '../helpers/openapi-contract';

const root = join(__dirname, '..', '..');
type Json = Record<string, any>;
const component = (kind: string, name: string): Json => doc.components[kind]![name] as Json;
const schema = (name: string): Json => component('schemas', name);
const operation = (method: string, path: string): OperationObject => doc.paths[path]![method] as OperationObject;

/** The code enum of one response, following the $refs from the operation to the schema. */
function documentedCodes(op: OperationObject, status: string): string[] {
  const response = resolveReference<Json>(op.responses[status]!, '').value;
  const body = resolveReference<Json>(response.content['application/json'].schema, '').value;
  return [...body.properties.error.properties.code.enum].sort();
}

/** ERROR_STATUS as status -> sorted codes: the one table the document must repeat exactly. */
function codesByStatus(): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [code, status] of Object.entries(ERROR_STATUS))
    grouped.set(String(status), [...(grouped.get(String(status)) ?? []), code].sort());
  return grouped;
}

/**
 * The field names parseTokenRequestFields reads, observed rather than listed: the body is a Proxy that
 * records every property read or test. A field the parser starts reading is then a field the document lacks.
 */
function fieldsTheParserReads(): string[] {
  const read = new Set<string>();
  const kinds: BodyKind[] = ['json', 'form', 'none'];
  for (const kind of kinds) {
    const body = new Proxy({} as Record<string, unknown>, {
      get: (_target, name) => (typeof name === 'string' && read.add(name), undefined),
      has: (_target, name) => (typeof name === 'string' && read.add(name), false),
    });
    parseTokenRequestFields(body, kind);
  }
  return [...read].sort();
}

describe('the document', () => {
  it('is valid OpenAPI 3.1 by @seriousme/openapi-schema-validator (run in a child node: the package is ESM only)', async () => {
    const script =
      "import { Validator } from '@seriousme/openapi-schema-validator';" +
      'const validator = new Validator();' +
      'const result = await validator.validate(process.argv[1]);' +
      'process.stdout.write(JSON.stringify({ ...result, version: validator.version }));';
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script, OPENAPI_FILE], { cwd: root }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(JSON.parse(output)).toEqual({ valid: true, version: '3.1' });
  });

  it('is OpenAPI 3.1.x, and info.version is the package version', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('holds only valid JSON Schema 2020-12 (ajv strict), which the OpenAPI validator does not check', () => {
    const pointers = [
      ...Object.keys(doc.components.schemas!).map((name) => jsonPointer(['components', 'schemas', name])),
      ...Object.keys(doc.components.headers!).map((name) => jsonPointer(['components', 'headers', name, 'schema'])),
      ...Object.keys(doc.components.parameters!).map((name) => jsonPointer(['components', 'parameters', name, 'schema'])),
    ];
    expect(pointers.length).toBeGreaterThan(20);
    for (const pointer of pointers) expect(() => schemaAt(pointer)).not.toThrow();
  });

  it('has examples that all match their schemas', () => {
    const checked: string[] = [];
    const checkMedia = (content: Json, at: string[]) => {
      for (const [mediaType, media] of Object.entries<Json>(content)) {
        const validate = schemaAt(jsonPointer([...at, 'content', mediaType, 'schema']));
        for (const [name, example] of Object.entries<Json>(media.examples ?? {})) {
          checked.push(`${at.join('/')} ${name}`);
          expect({ example: name, problems: validate(example.value) ? [] : describeSchemaErrors(validate.errors, name) }).toEqual({
            example: name,
            problems: [],
          });
        }
      }
    };
    for (const [name, response] of Object.entries(doc.components.responses as Record<string, Json>))
      checkMedia(response.content, ['components', 'responses', name]);
    checkMedia((doc.paths['/token']!.post as Json).requestBody.content, ['paths', '/token', 'post', 'requestBody']);
    for (const [name, value] of Object.entries(doc.components.schemas as Record<string, Json>)) {
      for (const example of value.examples ?? []) expect(schemaAt(jsonPointer(['components', 'schemas', name]))(example)).toBe(true);
    }
    expect(checked.length).toBeGreaterThanOrEqual(Object.keys(doc.components.responses!).length);
  });
});

describe('error codes: the document repeats ERROR_STATUS exactly', () => {
  const expected = codesByStatus();

  it('POST /token documents 200 and every status of ERROR_STATUS, each with exactly its codes', () => {
    const post = operation('post', '/token');
    expect(Object.keys(post.responses).sort()).toEqual(['200', ...expected.keys()].sort());
    for (const [status, codes] of expected) expect({ status, codes: documentedCodes(post, status) }).toEqual({ status, codes });
  });

  it('GET /token (no body) documents the same, except 415: a request without a body has no media type to refuse', () => {
    const get = operation('get', '/token');
    expect(Object.keys(get.responses).sort()).toEqual(['200', ...[...expected.keys()].filter((status) => status !== '415')].sort());
    for (const status of Object.keys(get.responses).filter((s) => s !== '200')) {
      expect({ status, codes: documentedCodes(get, status) }).toEqual({ status, codes: expected.get(status) });
    }
  });

  it('401 bodies list the schemes, other errors do not', () => {
    for (const status of expected.keys()) {
      const response = resolveReference<Json>(operation('post', '/token').responses[status]!, '').value;
      const error = resolveReference<Json>(response.content['application/json'].schema, '').value.properties.error;
      expect({ status, schemes: 'schemes' in error.properties }).toEqual({ status, schemes: status === '401' });
    }
  });
});

describe('request fields: the document lists exactly what the parser reads', () => {
  const parserFields = fieldsTheParserReads();
  const isCredentialField = (name: string) => CREDENTIAL_FIELD_NAMES.includes(name.toLowerCase());

  it('the recording body sees the parser’s reads (so a parser that read fields another way fails here, not silently)', () => {
    expect(parserFields).toEqual(['access_token', 'grants', 'identity', 'password', 'room', 'ttl', 'username']);
  });

  it('the JSON and form bodies document every field the parser reads, and no other', () => {
    const content = (doc.paths['/token']!.post as Json).requestBody.content as Json;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    for (const media of Object.values<Json>(content)) {
      expect(Object.keys(resolveReference<Json>(media.schema, '').value.properties).sort()).toEqual(parserFields);
    }
  });

  it('the query string documents every field except credentials, which are refused there', () => {
    const parameters = ((doc.paths['/token']!.parameters as Json[]) ?? []).map((parameter) => resolveReference<Json>(parameter, '').value);
    expect(parameters.every((parameter) => parameter.in === 'query')).toBe(true);
    expect(parameters.map((parameter) => parameter.name).sort()).toEqual(parserFields.filter((name) => !isCredentialField(name)));
  });

  it('the limits are the code’s', () => {
    expect(schema('GrantName').enum).toEqual([...GRANT_NAMES]);
    expect(schema('GrantList').maxItems).toBe(GRANT_NAMES.length);
    expect(schema('Identity').maxLength).toBe(MAX_IDENTITY_BYTES);
    expect(schema('Room').maxLength).toBe(MAX_ROOM_NAME_LENGTH);
    expect(schema('IssuedToken').properties.room.maxLength).toBe(MAX_ROOM_NAME_LENGTH);
    expect(schema('IssuedToken').properties.ttl).toMatchObject({ minimum: TTL_FLOOR_SECONDS, maximum: TTL_CEILING_SECONDS });
  });
});

describe('answers built by the code match their schemas', () => {
  let config: ServiceConfig;
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await environmentFor(newCredentials(['alice']), {
      TOKEN_GRANTS: 'video,voice,chat,sync',
      VOICE_INCOMING_ALLOW: 'true',
      CONVERSATIONS_SERVICE_SID: `IS${'0'.repeat(32)}`,
      OIDC_ISSUER: 'https://id.example.com',
      OIDC_AUDIENCE: 'app',
      OIDC_IDENTITY_PREFIX: 'idp:',
    });
    const parsed = parseConfig(env);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    config = parsed.config;
  });

  const expectSchemaMatch = (name: string, value: object) => {
    const validate = schemaAt(jsonPointer(['components', 'schemas', name]));
    expect(validate(value) ? [] : describeSchemaErrors(validate.errors, name)).toEqual([]);
  };

  it('the 200 body (mintAccessToken) has exactly the documented fields', () => {
    const issued = mintAccessToken(config, { identity: 'alice', grants: ['video', 'chat'], room: 'standup', ttl: 600 }, Date.now());
    expect(Object.keys(issued).sort()).toEqual(Object.keys(schema('IssuedToken').properties).sort());
    expectSchemaMatch('IssuedToken', issued);
  });

  it('the health report of a valid configuration has exactly the fields of HealthOk, and every auth scheme is documented', () => {
    const report = healthReportFor(parseConfig(env));
    expect(report.status).toBe('ok');
    // `throttle` and `revocations` are there only with THROTTLE_SYNC_SERVICE_SID (checked against the schema in the Sync
    // suites), and `placeholders` only with placeholder credentials (below).
    expect(Object.keys(report).sort()).toEqual(
      Object.keys(schema('HealthOk').properties)
        .filter((key) => key !== 'throttle' && key !== 'revocations' && key !== 'placeholders')
        .sort(),
    );
    expect(Object.keys(report).sort()).toEqual([...schema('HealthOk').required].sort());
    expect(report.status === 'ok' && [...report.authSchemes].sort()).toEqual([...schema('AuthScheme').enum].sort());
    expectSchemaMatch('HealthOk', report);
  });

  it('the health report of a configuration with placeholder credentials names them in `placeholders`, as HealthOk documents', () => {
    const withPlaceholders = { ...env, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_API_KEY_SID: `SK${'0'.repeat(32)}` };
    const report = healthReportFor(parseConfig(withPlaceholders), withPlaceholders);
    // The suite's CONVERSATIONS_SERVICE_SID is IS000…0, a placeholder too.
    expect(report).toMatchObject({ status: 'ok', placeholders: ['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY_SID', 'CONVERSATIONS_SERVICE_SID'] });
    expectSchemaMatch('HealthOk', report);
  });

  it('the health report of a broken configuration has exactly the fields of HealthMisconfigured and ConfigProblem', () => {
    const report = healthReportFor(parseConfig({ TWILIO_API_KEY_SID: 'SKnot-a-sid' }));
    expect(report.status).toBe('misconfigured');
    expect(Object.keys(report).sort()).toEqual(Object.keys(schema('HealthMisconfigured').properties).sort());
    if (report.status !== 'misconfigured') return;
    for (const problem of report.problems)
      expect(Object.keys(problem).sort()).toEqual(Object.keys(schema('ConfigProblem').properties).sort());
    expectSchemaMatch('HealthMisconfigured', report);
  });
});

describe('the contract check fails when an answer differs from the document', () => {
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    vary: 'Origin',
  };
  const answer = (status: number, json: unknown, extra: Record<string, string> = {}): HttpAnswer => ({
    status,
    headers: { ...headers, ...extra },
    text: JSON.stringify(json),
    json,
  });
  const unauthorized = { error: { code: 'missing_credentials', message: 'send credentials', schemes: ['basic'] } };
  const challenge = { 'www-authenticate': 'Basic realm="twilio-access-token", charset="UTF-8"' };

  it('accepts a matching answer', () => {
    expect(contractProblems('POST', '/token', answer(401, unauthorized, challenge))).toEqual([]);
  });

  it.each([
    [
      'a code documented under another status',
      answer(401, { error: { ...unauthorized.error, code: 'invalid_ttl' } }, challenge),
      /code: must be equal to one of the allowed values/,
    ],
    [
      'an undocumented field',
      answer(401, { error: { ...unauthorized.error, hint: 'x' } }, challenge),
      /has "hint", which is not documented/,
    ],
    [
      'a 401 without schemes',
      answer(401, { error: { code: 'missing_credentials', message: 'x' } }),
      /must have required property 'schemes'/,
    ],
    ['a required header missing', answer(429, { error: { code: 'too_many_attempts', message: 'x' } }), /header Retry-After is missing/],
    [
      'a header with another value',
      answer(401, unauthorized, { ...challenge, 'cache-control': 'max-age=60' }),
      /header Cache-Control .*must be equal to constant/,
    ],
    [
      'a service header where it is not documented',
      answer(400, { error: { code: 'invalid_ttl', message: 'x' } }, { 'retry-after': '5' }),
      /Retry-After is sent but not documented/,
    ],
    ['an undocumented status', answer(405, { error: { code: 'method_not_allowed', message: 'x' } }), /status 405 is not documented/],
    ['a body that is not JSON', { ...answer(400, undefined), text: '<html>', json: undefined }, /not JSON/],
    ['another content type', answer(200, {}, { 'content-type': 'text/html' }), /Content-Type "text\/html" is not documented/],
  ] as const)('%s', (_name, wrong, problem) => {
    expect(contractProblems('POST', '/token', wrong).join('\n')).toMatch(problem);
  });

  it('an undocumented method or path', () => {
    expect(contractProblems('DELETE', '/token', answer(401, unauthorized))).toEqual(['the document describes no DELETE /token']);
    expect(contractProblems('GET', '/tokens', answer(401, unauthorized))).toEqual(['the document describes no path /tokens']);
  });
});
