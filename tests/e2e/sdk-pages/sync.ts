/// <reference lib="dom" />
/** twilio-sync: a SyncClient made with our token, refreshed as the README's table says. */
import { SyncClient } from 'twilio-sync';
import { recordError, report, startTokens } from './shared';

const { tokens, token } = await startTokens();
const syncClient = new SyncClient(token);
tokens.onToken(({ token }: { token: string }) => {
  report.updates.push({ token, via: 'onToken' });
  syncClient.updateToken(token).catch(recordError);
});
async function refreshOnSdkEvent(): Promise<void> {
  report.events.push('tokenAboutToExpire');
  const { token } = await tokens.getToken();
  report.updates.push({ token, via: 'sdk-event' });
  await syncClient.updateToken(token).catch(recordError);
}
// The SDK ignores what a listener returns, so the refresh runs on its own.
syncClient.on('tokenAboutToExpire', () => void refreshOnSdkEvent());
syncClient.on('tokenExpired', () => report.events.push('tokenExpired'));
