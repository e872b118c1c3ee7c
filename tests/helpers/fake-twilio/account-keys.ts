/** Who may call the stand-in: the account, its API keys and keys of other accounts, checked as Twilio checks Basic auth. */
import { basicPair, secretsEqual } from './basic-auth';
import type { Reply } from './serverless-router';
import { ApiRefusal, notFound } from './twilio-errors';

export interface FakeCredentials {
  /** AC…: the account; valid as a Basic username with `authToken`. */
  accountSid: string;
  authToken: string;
  /** SK…: an API key, valid as a Basic username with `apiKeySecret`. */
  apiKeySid: string;
  apiKeySecret: string;
}

/** An API key the fake knows: its secret and the account it belongs to. */
interface ApiKeyRecord {
  readonly secret: string;
  readonly accountSid: string;
}

export class AccountKeys {
  private readonly apiKeys = new Map<string, ApiKeyRecord>();

  constructor(private readonly credentials: FakeCredentials) {
    this.apiKeys.set(credentials.apiKeySid, { secret: credentials.apiKeySecret, accountSid: credentials.accountSid });
  }

  /** Registers an API key (SK…) with its secret and the account it belongs to. */
  add(sid: string, secret: string, accountSid: string): void {
    if (!/^SK[0-9a-f]{32}$/.test(sid) || !/^AC[0-9a-f]{32}$/.test(accountSid) || !secret) {
      throw new Error('addApiKey needs an SK… SID, a non-empty secret and an AC… account SID');
    }
    this.apiKeys.set(sid, { secret, accountSid });
  }

  /** The Serverless API's check: the account with its auth token, or any key of this account with its secret. */
  authenticate(header: string | undefined): void {
    const refusal = new ApiRefusal('authenticate', 'Authenticate');
    const pair = basicPair(header);
    if (!pair) throw refusal;
    const { accountSid, authToken } = this.credentials;
    const key = this.apiKeys.get(pair.user);
    // Both comparisons run, so timing does not tell which kind of username was recognised.
    const accountOk = [secretsEqual(pair.user, accountSid), secretsEqual(pair.password, authToken)].every(Boolean);
    const keyOk = [secretsEqual(pair.password, key?.secret ?? ''), key?.accountSid === accountSid].every(Boolean) && key !== undefined;
    if (!accountOk && !keyOk) throw refusal;
  }

  /** `GET /2010-04-01/Accounts/{AC}/Balance.json` on api.twilio.com: any key reads the Balance of its own account only. */
  balance(method: string, url: URL, authorization: string | undefined): Reply {
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Balance\.json$/.exec(url.pathname);
    // Twilio authenticates before it routes: credentials that are not valid for the account in the URL get 20003.
    const pair = basicPair(authorization);
    const accountSid = match?.[1];
    const { accountSid: ownAccount, authToken } = this.credentials;
    const key = pair && this.apiKeys.get(pair.user);
    const accountOk = pair !== undefined && accountSid === ownAccount && pair.user === ownAccount && secretsEqual(pair.password, authToken);
    const keyOk = pair !== undefined && key !== undefined && secretsEqual(pair.password, key.secret) && key.accountSid === accountSid;
    if (!accountOk && !keyOk) throw new ApiRefusal('authenticate', 'Authenticate', { user: pair?.user.slice(0, 2) ?? null });
    if (!match) throw notFound(url.pathname);
    if (method !== 'GET') throw new ApiRefusal('methodNotAllowed', `Method ${method} not allowed on ${url.pathname}`);
    return { status: 200, body: { account_sid: accountSid, balance: '0.00', currency: 'USD' }, summary: { user: pair!.user } };
  }
}
