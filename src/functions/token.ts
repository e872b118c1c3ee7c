/** POST /token: the Twilio Function that hands Access Tokens to browser apps. */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { createBasicAuthenticator } from '../lib/auth/basic-authentication';
import { handleTokenRequest, type TokenEndpointDeps } from '../lib/endpoints/token-endpoint';
import { logJson, readConfigSources, respond, splitEvent } from '../runtime/twilio-adapter';
import { revocationsFor, syncLedgerFor } from '../runtime/twilio-sync';
import { workerDirectoryFor } from '../runtime/twilio-taskrouter';

// Per instance, shared by the requests a warm instance serves: the failure throttle and the verified-credentials
// cache; with THROTTLE_SYNC_SERVICE_SID, the per-name counts and the revocation list on Sync that every instance shares.
const deps: TokenEndpointDeps = {
  now: Date.now,
  log: logJson,
  basic: createBasicAuthenticator(),
  sharedLedger: syncLedgerFor,
  revocations: revocationsFor,
  workers: (config) => workerDirectoryFor(config),
};

export const handler = (context: Context, event: ServerlessEventObject, callback: ServerlessCallback): void => {
  respond(callback, () => {
    const { headers, fields } = splitEvent(event);
    return handleTokenRequest(
      { headers, fields, sources: readConfigSources(), ...(context.DOMAIN_NAME !== undefined && { serviceHost: context.DOMAIN_NAME }) },
      context as unknown as Record<string, unknown>,
      deps,
    );
  });
};
