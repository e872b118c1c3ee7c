/// <reference lib="dom" />
/** @twilio/conversations: a Client made with our token, refreshed as the README's table says. */
import { Client } from '@twilio/conversations';
import { recordError, report, startTokens } from './shared';

const { tokens, token } = await startTokens();
const conversations = new Client(token);
tokens.onToken(({ token }: { token: string }) => {
  report.updates.push({ token, via: 'onToken' });
  conversations.updateToken(token).catch(recordError);
});
async function refreshOnSdkEvent(): Promise<void> {
  report.events.push('tokenAboutToExpire');
  const { token } = await tokens.getToken();
  report.updates.push({ token, via: 'sdk-event' });
  await conversations.updateToken(token).catch(recordError);
}
// The SDK ignores what a listener returns, so the refresh runs on its own.
conversations.on('tokenAboutToExpire', () => void refreshOnSdkEvent());
conversations.on('tokenExpired', () => report.events.push('tokenExpired'));
