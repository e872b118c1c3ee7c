/// <reference lib="dom" />
/**
 * The real Twilio browser SDKs with our tokens, in Debian's Chromium: one page per SDK (bundled with esbuild from
 * tests/e2e/sdk-pages), a token from the real twilio-run through the token client, handed over as the README's table
 * says. Every host but loopback resolves to nothing, and every request and WebSocket to Twilio is routed to the test,
 * which records what the SDK sent and checks, with jose and the API key secret, that it carries our token. Tokens
 * live 60 s, so the token client refreshes them after 30 s and the refresh wiring is seen too. One twilio-run and one
 * browser serve all five pages at once.
 */
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { decodeJwt } from 'jose';
import { browserDescribe, LOOPBACK_ONLY_RESOLVER, launchChromium } from '../helpers/chromium';
import { startFakeTaskRouter, type FakeTaskRouter } from '../helpers/fake-twilio/taskrouter';
import { environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { bundleSdkPages, SDK_PAGES, type SdkPage } from '../helpers/sdk-bundles';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';
import type { SdkReport } from './sdk-pages/shared';

const describeInBrowser = browserDescribe('SDK browser tests');

/** One thing a page sent to a Twilio host: an HTTP request, a WebSocket opened, or a message on one. */
interface Captured {
  readonly kind: 'http' | 'websocket-open' | 'websocket-message';
  readonly url: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** Where an SDK put our token on its first connection attempt, read from what it sent. */
interface Presented {
  readonly socket: string;
  /** The message type (`hello`, `listen`, twilsock `init`), or `connect` for a token in the WebSocket URL. */
  readonly messageType: string;
  readonly where: string;
  readonly token: string;
}

const TOKEN_TTL_SECONDS = 60;
/** The product each page asks for, and the key twilio-node's grant uses for it in the token. */
const PRODUCTS: Record<SdkPage, { grant: string; claim: string }> = {
  video: { grant: 'video', claim: 'video' },
  voice: { grant: 'voice', claim: 'voice' },
  conversations: { grant: 'chat', claim: 'chat' },
  sync: { grant: 'sync', claim: 'data_sync' },
  taskrouter: { grant: 'taskrouter', claim: 'task_router' },
};

/** twilsock frames are `TWILSOCK V3.0 <header bytes>\r\n<JSON header>\r\n<payload>`. */
function twilsockHeader(frame: string): { method?: string; token?: string } | undefined {
  const match = /^TWILSOCK V3\.0 (\d+)\r\n/.exec(frame);
  if (!match) return undefined;
  const start = match[0].length;
  return JSON.parse(Buffer.from(frame.slice(start), 'utf8').subarray(0, Number(match[1])).toString('utf8'));
}

/** Every token an SDK sent, in order, with where it was: the evidence the tests read. */
function presentedTokens(name: SdkPage, captured: readonly Captured[]): Presented[] {
  const found: Presented[] = [];
  for (const entry of captured) {
    if (name === 'taskrouter' && entry.kind === 'websocket-open') {
      const url = new URL(entry.url);
      const token = url.searchParams.get('token');
      if (token)
        found.push({
          socket: `${url.origin}${url.pathname}`,
          messageType: 'connect',
          where: 'query parameter token of the WebSocket URL',
          token,
        });
    }
    if (entry.kind !== 'websocket-message' || entry.body === undefined) continue;
    if (name === 'video' || name === 'voice') {
      const message = JSON.parse(entry.body) as { type: string; body?: { token?: string }; payload?: { token?: string } };
      const token = name === 'video' ? message.body?.token : message.payload?.token;
      if (token)
        found.push({ socket: entry.url, messageType: message.type, where: name === 'video' ? 'body.token' : 'payload.token', token });
    } else if (name === 'conversations' || name === 'sync') {
      const header = twilsockHeader(entry.body);
      if (header?.token)
        found.push({ socket: entry.url, messageType: `twilsock ${header.method}`, where: 'twilsock header token', token: header.token });
    }
  }
  return found;
}

/** Polls `condition` until it holds or `ms` pass; the caller asserts afterwards, so a miss fails with the evidence. */
async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await condition())) await new Promise((resolve) => setTimeout(resolve, 250));
}

