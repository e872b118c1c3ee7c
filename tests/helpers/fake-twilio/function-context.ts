/**
 * Error 82006 "Environment Context too large" as Twilio raises it: not when a Variable is set, but when a
 * Function is invoked and its context (account metadata, domain name, path and the Variables, as a JSON
 * string) is over 3 KB. Source: twilio.com/docs/api/errors/82006.
 */
import type { ServerlessStateView } from './state-view';

export const MAX_CONTEXT_BYTES = 3 * 1024;

/** The context JSON's size for an invocation of `path` in this environment. */
export function contextBytes(state: ServerlessStateView, environmentSid: string, accountSid: string, path: string): number {
  const environment = state.environment(environmentSid);
  if (!environment) throw new Error(`no environment ${environmentSid}`);
  const context = {
    ACCOUNT_SID: accountSid,
    SERVICE_SID: environment.serviceSid,
    ENVIRONMENT_SID: environment.sid,
    DOMAIN_NAME: environment.domainName,
    PATH: path,
    ...Object.fromEntries(state.variables(environmentSid).map(({ key, value }) => [key, value])),
  };
  return Buffer.byteLength(JSON.stringify(context), 'utf8');
}
