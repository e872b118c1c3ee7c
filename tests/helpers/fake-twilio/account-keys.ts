/**
 * Who may call the stand-in: the account and its API keys, each key of one type and one region, checked as Twilio
 * checks Basic auth. Twilio's docs ("REST API: Key Resource v1", "Create API keys in Twilio Console"): Main keys act as
 * the account and may manage keys; Standard keys reach every API except Accounts and Keys; Restricted keys reach only
 * what their policy allows and cannot sign Access Tokens (error 20160); keys are region-specific ("Manage Regional API
 * Credentials"). A deleted key stops authenticating at once.
 */
import { randomBytes } from 'node:crypto';
import { basicPair, secretsEqual } from './basic-auth';
import { ApiRefusal } from './twilio-errors';

export interface FakeCredentials {
  /** AC…: the account; valid as a Basic username with `authToken` (in every region: a simplification, see README). */
  accountSid: string;
  authToken: string;
  /** SK…: a Standard API key of us1, valid as a Basic username with `apiKeySecret`. */
  apiKeySid: string;
  apiKeySecret: string;
}

/** Random credentials (never a real one) for a stand-in, with the given ones kept. */
export function throwawayCredentials(given: Partial<FakeCredentials> = {}): FakeCredentials {
  const hex = () => randomBytes(16).toString('hex');
  return { accountSid: `AC${hex()}`, authToken: hex(), apiKeySid: `SK${hex()}`, apiKeySecret: hex(), ...given };
}

export type FakeKeyType = 'standard' | 'main' | 'restricted';

export interface ApiKeyOptions {
  /** Default: the stand-in's account. */
  readonly accountSid?: string;
  /** Default standard. */
  readonly type?: FakeKeyType;
  /** Default us1. */
  readonly region?: string;
  readonly friendlyName?: string;
}

/** An API key the stand-in knows. */
export interface ApiKeyRecord {
  readonly sid: string;
  readonly secret: string;
  readonly accountSid: string;
  readonly type: FakeKeyType;
  readonly region: string;
  friendlyName: string;
  readonly created: string;
  updated: string;
}

/** Who a request authenticated as, in a region. */
export type Caller = { readonly kind: 'account'; readonly accountSid: string } | { readonly kind: 'key'; readonly key: ApiKeyRecord };

const refusal = (user?: string) => new ApiRefusal('authenticate', 'Authenticate', { user: user?.slice(0, 2) ?? null });

export class AccountKeys {
  private readonly apiKeys = new Map<string, ApiKeyRecord>();

  constructor(private readonly credentials: FakeCredentials) {
    this.add(credentials.apiKeySid, credentials.apiKeySecret, {});
  }

  /** Registers an API key (SK…) with its secret, the account it belongs to, its type and region. */
  add(sid: string, secret: string, options: ApiKeyOptions): ApiKeyRecord {
    const accountSid = options.accountSid ?? this.credentials.accountSid;
    if (!/^SK[0-9a-f]{32}$/.test(sid) || !/^AC[0-9a-f]{32}$/.test(accountSid) || !secret) {
      throw new Error('addApiKey needs an SK… SID, a non-empty secret and an AC… account SID');
    }
    const now = new Date().toUTCString();
    const record: ApiKeyRecord = {
      sid,
      secret,
      accountSid,
      type: options.type ?? 'standard',
      region: options.region ?? 'us1',
      friendlyName: options.friendlyName ?? sid,
      created: now,
      updated: now,
    };
    this.apiKeys.set(sid, record);
    return record;
  }

  /** A new Standard key of the account in a region: its secret is answered once, by the create call. */
  create(accountSid: string, region: string, friendlyName: string): ApiKeyRecord {
    return this.add(`SK${randomBytes(16).toString('hex')}`, randomBytes(24).toString('base64url'), {
      accountSid,
      region,
      friendlyName,
    });
  }

  /** The keys of an account in a region, oldest first. */
  list(accountSid: string, region: string): ApiKeyRecord[] {
    return [...this.apiKeys.values()].filter((key) => key.accountSid === accountSid && key.region === region);
  }

  find(sid: string, accountSid: string, region: string): ApiKeyRecord | undefined {
    const key = this.apiKeys.get(sid);
    return key && key.accountSid === accountSid && key.region === region ? key : undefined;
  }

  remove(sid: string): void {
    this.apiKeys.delete(sid);
  }

  /**
   * Who the Authorization header is in `region`: the account with its auth token, or a key of that region with its
   * secret; 401/20003 otherwise (a key of another region is unknown there: regions are isolated). Both comparisons
   * run, so timing does not tell which kind of username was recognised.
   */
  caller(header: string | undefined, region: string): Caller {
    const pair = basicPair(header);
    if (!pair) throw refusal();
    const { accountSid, authToken } = this.credentials;
    const key = this.apiKeys.get(pair.user);
    const accountOk = [secretsEqual(pair.user, accountSid), secretsEqual(pair.password, authToken)].every(Boolean);
    const keyOk = [secretsEqual(pair.password, key?.secret ?? ''), key?.region === region].every(Boolean) && key !== undefined;
    if (accountOk) return { kind: 'account', accountSid };
    if (keyOk) return { kind: 'key', key };
    throw refusal(pair.user);
  }

  /**
   * The Serverless API's check (a us1 host): the account, or a Standard or Main key of this account. A Restricted key
   * is authenticated but not authorized for Serverless in the stand-in: 401/70051.
   */
  authenticate(header: string | undefined): void {
    const caller = this.caller(header, 'us1');
    if (caller.kind === 'account') return;
    if (caller.key.accountSid !== this.credentials.accountSid) throw refusal(caller.key.sid);
    if (caller.key.type === 'restricted') throw new ApiRefusal('authorizationFailed', 'Authorization Failed');
  }

  /** Whether a caller may act for `accountSid` at all (its own account only). */
  static actsFor(caller: Caller, accountSid: string): boolean {
    return caller.kind === 'account' ? caller.accountSid === accountSid : caller.key.accountSid === accountSid;
  }
}
