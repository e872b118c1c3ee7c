/// <reference lib="dom" />
/**
 * What every SDK page shares: the token client loaded from the service (`/token-client.js`, as the README says),
 * sign-in with the credentials the test put on the page (never in the URL), and a report the test reads.
 */
// @ts-expect-error: served by the token service at run time; the bundler leaves this import as it is.
import { createTokenClient } from '/token-client.js';

export interface SdkReport {
  /** Tokens the token client delivered, in order (onToken). */
  tokens: string[];
  /** Calls of the SDK's updateToken, with the token handed over and what caused it. */
  updates: { token: string; via: 'onToken' | 'sdk-event' }[];
  /** The SDK's own expiry events, by name, in order. */
  events: string[];
  /** Anything the SDK exposed that the test checks (for TaskRouter: the SIDs the Worker read). */
  exposed: Record<string, unknown>;
  errors: string[];
}

declare global {
  interface Window {
    sdkTest: { username: string; password: string; grants: string[]; ttl?: number };
    sdkReport: SdkReport;
  }
}

export const report: SdkReport = { tokens: [], updates: [], events: [], exposed: {}, errors: [] };
window.sdkReport = report;

export function recordError(error: unknown): void {
  report.errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** Starts the token client exactly as the README shows, and returns it with the first token. */
export async function startTokens(): Promise<{ tokens: any; token: string }> {
  const { username, password, grants, ttl } = window.sdkTest;
  const tokens = createTokenClient({
    credentials: { kind: 'basic', username, password },
    request: { grants, ...(ttl !== undefined && { ttl }) },
  });
  tokens.onToken(({ token }: { token: string }) => report.tokens.push(token));
  tokens.onError(recordError);
  const { token } = await tokens.start();
  return { tokens, token };
}
