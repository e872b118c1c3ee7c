/// <reference lib="dom" />
/** @twilio/voice-sdk: a Device made with our token, refreshed as the README's table says, then registered. */
import { Device } from '@twilio/voice-sdk';
import { recordError, report, startTokens } from './shared';

const { tokens, token } = await startTokens();
const device = new Device(token);
tokens.onToken(({ token }: { token: string }) => {
  report.updates.push({ token, via: 'onToken' });
  device.updateToken(token);
});
async function refreshOnSdkEvent(): Promise<void> {
  report.events.push('tokenWillExpire');
  const { token } = await tokens.getToken();
  report.updates.push({ token, via: 'sdk-event' });
  device.updateToken(token);
}
// The SDK ignores what a listener returns, so the refresh runs on its own.
device.on('tokenWillExpire', () => void refreshOnSdkEvent());
device.on('error', recordError);
device.register().catch(recordError);
