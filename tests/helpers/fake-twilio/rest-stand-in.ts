/**
 * What the Video and Conversations stand-ins share: Basic auth as Twilio's REST APIs take it (the account SID with its
 * auth token, or the account's API key; anything else 401 with error 20003), urlencoded form bodies, Twilio's JSON
 * error shape, an outage a test can switch on (a status and code, optionally after a delay), and a record of each
 * request without its credential.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeCredentials } from './account-keys';
import { basicPair, secretsEqual } from './basic-auth';
import { parseUrlencoded, readBody } from './request-body';
import { ApiRefusal, twilioErrorBody, type TwilioErrorBody } from './twilio-errors';

export interface RestRequest {
  readonly method: string;
  /** Path and query string, as sent. */
  readonly path: string;
  readonly status: number;
  readonly code?: number;
}

/** An outage: the next `count` requests (default all) whose path matches answer this Twilio error. */
export interface RestFailure {
  readonly status: number;
  readonly code: number;
  readonly message?: string;
  readonly path?: RegExp;
  readonly delayMs?: number;
  readonly count?: number;
}

/** A route's answer: a JSON body (200, or `status`), or nothing (204 for a DELETE). */
export type RouteAnswer = { readonly status?: number; readonly body: object } | undefined;

/** A failure a test asked for, answered with the Twilio error body it gave. */
class InjectedFailure extends Error {
  constructor(readonly body: TwilioErrorBody) {
    super(body.message);
  }
}

export abstract class RestStandIn {
  private readonly recorded: RestRequest[] = [];
  private failure: (RestFailure & { remaining: number }) | undefined;

  constructor(
    protected readonly credentials: FakeCredentials,
    private readonly host: string,
  ) {}

  /** Makes the next matching requests fail; `undefined` ends the outage. */
  fail(failure: RestFailure | undefined): void {
    this.failure = failure && { ...failure, remaining: failure.count ?? Number.POSITIVE_INFINITY };
  }

  requests(): readonly RestRequest[] {
    return [...this.recorded];
  }

  /** The request's route: throws ApiRefusal for Twilio's refusals. */
  protected abstract route(method: string, url: URL, form: URLSearchParams): RouteAnswer;

  /** Handler for https://{host} inside the CONNECT proxy. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.answer(req, res);
  };

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `https://${this.host}`);
    let status = 200;
    let body: object | undefined;
    try {
      const form = parseUrlencoded(await readBody(req, 64 * 1024));
      this.authenticate(req.headers.authorization);
      const failure = this.failure;
      if (failure && failure.remaining > 0 && (!failure.path || failure.path.test(url.pathname))) {
        failure.remaining--;
        if (failure.delayMs) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
        throw new InjectedFailure({
          code: failure.code,
          message: failure.message ?? 'Service unavailable (stand-in outage)',
          more_info: `https://www.twilio.com/docs/errors/${failure.code}`,
          status: failure.status,
        });
      }
      const answer = this.route(method, url, form);
      status = answer ? (answer.status ?? 200) : 204;
      body = answer?.body;
    } catch (error) {
      const errorBody: TwilioErrorBody =
        error instanceof ApiRefusal
          ? twilioErrorBody(error.kind, error.message)
          : error instanceof InjectedFailure
            ? error.body
            : { code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 };
      status = errorBody.status;
      body = errorBody;
    }
    const code = status >= 400 ? (body as TwilioErrorBody).code : undefined;
    this.recorded.push(Object.freeze({ method, path: `${url.pathname}${url.search}`, status, ...(code !== undefined && { code }) }));
    if (res.destroyed) return;
    if (body === undefined) {
      res.writeHead(204).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...(code === 20003 && { 'www-authenticate': 'Basic realm="Twilio API"' }),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private authenticate(header: string | undefined): void {
    const pair = basicPair(header);
    const { accountSid, authToken, apiKeySid, apiKeySecret } = this.credentials;
    const ok =
      pair !== undefined &&
      ((secretsEqual(pair.user, apiKeySid) && secretsEqual(pair.password, apiKeySecret)) ||
        (secretsEqual(pair.user, accountSid) && secretsEqual(pair.password, authToken)));
    if (!ok) throw new ApiRefusal('authenticate', 'Authenticate');
  }
}
