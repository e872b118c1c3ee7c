/** POST /token: the Twilio Function that hands Access Tokens to browser apps. */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { handleTokenRequest } from '../lib/endpoints/token-endpoint';
import { createServiceInstance, tokenEndpointDeps } from '../runtime/service-instance';
import { readConfigSources, respond, splitEvent } from '../runtime/twilio-adapter';

// Per instance, shared by the requests a warm instance serves: the failure throttle and the verified-credentials
// cache; per configuration, the identity provider's verifier, the TaskRouter Worker directory and, with
// THROTTLE_SYNC_SERVICE_SID, the per-name counts and the revocation list on Sync that every instance shares.
const deps = tokenEndpointDeps(createServiceInstance());

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
