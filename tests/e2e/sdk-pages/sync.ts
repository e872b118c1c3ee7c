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
syncClient.on('tokenAboutToExpire', async () => {
  report.events.push('tokenAboutToExpire');
  const { token } = await tokens.getToken();
  report.updates.push({ token, via: 'sdk-event' });
  await syncClient.updateToken(token).catch(recordError);
});
syncClient.on('tokenExpired', () => report.events.push('tokenExpired'));
