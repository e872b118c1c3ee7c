/// <reference lib="dom" />
/**
 * twilio-taskrouter: `new Worker(token)` with our token, refreshed with updateToken as the README's table says. Its
 * Worker learns its SIDs from the event bridge's `init` answer; its Workspace decodes them from the token itself.
 */
import { Worker, Workspace } from 'twilio-taskrouter';
import { recordError, report, startTokens } from './shared';

const { tokens, token } = await startTokens();
try {
  // Decoded in the browser from grants.task_router, with no network call.
  const workspace = new Workspace(token) as unknown as { workspaceSid: string; workerSid: string; role: string };
  report.exposed.decoded = { workspaceSid: workspace.workspaceSid, workerSid: workspace.workerSid, role: workspace.role };

  const worker = new Worker(token);
  worker.on('ready', () => report.events.push('ready'));
  worker.on('tokenUpdated', () => report.events.push('tokenUpdated'));
  worker.on('error', recordError);
  // Filled in once the event bridge has answered the connection with `init`.
  const expose = () => (report.exposed.worker = { sid: worker.sid, workspaceSid: worker.workspaceSid, accountSid: worker.accountSid });
  expose();
  setInterval(expose, 200);
  tokens.onToken(({ token }: { token: string }) => {
    report.updates.push({ token, via: 'onToken' });
    worker.updateToken(token);
  });
  const refreshOnSdkEvent = async (): Promise<void> => {
    report.events.push('tokenExpired');
    const { token } = await tokens.getToken();
    report.updates.push({ token, via: 'sdk-event' });
    worker.updateToken(token);
  };
  // The SDK ignores what a listener returns, so the refresh runs on its own.
  worker.on('tokenExpired', () => void refreshOnSdkEvent());
} catch (error) {
  recordError(error);
}
