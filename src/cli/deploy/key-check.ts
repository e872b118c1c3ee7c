/**
 * Asks Twilio whether the signing key the service will use (TWILIO_API_KEY_SID/TWILIO_API_KEY_SECRET) is valid, belongs
 * to the account deployed to, and may sign Access Tokens: one GET of the account's Balance, which a Standard key may
 * read, authenticated with that pair, on the API host of the key's own region (a key is refused by every other region:
 * twilio/hosts.ts). A wrong pair is the most common reason Twilio refuses every token a service mints.
 *
 * A Restricted key cannot sign Access Tokens (Twilio error 20160; twilio.com/docs/iam/api-keys/restricted-api-keys).
 * Twilio's one read that tells a key's type is IAM's `GET /v1/Keys/{SK}`: `policy` is null for a Standard key and the
 * permission list for a Restricted one (twilio.com/docs/iam/api-keys/key-resource-v1). Only the account's credentials or
 * a Main key may make it, so it is asked with the deploy credentials when they can; otherwise (a Standard deploy key,
 * or doctor without credentials) a Restricted key is still found when Twilio authenticates it but refuses it the
 * Balance with error 70051 (Authorization Failed), which a Standard or Main key never gets there. A Restricted key that
 * was granted the Balance read passes that fallback: the IAM read is the one that always tells.
 */
import { resolveDeployCredentials } from './credentials';
import type { DeployCredentials } from './serverless';
import { requestThroughProxy } from '../twilio/http-through-proxy';
import { HostLocationError, regionalHost } from '../twilio/hosts';

export type KeyCheck =
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly fix: string; readonly variable?: string };

/** Twilio's "Authorization Failed": authenticated, but not allowed this resource (twilio.com/docs/api/errors/70051). */
const AUTHORIZATION_FAILED = 70051;

interface SigningKey {
  /** The account the service is deployed to, which the key must belong to. */
  readonly accountSid: string;
  readonly keySid: string;
  readonly keySecret: string;
  /** TWILIO_REGION of the service (unset: us1): the region the key must belong to. */
  readonly region?: string | undefined;
  /** TWILIO_EDGE from the environment: the edge its API host is reached through (default: the region's). */
  readonly edge?: string | undefined;
  /** Credentials that may read the account's keys (the account's, or a Main key): then IAM tells the key's type. */
  readonly manager?: Pick<DeployCredentials, 'username' | 'password'> | undefined;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function parsed(text: string): { account_sid?: unknown; code?: unknown; policy?: unknown; sid?: unknown } {
  try {
    return JSON.parse(text) as ReturnType<typeof parsed>;
  } catch {
    return {}; // not JSON: judged by the status alone
  }
}

const where = (region: string | undefined) => (region && region !== 'us1' ? ` in region ${region}` : '');

function restricted(key: { readonly region?: string | undefined }): Extract<KeyCheck, { ok: false }> {
  return {
    ok: false,
    message: `TWILIO_API_KEY_SID is a Restricted API key, and Twilio refuses every Access Token a Restricted key signs (error 20160)`,
    fix: `create a Standard API key${where(key.region)} (Console > Account management > API keys, key type Standard) and set TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to it`,
  };
}

/** IAM's answer on the key's type: 'restricted', 'signing' (policy null), or undefined when these credentials may not ask. */
async function keyTypeFromIam(key: SigningKey, iamHost: string): Promise<'restricted' | 'signing' | undefined> {
  if (!key.manager) return undefined;
  try {
    const answer = await requestThroughProxy(`https://${iamHost}/v1/Keys/${encodeURIComponent(key.keySid)}`, {
      headers: { authorization: basic(key.manager.username, key.manager.password) },
    });
    if (answer.status !== 200) return undefined; // a Standard deploy key may not read keys: the Balance answer stands
    const body = parsed(answer.text);
    if (body.sid !== key.keySid) return undefined;
    return body.policy !== null && body.policy !== undefined ? 'restricted' : 'signing';
  } catch {
    return undefined;
  }
}

/**
 * `retry` is what the user runs again after a passing fault ('deploy again', 'npm run doctor -- --online again').
 * @example await checkSigningKey({ accountSid: 'AC…', keySid: 'SK…', keySecret, region: 'ie1' }, 'deploy again') // { ok: true }
 */
async function checkSigningKey(key: SigningKey, retry: string): Promise<KeyCheck> {
  const { accountSid, keySid, keySecret } = key;
  let apiHost: string;
  let iamHost: string;
  try {
    apiHost = regionalHost('api', key);
    iamHost = regionalHost('iam', key);
  } catch (error) {
    if (!(error instanceof HostLocationError)) throw error;
    return { ok: false, variable: error.variable, message: error.message, fix: error.fix };
  }
  const url = `https://${apiHost}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Balance.json`;
  let answer;
  try {
    answer = await requestThroughProxy(url, { headers: { authorization: basic(keySid, keySecret) } });
  } catch (error) {
    return {
      ok: false,
      message: `could not ask Twilio about the signing key: ${(error as Error).message}`,
      fix: `check the network (and HTTP_PROXY), then ${retry}`,
    };
  }
  const verdict = judgeKeyCheckAnswer(answer, accountSid, retry, { region: key.region, apiHost });
  if (!verdict.ok) return verdict;
  return (await keyTypeFromIam(key, iamHost)) === 'restricted' ? restricted(key) : verdict;
}

/**
 * What Twilio's answer to the Balance read says about the key, in words that say what happened: a refusal (401, 403,
 * 404), a Restricted key (authenticated but refused with 70051), a 200 that is not this account's Balance, or another
 * status with Twilio's error code. `where` names the key's region and the host asked, for the refusal's fix.
 * @example judgeKeyCheckAnswer({ status: 400, text: '{"code":20001}' }, 'AC…', 'deploy again').ok // false
 */
export function judgeKeyCheckAnswer(
  answer: { readonly status: number; readonly text: string },
  accountSid: string,
  retry: string,
  where: { readonly region?: string | undefined; readonly apiHost?: string } = {},
): KeyCheck {
  const body = parsed(answer.text);
  if (answer.status === 200 && body.account_sid === accountSid) return { ok: true };
  const code = typeof body.code === 'number' ? ` (error ${body.code})` : '';
  if ((answer.status === 401 || answer.status === 403) && body.code === AUTHORIZATION_FAILED) return restricted(where);
  if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
    const regional =
      where.region && where.region !== 'us1'
        ? `; a key belongs to one region: create it with the Console's region set to ${where.region}${where.apiHost ? ` (asked at ${where.apiHost})` : ''}`
        : '';
    return {
      ok: false,
      message: `Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for account ${accountSid}${code}: the secret is not this key's, the key was deleted, or it belongs to another account; every token the service signed would be refused`,
      fix: `set TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to one key of account ${accountSid} (Console: Admin > Account management > API keys & tokens; a secret is shown once, so create a new key if it is lost)${regional}`,
    };
  }
  if (answer.status === 200) {
    // Not a refusal, and not a confirmation either: say which, rather than "answered with HTTP 200".
    return {
      ok: false,
      message:
        typeof body.account_sid === 'string'
          ? `the signing-key check got the Balance of another account than ${accountSid}, so the key could not be confirmed for it`
          : `the signing-key check got HTTP 200 but not Twilio's answer (no account Balance in it: a proxy or captive portal?), so the key could not be confirmed`,
      fix: `check HTTP_PROXY and the network, then ${retry}`,
    };
  }
  return {
    ok: false,
    message: `Twilio answered the signing-key check with HTTP ${answer.status}${code}, so the key could not be confirmed`,
    fix: `${retry}; if it persists, check https://status.twilio.com`,
  };
}

