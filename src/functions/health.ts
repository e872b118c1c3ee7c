/** GET /health: configuration check for monitors and deploy scripts; no authentication, never a secret value. */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { handleHealthRequest } from '../lib/endpoints/health-report';
import { createServiceInstance, healthRequestOptions } from '../runtime/service-instance';
import { readConfigSources, respond } from '../runtime/twilio-adapter';

const instance = createServiceInstance();

export const handler = (context: Context, _event: ServerlessEventObject, callback: ServerlessCallback): void => {
  respond(callback, () =>
    handleHealthRequest(context as unknown as Record<string, unknown>, healthRequestOptions(instance, readConfigSources())),
  );
};
