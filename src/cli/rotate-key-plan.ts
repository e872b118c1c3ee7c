/**
 * What `npm run rotate-key` does next, decided from what is on Twilio (the live key SID and the account's keys) and
 * what this checkout deploys. Pure: every run decides afresh, so a run cut at any request is finished by the next.
 *
 * The state lives on Twilio only: each key the rotation makes is named `<service>/<environment> <date> replaces
 * SK<first 12 hex of the key it replaces>`, so the next run recognises its own keys (by the service label) and the key
 * each one replaces (by the SID prefix), in a fresh clone or CI job as on the laptop that started it.
 */
import type { ApiKey } from './api-keys';

/** Twilio's FriendlyName limit for keys: "up to 64 characters" (Key resource v2010 and v1). */
const MAX_KEY_NAME = 64;
/** 12 hex characters (48 bits) of the replaced SID: unique among an account's keys in practice, and short enough to fit. */
const PREDECESSOR_HEX = 12;
const NAME = /^(.+) (\d{4}-\d{2}-\d{2}) replaces (SK[0-9a-f]{12})$/;

/** `<service>/<environment>`, cut to what fits beside the date and the replaced key. */
export function serviceLabel(serviceName: string, environment: string): string {
  const label = `${serviceName}/${environment || 'production'}`;
  const room = MAX_KEY_NAME - ' 0000-00-00 replaces SK'.length - PREDECESSOR_HEX;
  return label.length <= room ? label : label.slice(0, room);
}

/**
 * @example rotationKeyName('tokens/dev', '2026-12-07', 'SK0123456789abcdef…') // 'tokens/dev 2026-12-07 replaces SK0123456789ab'
 */
export function rotationKeyName(label: string, date: string, replacedSid: string): string {
  return `${label} ${date} replaces ${replacedSid.slice(0, 2 + PREDECESSOR_HEX)}`;
}

/** For a key this rotation made for `label`: the prefix of the SID it replaces. */
function replacedPrefix(key: ApiKey, label: string): string | undefined {
  const match = NAME.exec(key.friendlyName);
  return match && match[1] === label ? match[3] : undefined;
}

export interface RotationInputs {
  /** serviceLabel(service, environment). */
  readonly label: string;
  /** TWILIO_API_KEY_SID as this checkout would deploy it (the env file, or the environment with --load-system-env). */
  readonly configuredSid: string;
  /** TWILIO_API_KEY_SID on the live environment; undefined after a rotation cut between the secret and the SID. */
  readonly liveSid: string | undefined;
  /** The account's keys in the service's region. */
  readonly keys: readonly ApiKey[];
}

export type RotationStep =
  /** A new key replaces `oldSid`; `stale` are this service's keys from runs cut before deploying (their secrets are lost). */
  | { readonly kind: 'rotate'; readonly oldSid: string; readonly stale: readonly ApiKey[] }
  /**
   * The live SID is absent (a run cut between setting the secret and the SID): the key among `candidates` that Twilio
   * accepts with the live secret is deployed again; without one, a new key replaces `oldSid` and the candidates go.
   */
  | { readonly kind: 'resume'; readonly oldSid: string; readonly candidates: readonly ApiKey[] }
  /** The live key is this rotation's and the one it replaces still exists: hand the secret over again, then delete `oldSid`. */
  | { readonly kind: 'finish'; readonly key: ApiKey; readonly oldSid: string }
  | { readonly kind: 'refused'; readonly variable: string; readonly message: string; readonly fix: string };

/** @example decideRotation({ label, configuredSid: live, liveSid: live, keys }) // { kind: 'rotate', oldSid: live, stale: [] } */
export function decideRotation(inputs: RotationInputs): RotationStep {
  const { label, configuredSid, liveSid, keys } = inputs;
  const byPrefix = (prefix: string, except: string) => keys.find((key) => key.sid.startsWith(prefix) && key.sid !== except);
  const madeToReplace = (sid: string) =>
    keys.filter((key) => key.sid !== sid && replacedPrefix(key, label) !== undefined && sid.startsWith(replacedPrefix(key, label)!));
  const owned = (sid: string) => keys.some((key) => key.sid === sid);

  if (liveSid === undefined) {
    if (!owned(configuredSid)) return notOwned('TWILIO_API_KEY_SID', configuredSid);
    return { kind: 'resume', oldSid: configuredSid, candidates: madeToReplace(configuredSid) };
  }
  const liveKey = keys.find((key) => key.sid === liveSid);
  if (!liveKey) return notOwned('TWILIO_API_KEY_SID', liveSid, 'the live service signs with');
  const prefix = replacedPrefix(liveKey, label);
  const predecessor = prefix === undefined ? undefined : byPrefix(prefix, liveSid);
  if (predecessor && (configuredSid === liveSid || configuredSid === predecessor.sid)) {
    return { kind: 'finish', key: liveKey, oldSid: predecessor.sid };
  }
  if (configuredSid !== liveSid) {
    return owned(configuredSid)
      ? {
          kind: 'refused',
          variable: 'TWILIO_API_KEY_SID',
          message: `this checkout's TWILIO_API_KEY_SID (${configuredSid}) is not the key the live service signs with (${liveSid}), so rotating would replace a key this checkout does not deploy`,
          fix: 'run npm run deploy first, so the live service signs with the key this checkout names, then rotate',
        }
      : {
          kind: 'refused',
          variable: 'TWILIO_API_KEY_SID',
          message: `this checkout's TWILIO_API_KEY_SID (${configuredSid}) is no key of the account (a rotation deleted it?); the live service signs with ${liveSid}`,
          fix: `set TWILIO_API_KEY_SID to ${liveSid} and TWILIO_API_KEY_SECRET to its secret (in CI: the secret-store entries the rotation named), then run again`,
        };
  }
  return { kind: 'rotate', oldSid: liveSid, stale: madeToReplace(liveSid) };
}

function notOwned(variable: string, sid: string, what = "this checkout's TWILIO_API_KEY_SID names"): RotationStep {
  return {
    kind: 'refused',
    variable,
    message: `${sid}, the key ${what}, is no key of this account in this region: the credentials are another account's, or the key was deleted`,
    fix: 'rotate with the credentials of the account the service runs on (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or a Main key); if the key was deleted, create one in the Console and run npm run deploy',
  };
}
