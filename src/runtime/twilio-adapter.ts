/** The thin layer between Twilio's Functions runtime and the core: events in, Twilio.Response out. */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { ServerlessCallback, TwilioResponse } from '@twilio-labs/serverless-runtime-types/types';
import type { AssetText } from '../lib/base/setting-source';
import type { ConfigSources } from '../lib/config/service-config';
import { ServiceError } from '../lib/base/errors';
import { errorResult, type HttpResult, type RequestHeaders } from '../lib/http/result';
import { runtimeRequestHeaders } from '../lib/http/runtime-request';

/**
 * Keys of the private assets in Runtime.getAssets(): the runtime drops `.private` from the name. Private
 * assets are not served by URL (locally twilio-run answers 403 for them too).
 */
const POLICY_ASSET_KEY = '/policy.json';
const BASIC_USERS_ASSET_KEY = '/basic-users.txt';

let assetsRead: { sources: ConfigSources } | undefined;

function readAsset(assets: Record<string, { open(): string } | undefined>, key: string): AssetText | undefined {
  const asset = assets[key];
  if (!asset) return undefined;
  try {
    return { text: asset.open() };
  } catch {
    return { unreadable: true };
  }
}

/**
 * The private assets' text, read once per instance (assets change only with a deploy). `Runtime` exists
 * only inside Twilio Functions and twilio-run; elsewhere there is no asset.
 */
export function readConfigSources(): ConfigSources {
  if (assetsRead) return assetsRead.sources;
  let sources: ConfigSources = {};
  if (typeof Runtime !== 'undefined' && typeof Runtime.getAssets === 'function') {
    const assets = Runtime.getAssets() as Record<string, { open(): string } | undefined>;
    const policyAsset = readAsset(assets, POLICY_ASSET_KEY);
    const basicUsersAsset = readAsset(assets, BASIC_USERS_ASSET_KEY);
    sources = { ...(policyAsset && { policyAsset }), ...(basicUsersAsset && { basicUsersAsset }) };
  }
  assetsRead = { sources };
  return sources;
}

export interface SplitEvent {
  /** undefined when `request` is not one the runtime could have built (a body or query field replaced it). */
  readonly headers: RequestHeaders | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * The runtime merges `{ request: { headers, cookies } }` with query and body fields into one event
 * (query and body win); this separates them again.
 */
export function splitEvent(event: Readonly<Record<string, unknown>>): SplitEvent {
  const { request, ...fields } = event;
  return { headers: runtimeRequestHeaders(request), fields };
}

function toTwilioResponse(result: HttpResult): TwilioResponse {
  const response = new Twilio.Response();
  response.setStatusCode(result.status);
  response.setHeaders({ ...result.headers });
  // An object, not a JSON string: twilio-run in its default forking mode JSON-encodes the body of an
  // application/json response again, so a string would arrive as a quoted string.
  response.setBody(result.body);
  return response;
}

/** Answers through the callback on every path; an exception that escapes the core still gets a 500. */
export function respond(callback: ServerlessCallback, work: () => Promise<HttpResult>): void {
  let answered = false;
  const send = (result: HttpResult) => {
    if (answered) return;
    answered = true;
    callback(null, toTwilioResponse(result));
  };
  const fail = (error: unknown) => {
    console.error(JSON.stringify({ event: 'unhandled_error', kind: error instanceof Error ? error.name : typeof error }));
    send(internalErrorResult());
  };
  try {
    work().then(send, fail);
  } catch (error) {
    fail(error);
  }
}

/**
 * The last-resort 500, with the same headers as every other answer (no-store, nosniff, Vary; the caller's origin is
 * not known here). Built only when needed: an Error captures a stack trace, and building it up front for every request
 * cut the handler's speed by about a third (issue 23; `npm run bench:guard` fails when it comes back).
 */
function internalErrorResult(): HttpResult {
  return errorResult(new ServiceError('internal_error', 'the token service failed; try again'), {
    origin: { allowed: true },
    schemes: [],
    requestHeaders: {},
  });
}

/** Structured log lines go to standard output, which Twilio keeps as the Function's logs. */
export function logJson(entry: object): void {
  console.log(JSON.stringify(entry));
}