describeInBrowser('the real Twilio SDKs accept our tokens (Chromium, loopback only)', () => {
  let credentials: TestCredentials;
  let taskrouter: FakeTaskRouter;
  let server: RunningServer;
  let browser: Browser;
  let workspaceSid: string;
  let workerSid: string;
  const runs = {} as Record<SdkPage, { context: BrowserContext; page: Page; captured: Captured[]; pageErrors: string[] }>;
  const report = (name: SdkPage): Promise<SdkReport> => runs[name].page.evaluate(() => window.sdkReport);

  /**
   * A stand-in for TaskRouter's event bridge, doing what the SDK expects of it: it checks the token in the URL with
   * the API key secret, as Twilio would, and answers `init` with the Worker's channel; a bad token closes the socket.
   */
  async function answerAsEventBridge(ws: WebSocketRoute): Promise<void> {
    const token = new URL(ws.url()).searchParams.get('token') ?? '';
    try {
      const { claims } = await verifyTwilioToken(token, credentials.apiKeySecret);
      const grant = (claims.grants as { task_router: { workspace_sid: string; worker_sid: string } }).task_router;
      ws.send(
        JSON.stringify({
          event_type: 'init',
          payload: {
            channel_id: grant.worker_sid,
            account_sid: claims.sub,
            workspace_sid: grant.workspace_sid,
            token_lifetime: claims.exp! - claims.iat!,
          },
        }),
      );
    } catch {
      await ws.close({ code: 4001, reason: 'token refused by the stand-in' });
    }
  }

  async function openSdkPage(name: SdkPage, bundles: Record<SdkPage, string>): Promise<void> {
    const context = await browser.newContext();
    const captured: Captured[] = [];
    const service = new URL(server.url).origin;
    // Same origin as the token service: the page loads /token-client.js and calls /token as an app served by it would.
    await context.route('**/*', async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      if (url.origin === service) {
        if (url.pathname === `/sdk/${name}.html`) {
          await route.fulfill({
            contentType: 'text/html',
            body: `<!doctype html><link rel="icon" href="data:,"><script type="module" src="/sdk/${name}.js"></script>`,
          });
        } else if (url.pathname === `/sdk/${name}.js`) {
          await route.fulfill({ contentType: 'text/javascript', body: bundles[name] });
        } else {
          await route.continue();
        }
        return;
      }
      captured.push({ kind: 'http', url: request.url(), headers: await request.allHeaders(), body: request.postData() ?? '' });
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: '{"code":20503,"message":"loopback test: Twilio is not here"}',
      });
    });
    await context.routeWebSocket(/.*/, (ws) => {
      captured.push({ kind: 'websocket-open', url: ws.url() });
      ws.onMessage((message) =>
        captured.push({ kind: 'websocket-message', url: ws.url(), body: typeof message === 'string' ? message : message.toString('utf8') }),
      );
      if (new URL(ws.url()).hostname === 'event-bridge.twilio.com') void answerAsEventBridge(ws);
    });
    // The credentials reach the page as a script variable, never in a URL.
    await context.addInitScript((test) => (window.sdkTest = test), {
      username: 'agent',
      password: credentials.passwords.agent!,
      grants: [PRODUCTS[name].grant],
      ttl: TOKEN_TTL_SECONDS,
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    runs[name] = { context, page, captured, pageErrors };
    await page.goto(`${server.url}/sdk/${name}.html`);
  }

  beforeAll(async () => {
    credentials = newCredentials(['agent']);
    taskrouter = await startFakeTaskRouter({
      accountSid: credentials.accountSid,
      apiKeySid: credentials.apiKeySid,
      apiKeySecret: credentials.apiKeySecret,
    });
    workspaceSid = taskrouter.api.addWorkspace();
    workerSid = taskrouter.api.addWorker(workspaceSid, 'agent');
    let env: Record<string, string>;
    let bundles: Record<SdkPage, string>;
    [env, bundles, browser] = await Promise.all([
      environmentFor(credentials, {
        TOKEN_GRANTS: 'video,voice,chat,sync,taskrouter',
        TOKEN_MAX_TTL: String(TOKEN_TTL_SECONDS),
        TOKEN_TTL: String(TOKEN_TTL_SECONDS),
        VOICE_OUTGOING_APPLICATION_SID: newSid('AP'),
        VOICE_INCOMING_ALLOW: 'true',
        CONVERSATIONS_SERVICE_SID: newSid('IS'),
        SYNC_SERVICE_SID: newSid('IS'),
        TASKROUTER_WORKSPACE_SID: workspaceSid,
        // twilio-run gives functions only the .env keys as process.env: the Worker lookup finds the stand-in by it.
        HTTP_PROXY: taskrouter.env.HTTP_PROXY,
        AUTH_SHARED_SECRETS: undefined,
      }),
      bundleSdkPages(),
      launchChromium([LOOPBACK_ONLY_RESOLVER]),
    ]);
    server = await startServer(env, { processEnv: { NODE_EXTRA_CA_CERTS: taskrouter.env.NODE_EXTRA_CA_CERTS } });
    await Promise.all(SDK_PAGES.map((name) => openSdkPage(name, bundles)));
    // The token client refreshes half-way through the 60 s: wait for the second token and for the SDKs that present
    // it again on the wire. Bounded; the tests below say what is missing if a wait ran out.
    await waitUntil(async () => {
      const reports = await Promise.all(SDK_PAGES.map(report));
      const refreshed = reports.every((entry) => entry.tokens.length >= 2);
      const represented = (['voice', 'conversations', 'sync'] as const).every(
        (name) => presentedTokens(name, runs[name].captured).length >= 2,
      );
      return refreshed && represented;
    }, 75_000);
  }, 150_000);

  afterAll(async () => {
    await Promise.all(Object.values(runs).map((run) => run.context.close()));
    await Promise.all([browser?.close(), server?.stop()]);
    await taskrouter?.stop();
  });

  const FIRST_ATTEMPTS: Record<SdkPage, Omit<Presented, 'token'>> = {
    video: { socket: 'wss://global.vss.twilio.com/signaling', messageType: 'hello', where: 'body.token' },
    voice: { socket: 'wss://voice-js.roaming.twilio.com/signal', messageType: 'listen', where: 'payload.token' },
    conversations: { socket: 'wss://tsock.us1.twilio.com/v3/wsconnect', messageType: 'twilsock init', where: 'twilsock header token' },
    sync: { socket: 'wss://tsock.us1.twilio.com/v3/wsconnect', messageType: 'twilsock init', where: 'twilsock header token' },
    taskrouter: {
      socket: 'wss://event-bridge.twilio.com/v1/wschannels',
      messageType: 'connect',
      where: 'query parameter token of the WebSocket URL',
    },
  };

  it.each(SDK_PAGES)(
    '%s presents the token from our /token on its first connection attempt, and Twilio would accept its signature',
    async (name) => {
      const [first] = presentedTokens(name, runs[name].captured);
      expect(first && { socket: first.socket, messageType: first.messageType, where: first.where }).toEqual(FIRST_ATTEMPTS[name]);
      const { tokens, errors } = await report(name);
      expect(first!.token).toBe(tokens[0]);
      const { claims } = await verifyTwilioToken(first!.token, credentials.apiKeySecret);
      expect(claims).toMatchObject({ iss: credentials.apiKeySid, sub: credentials.accountSid, grants: { identity: 'agent' } });
      expect(Object.keys(claims.grants!).sort()).toEqual(['identity', PRODUCTS[name].claim].sort());
      expect(claims.exp! - claims.iat!).toBe(TOKEN_TTL_SECONDS);
      // Failures after the attempt are Twilio's absence here (no handshake answer), never a refusal of the token's form.
      expect(errors.filter((error) => /token|jwt|grant/i.test(error) && !/timeout|timed out/i.test(error))).toEqual([]);
    },
  );

  it("sends our token to the SDK's own Twilio service only: Voice's sound downloads carry none", async () => {
    for (const name of SDK_PAGES) {
      const withToken = runs[name].captured.filter(
        (entry) =>
          entry.kind === 'http' && /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.test(`${entry.url} ${JSON.stringify(entry.headers)} ${entry.body}`),
      );
      if (name !== 'taskrouter') {
        expect({ name, withToken: withToken.map((entry) => entry.url) }).toEqual({ name, withToken: [] });
        continue;
      }
      // After init the Worker makes its REST calls through the event bridge: POST …/v1/wschannels, the token in the JSON body.
      const { tokens } = await report('taskrouter');
      expect(withToken.length).toBeGreaterThan(0);
      for (const entry of withToken) {
        expect(entry.url).toBe('https://event-bridge.twilio.com/v1/wschannels');
        expect(tokens).toContain((JSON.parse(entry.body!) as { token: string }).token);
      }
    }
    const voiceRequests = runs.voice.captured.filter((entry) => entry.kind === 'http');
    expect(voiceRequests.every((entry) => new URL(entry.url).hostname === 'sdk.twilio.com' && entry.url.includes('/sounds/'))).toBe(true);
  });

  it.each(['voice', 'conversations', 'sync'] as const)(
    '%s is handed the refreshed token through updateToken (onToken, as in the README) and presents it to Twilio',
    async (name) => {
      const { tokens, updates } = await report(name);
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      expect(updates[0]).toEqual({ token: tokens[1], via: 'onToken' });
      const presented = presentedTokens(name, runs[name].captured).map((entry) => entry.token);
      expect(presented).toContain(tokens[1]);
      expect(decodeJwt(tokens[1]!).iat).toBeGreaterThan(decodeJwt(tokens[0]!).iat!);
    },
  );

  it('video connects with the token getToken() gave right before connect(), as the README says (a Room has no updateToken)', async () => {
    const { tokens } = await report('video');
    const presented = presentedTokens('video', runs.video.captured);
    // Video retries its hello with the same token; a refreshed token is for the next connect().
    expect(new Set(presented.map((entry) => entry.token))).toEqual(new Set([tokens[0]]));
  });

  it('twilio-taskrouter: new Worker(token) accepts our token, exposes the Worker and Workspace SIDs, and takes refreshed tokens from onToken and its own tokenExpired', async () => {
    const { exposed, events, tokens, updates, errors } = await report('taskrouter');
    // The Workspace class decodes grants.task_router in the browser, with no network call.
    expect(exposed.decoded).toEqual({ workspaceSid, workerSid, role: 'worker' });
    // The Worker learns them from the event bridge's init, which the stand-in sends only for a token it verified.
    expect(exposed.worker).toEqual({ sid: workerSid, workspaceSid, accountSid: credentials.accountSid });
    expect(errors.filter((error) => /token/i.test(error))).toEqual([]);
    expect(updates).toContainEqual({ token: tokens[1], via: 'onToken' });
    expect(events).toContain('tokenUpdated');
    // After init (token_lifetime 60 s) the Worker raises its own tokenExpired; the README's handler answers it.
    expect(events).toContain('tokenExpired');
    expect(updates.some((update) => update.via === 'sdk-event' && tokens.includes(update.token))).toBe(true);
  });

  it('the demo page shows the taskrouter grant with the Worker the service bound it to', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.getByLabel('Username').fill('agent');
      await page.getByLabel('Password').fill(credentials.passwords.agent!);
      await page.locator('#basic-form').getByRole('button', { name: 'Get a token' }).click();
      await page.locator('#token-view').waitFor();
      expect(await page.locator('#token-grants').textContent()).toBe(`video, voice, chat, sync, taskrouter (Worker ${workerSid})`);
    } finally {
      await context.close();
    }
  });

  it('leaves no host but loopback reachable: an unrouted request to Twilio fails to resolve in this browser', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/health`);
      const outcome = await page.evaluate(() =>
        fetch('https://api.twilio.com/').then(
          (answer) => `answered ${answer.status}`,
          (error: Error) => `failed: ${error.name}`,
        ),
      );
      expect(outcome).toBe('failed: TypeError');
    } finally {
      await context.close();
    }
  });
});
