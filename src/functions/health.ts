/** GET /health: configuration check for monitors and deploy scripts; no authentication, never a secret value. */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { handleHealthRequest } from '../lib/endpoints/health-report';
import { readConfigSources, respond } from '../runtime/twilio-adapter';
import { revocationsFor, syncLedgerFor } from '../runtime/twilio-sync';

export const handler = (context: Context, _event: ServerlessEventObject, callback: ServerlessCallback): void => {
  respond(callback, () =>
    handleHealthRequest(context as unknown as Record<string, unknown>, {
      sources: readConfigSources(),
      sharedLedger: syncLedgerFor,
      revocations: revocationsFor,
    }),
  );
};
