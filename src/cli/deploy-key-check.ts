/**
 * Asks Twilio whether the signing key the service will use (TWILIO_API_KEY_SID/TWILIO_API_KEY_SECRET) is valid and
 * belongs to the account deployed to: one GET of the account's Balance, which a Standard key may read, authenticated
 * with that pair. A wrong pair is the most common reason Twilio refuses every token a service mints.
 */
import { requestThroughProxy } from './http-through-proxy';

export type KeyCheck = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly fix: string };

interface SigningKey {
  /** The account the service is deployed to, which the key must belong to. */
  readonly accountSid: string;
  readonly keySid: string;
  readonly keySecret: string;
}

/** @example await checkSigningKey({ accountSid: 'AC…', keySid: 'SK…', keySecret }, 'deploy again') // { ok: true } */
async function checkSigningKey(key: SigningKey, retry: string): Promise<KeyCheck> {
  const { accountSid, keySid, keySecret } = key;
  const url = `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Balance.json`;
  let answer;
  try {
    answer = await requestThroughProxy(url, {
      headers: { authorization: `Basic ${Buffer.from(`${keySid}:${keySecret}`).toString('base64')}` },
    });
  } catch (error) {
    return {
      ok: false,
      message: `could not ask Twilio about the signing key: ${(error as Error).message}`,
      fix: `check the network (and HTTP_PROXY), then ${retry}`,
    };
  }
  return judgeKeyCheckAnswer(answer, accountSid, retry);
}

/**
 * What Twilio's answer to the Balance read says about the key, in words that say what happened: a refusal (401, 403,
 * 404), a 200 that is not this account's Balance, or another status with Twilio's error code.
 * @example judgeKeyCheckAnswer({ status: 400, text: '{"code":20001}' }, 'AC…', 'deploy again').ok // false
 */
export function judgeKeyCheckAnswer(
  answer: { readonly status: number; readonly text: string },
  accountSid: string,
  retry: string,
): KeyCheck {
  let body: { account_sid?: unknown; code?: unknown } = {};
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    // not JSON: judged by the status alone
  }
  const code = typeof body.code === 'number' ? ` (error ${body.code})` : '';
  if (answer.status === 200 && body.account_sid === accountSid) return { ok: true };
  if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
    return {
      ok: false,
      message: `Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for account ${accountSid}${code}: the secret is not this key's, the key was deleted, or it belongs to another account; every token the service signed would be refused`,
      fix: `set TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to one key of account ${accountSid} (Console: Admin > Account management > API keys & tokens; a secret is shown once, so create a new key if it is lost)`,
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
 * `npm run doctor -- --online`: the same check on the variables of an env file, printed as the doctor prints.
 * Exit status 0 when Twilio accepts the pair for TWILIO_ACCOUNT_SID, 1 otherwise.
 */
export async function printSigningKeyCheck(variables: Readonly<Record<string, string>>, say: (line: string) => void): Promise<number> {
  const accountSid = variables['TWILIO_ACCOUNT_SID'];
  const keySid = variables['TWILIO_API_KEY_SID'];
  const keySecret = variables['TWILIO_API_KEY_SECRET'];
  if (!accountSid || !keySid || !keySecret) {
    say('✗ TWILIO_API_KEY_SID: --online needs TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET\n  fix: set all three');
    return 1;
  }
  const check = await checkSigningKey({ accountSid, keySid, keySecret }, 'npm run doctor -- --online again');
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
}): Promise<boolean> {
  const { accountSid, variables, say } = options;
  const keySid = variables['TWILIO_API_KEY_SID'];
  const keySecret = variables['TWILIO_API_KEY_SECRET'];
  if (!keySid || !keySecret) return true;
  const check = await checkSigningKey({ accountSid, keySid, keySecret }, 'deploy again');
  if (check.ok) return true;
  say(`deploy: refused; nothing was changed on Twilio:`);
  say(refusalLine(check));
  return false;
}

function refusalLine(check: Extract<KeyCheck, { ok: false }>): string {
  return `✗ TWILIO_API_KEY_SID: ${check.message}\n  fix: ${check.fix}`;
}
