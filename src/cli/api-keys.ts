/**
 * An account's API keys, managed through Twilio's Key resource v2010 (`/2010-04-01/Accounts/{AC}/Keys`) on the API host
 * of the keys' region, with the account's credentials or a Main key (a Standard key may not manage keys:
 * twilio.com/docs/usage/api/keys). The new key's secret is answered once, by create, and kept in memory only.
 */
import type { DeployCredentials } from './deploy/serverless';
import { TwilioRequestError } from './deploy/serverless';
import { requestThroughProxy, type PlainResponse } from './twilio/http-through-proxy';
import { regionalHost, type KeyLocation } from './twilio/hosts';

export interface ApiKey {
  readonly sid: string;
  readonly friendlyName: string;
}

export interface CreatedApiKey extends ApiKey {
  readonly secret: string;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function bodyOf(answer: PlainResponse): Record<string, unknown> {
  try {
    const parsed = JSON.parse(answer.text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class ApiKeys {
  /** The API host of the keys' region, e.g. api.dublin.ie1.twilio.com. */
  readonly host: string;
  private readonly base: string;

  constructor(
    private readonly credentials: Pick<DeployCredentials, 'username' | 'password'>,
    readonly accountSid: string,
    location: KeyLocation,
  ) {
    this.host = regionalHost('api', location);
    this.base = `https://${this.host}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Keys`;
  }

  private async call(operation: string, url: string, method: 'GET' | 'POST' | 'DELETE', form?: Record<string, string>) {
    let answer: PlainResponse;
    try {
      answer = await requestThroughProxy(url, {
        method,
        headers: {
          authorization: basic(this.credentials.username, this.credentials.password),
          ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(form && { body: new URLSearchParams(form).toString() }),
      });
    } catch (error) {
      throw new TwilioRequestError({ operation, status: 0, detail: `no answer from Twilio (${(error as Error).message})` });
    }
    const body = bodyOf(answer);
    if (answer.status >= 200 && answer.status < 300) return body;
    const code = typeof body['code'] === 'number' ? body['code'] : undefined;
    const message = typeof body['message'] === 'string' ? body['message'] : `HTTP ${answer.status}`;
    throw new TwilioRequestError({ operation, status: answer.status, code, detail: code ? `Twilio error ${code}: ${message}` : message });
  }

  /** Every key of the account in this region (one page of 1,000: far more than an account keeps). */
  async list(): Promise<ApiKey[]> {
    const page = await this.call('GET Keys', `${this.base}.json?PageSize=1000`, 'GET');
    const keys = Array.isArray(page['keys']) ? (page['keys'] as { sid?: unknown; friendly_name?: unknown }[]) : [];
    return keys.flatMap((key) =>
      typeof key.sid === 'string' ? [{ sid: key.sid, friendlyName: typeof key.friendly_name === 'string' ? key.friendly_name : '' }] : [],
    );
  }

  /** A new Standard key (v2010 makes no other type); its secret is in the answer and nowhere else. */
  async create(friendlyName: string): Promise<CreatedApiKey> {
    const key = await this.call('POST Keys', `${this.base}.json`, 'POST', { FriendlyName: friendlyName });
    if (typeof key['sid'] !== 'string' || typeof key['secret'] !== 'string') {
      throw new TwilioRequestError({ operation: 'POST Keys', status: 201, detail: 'Twilio answered without the new key SID and secret' });
    }
    return { sid: key['sid'], secret: key['secret'], friendlyName };
  }

  async remove(sid: string): Promise<void> {
    await this.call(`DELETE Keys/${sid}`, `${this.base}/${encodeURIComponent(sid)}.json`, 'DELETE');
  }

  /** Whether Twilio accepts this pair for the account now: the Balance read any Standard key may make. */
  async accepts(sid: string, secret: string): Promise<boolean> {
    const url = `https://${this.host}/2010-04-01/Accounts/${encodeURIComponent(this.accountSid)}/Balance.json`;
    const answer = await requestThroughProxy(url, { headers: { authorization: basic(sid, secret) } });
    return answer.status === 200 && bodyOf(answer)['account_sid'] === this.accountSid;
  }
}
