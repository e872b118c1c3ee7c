/**
 * The Serverless API as the deploy uses it: @twilio-labs/serverless-api's client (the one twilio-run drives, with
 * its HTTP_PROXY support and 429 retries), in this process, so the credentials stay in memory: no file, no argv.
 */
import { TwilioServerlessApiClient, type ClientConfig } from '@twilio-labs/serverless-api';

export interface DeployCredentials {
  /** An Account SID or an API key SID (SK…). */
  readonly username: string;
  readonly password: string;
  /** Where they came from, for messages: e.g. "TWILIO_API_KEY/TWILIO_API_SECRET". */
  readonly source: string;
}

/** A refusal from Twilio (code and message, never a credential) or a connection that failed. */
export class TwilioRequestError extends Error {
  readonly operation: string;
  /** HTTP status; 0 when no answer arrived (connection cut, timeout). */
  readonly status: number;
  /** Twilio's error code (20003, 20404, …) when it answered with one. */
  readonly code: number | undefined;

  constructor(refusal: {
    readonly operation: string;
    readonly status: number;
    readonly code?: number | undefined;
    readonly detail: string;
  }) {
    super(`${refusal.operation}: ${refusal.detail}`);
    this.operation = refusal.operation;
    this.status = refusal.status;
    this.code = refusal.code;
  }
}

/** Twilio's refusals, named by cause for the user: a wrong credential is not a taken name. */
export function describeTwilioError(error: TwilioRequestError, credentials: DeployCredentials): string {
  if (error.code === 20003 || error.status === 401) {
    return `Twilio refused the deploy credentials (${credentials.source}) with error 20003 (Authenticate): the secret does not belong to that SID, or it was revoked`;
  }
  return error.message;
}

type Form = Record<string, string | boolean | readonly string[]>;

/** One list page of up to 1,000 items (the API's maximum PageSize): more than this project ever has. */
const PAGE = 'PageSize=1000';

export class ServerlessApi {
  readonly client: TwilioServerlessApiClient;
  /** The client's configuration, which serverless-api's upload functions take to find the upload host. */
  readonly config: ClientConfig;

  constructor(credentials: DeployCredentials, location: { region?: string; edge?: string } = {}) {
    this.config = {
      username: credentials.username,
      password: credentials.password,
      ...(location.region !== undefined && { region: location.region }),
      ...(location.edge !== undefined && { edge: location.edge }),
    };
    this.client = new TwilioServerlessApiClient(this.config);
  }

  private async call<T>(method: 'get' | 'post' | 'delete', path: string, form?: Form): Promise<T> {
    try {
      const options = form ? { form: toSearchParams(form) } : {};
      const response = await this.client.request(method, path, options as Parameters<TwilioServerlessApiClient['request']>[2] & object);
      return response.body as T;
    } catch (error) {
      throw asRequestError(`${method.toUpperCase()} ${path.replace(/\?.*$/, '')}`, error);
    }
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('get', path);
  }

  async list<T>(path: string, key: string): Promise<T[]> {
    const page = await this.get<Record<string, T[]>>(`${path}?${PAGE}`);
    return page[key] ?? [];
  }

  post<T>(path: string, form: Form): Promise<T> {
    return this.call<T>('post', path, form);
  }

  delete(path: string): Promise<void> {
    return this.call<void>('delete', path);
  }
}

function toSearchParams(form: Form): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return params;
}

/** got's errors carry the response; only Twilio's code and message are kept (they hold no secret). */
export function asRequestError(operation: string, error: unknown): TwilioRequestError {
  if (error instanceof TwilioRequestError) return error;
  const {
    response,
    code: errorCode,
    message,
  } = error as { response?: { statusCode?: number; body?: unknown }; code?: unknown; message?: unknown };
  if (response?.statusCode) {
    let body = response.body as { code?: unknown; message?: unknown } | string | undefined;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body) as { code?: unknown; message?: unknown };
      } catch {
        body = undefined;
      }
    }
    const code = typeof body === 'object' && typeof body?.code === 'number' ? body.code : undefined;
    const text = typeof body === 'object' && typeof body?.message === 'string' ? body.message : `HTTP ${response.statusCode}`;
    return new TwilioRequestError({ operation, status: response.statusCode, code, detail: code ? `Twilio error ${code}: ${text}` : text });
  }
  const reason = typeof errorCode === 'string' ? errorCode : typeof message === 'string' ? message : 'no answer';
  return new TwilioRequestError({ operation, status: 0, detail: `no answer from Twilio (${reason})` });
}