/**
 * Credentials in the environment that may read the account's keys, for doctor (it has no deploy credentials of its
 * own): the ones npm run deploy would use, or none.
 */
function managerFromEnvironment(env: NodeJS.ProcessEnv): DeployCredentials | undefined {
  try {
    return resolveDeployCredentials([], { username: '', password: '' }, env);
  } catch {
    return undefined;
  }
}

/**
 * `npm run doctor -- --online`: the same check on the variables of an env file, printed as the doctor prints.
 * Exit status 0 when Twilio accepts the pair for TWILIO_ACCOUNT_SID, 1 otherwise.
 */
export async function printSigningKeyCheck(
  variables: Readonly<Record<string, string>>,
  say: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const accountSid = variables['TWILIO_ACCOUNT_SID'];
  const keySid = variables['TWILIO_API_KEY_SID'];
  const keySecret = variables['TWILIO_API_KEY_SECRET'];
  if (!accountSid || !keySid || !keySecret) {
    say('✗ TWILIO_API_KEY_SID: --online needs TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET\n  fix: set all three');
    return 1;
  }
  const location = { region: variables['TWILIO_REGION'], edge: env['TWILIO_EDGE'] };
  const check = await checkSigningKey(
    { accountSid, keySid, keySecret, ...location, manager: managerFromEnvironment(env) },
    'npm run doctor -- --online again',
  );
  if (check.ok) {
    say(`  online:   Twilio accepts TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for ${accountSid}`);
    return 0;
  }
  say(refusalLine(check));
  return 1;
}

/**
 * Step 4 of npm run deploy: the signing key among the variables to deploy, checked with Twilio itself when both
 * halves are set. false when Twilio refuses it, with the refusal printed.
 */
export async function signingKeyAccepted(options: {
  readonly accountSid: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly say: (line: string) => void;
  /** The deploy credentials: when they may read keys (the account's, a Main key), IAM tells the key's type. */
  readonly manager?: Pick<DeployCredentials, 'username' | 'password'>;
  /** Where TWILIO_EDGE is read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}): Promise<boolean> {
  const { accountSid, variables, say, manager, env = process.env } = options;
  const keySid = variables['TWILIO_API_KEY_SID'];
  const keySecret = variables['TWILIO_API_KEY_SECRET'];
  if (!keySid || !keySecret) return true;
  const check = await checkSigningKey(
    {
      accountSid,
      keySid,
      keySecret,
      region: variables['TWILIO_REGION'],
      edge: env['TWILIO_EDGE'],
      manager,
    },
    'deploy again',
  );
  if (check.ok) return true;
  say(`deploy: refused; nothing was changed on Twilio:`);
  say(refusalLine(check));
  return false;
}

function refusalLine(check: Extract<KeyCheck, { ok: false }>): string {
  return `✗ ${check.variable ?? 'TWILIO_API_KEY_SID'}: ${check.message}\n  fix: ${check.fix}`;
}
