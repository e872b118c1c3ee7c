/** GET /health: configuration check for monitors and deploy scripts; no authentication, never a secret value. */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { handleHealthRequest } from '../lib/endpoints/health-report';
import { DEFAULT_THROTTLE_LIMITS } from '../lib/throttle/failure-throttle';
import { readConfigSources, respond } from '../runtime/twilio-adapter';
import { syncLedgerFor } from '../runtime/twilio-sync';

const sharedLedger = (config: Parameters<typeof syncLedgerFor>[0]) => syncLedgerFor(config, DEFAULT_THROTTLE_LIMITS.perNameWindowMs);

export const handler = (context: Context, _event: ServerlessEventObject, callback: ServerlessCallback): void => {
  respond(callback, () =>
    handleHealthRequest(context as unknown as Record<string, unknown>, { sources: readConfigSources(), sharedLedger }),
  );
};
