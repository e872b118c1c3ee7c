/// <reference lib="dom" />
/**
 * The demo page at the service's root, in Debian's Chromium against the real twilio-run server: sign-in
 * with each configured method, errors in plain words, refresh of short tokens, keyboard-only use, no
 * console errors and no request to any other host; plus cross-origin callers listed and not listed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserDescribe, launchChromium, openSession, type PageSession } from '../helpers/chromium';
import { environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { blankPage, serveStaticOrigin } from '../helpers/static-origin';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { freePort, startServer, type RunningServer } from '../helpers/twilio-run-server';
import { startFunctionsEdge, type StandaloneEdge } from '../helpers/fake-twilio/functions-edge';

const projectRoot = join(__dirname, '..', '..');
const artifacts = join(projectRoot, 'test-artifacts');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

const describeInBrowser = browserDescribe('demo page browser tests');

describeInBrowser('the demo page in Chromium', () => {
  let browser: Browser;
  let credentials: TestCredentials;
  let service: RunningServer; // Basic and shared secret, 60 s tokens, one extra allowed origin
  let bearerOnly: RunningServer; // shared secret only
  let misconfigured: RunningServer; // a malformed API key SID
  let crossOrigin: { allowed: string; unlisted: string; close(): Promise<void> };
  const sessions: PageSession[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    credentials = newCredentials(['alice', 'bob', 'carol', 'dave']);
    const allowedPort = await freePort();
    const common = { TOKEN_TTL: '60', TOKEN_MAX_TTL: '60' };
    [browser, service, bearerOnly, misconfigured] = await Promise.all([
      launchChromium(),
      environmentFor(credentials, {
        ...common,
        TOKEN_GRANTS: 'video,chat',
        VIDEO_ROOM: 'lobby',
        CONVERSATIONS_SERVICE_SID: newSid('IS'),
        ALLOWED_ORIGINS: `http://127.0.0.1:${allowedPort}`,
      }).then((env) => startServer(env)),
      environmentFor(credentials, { ...common, AUTH_BASIC_USERS: undefined }).then((env) => startServer(env)),
      environmentFor(credentials, { ...common, TWILIO_API_KEY_SID: 'SK-not-a-sid' }).then((env) => startServer(env)),
    ]);
    crossOrigin = await startCrossOriginPages(allowedPort);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), service?.stop(), bearerOnly?.stop(), misconfigured?.stop(), crossOrigin?.close()]);
  });

  async function open(server: RunningServer, options: Parameters<typeof openSession>[1] = {}): Promise<PageSession> {
    const session = await openSession(browser, options);
    sessions.push(session);
    return session;
  }

  /**
   * Chromium logs every non-2xx fetch as a console error ("Failed to load resource: … status of 401"):
   * only the expected refusals (by status, from /token unless another path is named) are let through.
   */
  function expectNoConsoleErrors(session: PageSession, server: RunningServer, expectedStatuses: number[] = [401], path = '/token'): void {
    const unexpected = session.consoleErrors.filter((entry) => {
      const status = /^Failed to load resource: the server responded with a status of (\d{3})\b/.exec(entry.text)?.[1];
      return !(status && expectedStatuses.includes(Number(status)) && entry.url === `${server.url}${path}`);
    });
    expect(unexpected).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(session.dialogs).toEqual([]);
  }

  function expectOnlyRequestsTo(session: PageSession, origins: string[]): void {
    const elsewhere = session.requests.filter((url) => !url.startsWith('data:') && !origins.includes(new URL(url).origin));
    expect(elsewhere).toEqual([]);
    expect(session.requests.some((url) => url.endsWith('/favicon.ico'))).toBe(false);
  }

  async function signInWithPassword(page: Page, user: string, password: string): Promise<void> {
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.locator('#basic-form').getByRole('button', { name: 'Get a token' }).click();
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  }

  it('refuses to run inside another origin’s frame: no sign-in form, no request to the service, a link to open it alone', async () => {
    const session = await open(service);
    await session.page.goto(`${crossOrigin.unlisted}/`);
    await session.page.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.src = src;
      document.body.append(frame);
    }, `${service.url}/`);
    const framed = await (await session.page.waitForSelector('iframe')).contentFrame();
    await framed!.locator('#framed').waitFor({ state: 'visible' });
    expect(await framed!.locator('#basic-form').isVisible()).toBe(false);
    expect(await framed!.locator('#sign-in').isVisible()).toBe(false);
    expect(await framed!.locator('#framed a').getAttribute('target')).toBe('_blank');
    const asked = session.requests.filter((url) => url.startsWith(`${service.url}/health`) || url.startsWith(`${service.url}/token`));
    expect(asked).toEqual([]);
    // Opened alone, the same page runs as usual.
    const alone = await open(service);
    await alone.page.goto(`${service.url}/`);
    await alone.page.locator('#basic-form').waitFor();
    expect(await alone.page.locator('#framed').isVisible()).toBe(false);
  });

  it('offers only the configured sign-in methods, learned from GET /health: no failed request on load', async () => {
    const session = await open(service);
    const probe = session.page.waitForResponse((response) => response.url() === `${service.url}/health`);
    await session.page.goto(`${service.url}/`);
    const answer = await probe;
    expect(answer.status()).toBe(200);
    expect((await answer.json()).authSchemes).toEqual(['basic', 'bearer']);
    await session.page.locator('#basic-form').waitFor();
    await expect(session.page.locator('#basic-form').isVisible()).resolves.toBe(true);
    await expect(session.page.locator('#bearer-form').isVisible()).resolves.toBe(true);
    expect(await session.page.title()).toBe('Twilio Access Token demo');

    const other = await open(bearerOnly);
    await other.page.goto(`${bearerOnly.url}/`);
    await other.page.getByLabel('Passcode').waitFor();
    expect(await other.page.locator('#basic-form').isVisible()).toBe(false);
    expect(await other.page.getByLabel('Username').isVisible()).toBe(false);
    // Nothing was refused on load: no console error at all, and /token was never asked.
    expectNoConsoleErrors(session, service, []);
    expectNoConsoleErrors(other, bearerOnly, []);
    expect(session.requests.filter((url) => url.startsWith(`${service.url}/token`))).toEqual([]);
    expectOnlyRequestsTo(session, [service.url]);
    expectOnlyRequestsTo(other, [bearerOnly.url]);
  });

  it('signs in with a username and password: shows identity, grants, room, a live countdown and the decoded token, and stores nothing', async () => {
    const session = await open(service, { permissions: ['clipboard-read', 'clipboard-write'], origin: service.url });
    const { page } = session;
    await page.goto(`${service.url}/`);
    await signInWithPassword(page, 'alice', credentials.passwords.alice!);
    await page.locator('#token-view').waitFor();

    const token = (await page.locator('#token-jwt').textContent())!;
    const { claims } = await verifyTwilioToken(token, credentials.apiKeySecret);
    expect(claims.grants?.identity).toBe('alice');
    expect(await page.locator('#token-identity').textContent()).toBe('alice');
    expect(await page.locator('#token-grants').textContent()).toBe('video, chat');
    expect(await page.locator('#token-room').textContent()).toBe('lobby');
    expect(await page.locator('#status').textContent()).toBe('Signed in as alice.');
    // Decoded in the browser, labelled as not verified, and equal to what jose verified.
    await expect(page.getByText('decoded in your browser, not verified').isVisible()).resolves.toBe(true);
    expect(JSON.parse((await page.locator('#jwt-claims').textContent())!)).toEqual(claims);
    expect(JSON.parse((await page.locator('#jwt-header').textContent())!)).toEqual({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
    // The countdown moves every second.
    const before = await page.locator('#token-countdown').textContent();
    expect(before).toMatch(/^(1 min 00 s|5[89] s)$/);
    await page.waitForFunction((text) => document.getElementById('token-countdown')?.textContent !== text, before, { timeout: 2500 });
    // The copy button puts exactly the token on the clipboard.
    await page.getByRole('button', { name: 'Copy token' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

    // Nothing kept: password field empty, no storage, no cookie, no credentials in the URL.
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);
    expect(page.url()).toBe(`${service.url}/`);
    await screenshot(page, 'demo-desktop-signed-in');
    expectNoConsoleErrors(session, service);
    expectOnlyRequestsTo(session, [service.url]);
  });

  it('signs in with a passcode and a display name on a phone-width screen, without sideways scrolling', async () => {
    const session = await open(service, { viewport: PHONE });
    const { page } = session;
    await page.goto(`${service.url}/`);
    await page.getByLabel('Passcode').fill(credentials.sharedSecret);
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.locator('#bearer-form').getByRole('button', { name: 'Get a token' }).click();
    await page.locator('#token-view').waitFor();
    const { claims } = await verifyTwilioToken((await page.locator('#token-jwt').textContent())!, credentials.apiKeySecret);
    expect(claims.grants?.identity).toBe('Ada Lovelace');
    expect(await page.locator('#token-identity').textContent()).toBe('Ada Lovelace');
    expect(await page.getByLabel('Passcode').inputValue()).toBe('');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.locator('details.snippets summary').click();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'demo-phone-signed-in');
    expectNoConsoleErrors(session, service);
    expectOnlyRequestsTo(session, [service.url]);
  });

  it('a wrong password reads "Wrong username or password", shows no token, and clears the password field', async () => {
    for (const [viewport, name] of [
      [DESKTOP, 'desktop'],
      [PHONE, 'phone'],
    ] as const) {
      const session = await open(service, { viewport });
      const { page } = session;
      await page.goto(`${service.url}/`);
      await signInWithPassword(page, 'bob', `${credentials.passwords.bob}x`);
      await page.locator('#error').waitFor();
      expect(await page.locator('#error').textContent()).toBe('Wrong username or password. Check them and try again.');
      expect(await page.locator('#token-view').isVisible()).toBe(false);
      expect(await page.locator('#token-jwt').textContent()).toBe('');
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      // Focus returns to the password field, ready for another try.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('basic-password');
      await screenshot(page, `demo-${name}-error`);
      expect(session.dialogs).toEqual([]);
      expectNoConsoleErrors(session, service, [401]);
      expectOnlyRequestsTo(session, [service.url]);
    }
  });

  it('too many attempts: after five wrong passwords the page says so and how long to wait', async () => {
    const session = await open(service);
    const { page } = session;
    await page.goto(`${service.url}/`);
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      const answered = page.waitForResponse((response) => response.url() === `${service.url}/token`);
      await signInWithPassword(page, 'carol', 'wrong password');
      statuses.push((await answered).status());
      await page.locator('#basic-form button:not([disabled])').waitFor();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await page.locator('#error').textContent()).toMatch(/^Too many sign-in attempts\. Try again in 1[45] min \d\d s\.$/);
    expectNoConsoleErrors(session, service, [401, 429]);
  });

  it('network down: the page says it could not reach the service', async () => {
    const session = await open(service);
    const { page } = session;
    await page.goto(`${service.url}/`);
    await page.getByLabel('Username').waitFor();
    await page.route('**/token', (route) => route.abort('internetdisconnected'));
    await signInWithPassword(page, 'alice', credentials.passwords.alice!);
    await page.locator('#error').waitFor();
    expect(await page.locator('#error').textContent()).toMatch(/^Network down: could not reach the token service\./);
    expect(await page.locator('#token-view').isVisible()).toBe(false);
    // The aborted request is logged by Chromium as net::ERR_INTERNET_DISCONNECTED; nothing else may be.
    expect(
      session.consoleErrors.filter((entry) => !/ERR_INTERNET_DISCONNECTED/.test(entry.text) && !/status of 401/.test(entry.text)),
    ).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });

  it('server misconfigured: the page says so on load and offers no sign-in', async () => {
    const session = await open(misconfigured);
    const { page } = session;
    await page.goto(`${misconfigured.url}/`);
    await page.locator('#error').waitFor();
    expect(await page.locator('#error').textContent()).toMatch(/^The token service is misconfigured, so it cannot issue tokens\./);
    expect(await page.locator('#basic-form').isVisible()).toBe(false);
    expect(await page.locator('#bearer-form').isVisible()).toBe(false);
    expectNoConsoleErrors(session, misconfigured, [503], '/health');
  });

  it('refreshes a 60 s token half-way through and shows the new token, expiry and a refresh count', async () => {
    const session = await open(service);
    const { page } = session;
    await page.clock.install();
    await page.goto(`${service.url}/`);
    await signInWithPassword(page, 'dave', credentials.passwords.dave!);
    await page.locator('#token-view').waitFor();
    const first = await page.locator('#token-jwt').textContent();
    expect(await page.locator('#token-refreshes').textContent()).toMatch(/^Not yet\./);
    // A second of real time, so that the server's next token has another iat (and so other bytes).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await page.clock.fastForward('00:25');
    expect(await page.locator('#token-countdown').textContent()).toMatch(/^3\d s$/);
    expect(await page.locator('#token-refreshes').textContent()).toMatch(/^Not yet\./);
    await page.clock.fastForward('00:06');
    await page.waitForFunction(() => document.getElementById('token-refreshes')?.textContent?.startsWith('Refreshed 1 time'));
    expect(await page.locator('#token-jwt').textContent()).not.toBe(first);
    expect(await page.locator('#token-countdown').textContent()).toMatch(/^(1 min 00 s|59 s)$/);
    expect(await page.locator('#status').textContent()).toMatch(/^Token refreshed at /);
    const { claims } = await verifyTwilioToken((await page.locator('#token-jwt').textContent())!, credentials.apiKeySecret);
    expect(claims.grants?.identity).toBe('dave');
    expect(session.requests.filter((url) => url === `${service.url}/token`)).toHaveLength(2); // sign-in, refresh
    expectNoConsoleErrors(session, service);
    expectOnlyRequestsTo(session, [service.url]);
  });

  it('keyboard only: Tab to the fields, type, press Enter, see the token; focus is always visible', async () => {
    const session = await open(service);
    const { page } = session;
    await page.goto(`${service.url}/`);
    await page.getByLabel('Username').waitFor();
    const focused = () =>
      page.evaluate(() => {
        const active = document.activeElement as HTMLElement | null;
        const style = active ? getComputedStyle(active) : null;
        return { id: active?.id ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
      });
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'basic-username', outline: 'solid 3px' });
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'basic-password', outline: 'solid 3px' });
    await page.keyboard.type(credentials.passwords.alice!);
    await page.keyboard.press('Enter');
    await page.locator('#token-view').waitFor();
    // Focus moves to the result, so the next Tab reaches its buttons.
    expect((await focused()).id).toBe('token-heading');
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'copy-token', outline: 'solid 3px' });
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'sign-out', outline: 'solid 3px' });
    await page.keyboard.press('Enter');
    expect(await page.locator('#token-view').isVisible()).toBe(false);
    expect(await focused()).toEqual({ id: 'basic-username', outline: 'solid 3px' });
    expectNoConsoleErrors(session, service);
  });

  it('every visible text has a contrast of at least 4.5:1, signed out, signed in and with an error', async () => {
    const session = await open(service);
    const { page } = session;
    await page.goto(`${service.url}/`);
    await page.getByLabel('Username').waitFor();
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
    await signInWithPassword(page, 'bob', 'wrong password');
    await page.locator('#error').waitFor();
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
    await signInWithPassword(page, 'alice', credentials.passwords.alice!);
    await page.locator('#token-view').waitFor();
    await page.locator('details.snippets summary').click();
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
  });

  describe('cross-origin: a page on another loopback origin using the token client', () => {
    async function tokenFromOtherOrigin(pageOrigin: string): Promise<{ session: PageSession; result: { token?: string; code?: string } }> {
      const session = await open(service);
      await session.page.goto(`${pageOrigin}/`);
      await session.page.waitForFunction(() => 'createTokenClient' in window);
      const result = await session.page.evaluate(
        async ({ endpoint, password }) => {
          const { createTokenClient } = window as unknown as {
            createTokenClient: typeof import('../../src/assets/token-client').createTokenClient;
          };
          const client = createTokenClient({ endpoint, credentials: { kind: 'basic', username: 'alice', password }, maxRetries: 0 });
          try {
            return { token: (await client.getToken()).token as string };
          } catch (error) {
            return { code: (error as { code: string }).code };
          }
        },
        { endpoint: `${service.url}/token`, password: credentials.passwords.alice! },
      );
      return { session, result };
    }

    it('an origin listed in ALLOWED_ORIGINS gets a token', async () => {
      const { session, result } = await tokenFromOtherOrigin(crossOrigin.allowed);
      const { claims } = await verifyTwilioToken(result.token!, credentials.apiKeySecret);
      expect(claims.grants?.identity).toBe('alice');
      expect(session.consoleErrors).toEqual([]);
      expectOnlyRequestsTo(session, [crossOrigin.allowed, service.url]);
    });

    it('an origin not listed gets no token: the page reads the 403 origin_not_allowed (Allow-Origin *, no credentials)', async () => {
      const logBefore = service.output().length;
      const { session, result } = await tokenFromOtherOrigin(crossOrigin.unlisted);
      expect(result).toEqual({ code: 'origin_not_allowed' });
      await service.waitForOutput(/"code":"origin_not_allowed"/, { since: logBefore });
      expect(service.output().slice(logBefore)).toMatch(/"code":"origin_not_allowed"/);
      expectNoConsoleErrors(session, service, [403]);
      expectOnlyRequestsTo(session, [crossOrigin.unlisted, service.url]);
    });
  });
  describe("cross-origin through an emulation of Twilio's deployed edge, which answers every preflight itself with Access-Control-Allow-Headers: *", () => {
    let edge: StandaloneEdge;
    beforeAll(async () => {
      edge = await startFunctionsEdge(service.url);
    });
    afterAll(async () => {
      await edge?.close();
    });

    /** The token client on the allowed origin, calling /token through the edge; what it sent and what came back. */
    async function viaEdge(sendCredentialsIn?: 'header' | 'body') {
      const session = await open(service);
      const sent: { method: string; headers: Record<string, string>; body: string | null }[] = [];
      session.page.on('request', (request) => {
        if (request.url() === `${edge.url}/token`)
          sent.push({ method: request.method(), headers: request.headers(), body: request.postData() });
      });
      await session.page.goto(`${crossOrigin.allowed}/`);
      await session.page.waitForFunction(() => 'createTokenClient' in window);
      const result = await session.page.evaluate(
        async ({ endpoint, password, placement }) => {
          const { createTokenClient } = window as unknown as {
            createTokenClient: typeof import('../../src/assets/token-client').createTokenClient;
          };
          const client = createTokenClient({
            endpoint,
            credentials: { kind: 'basic', username: 'alice', password },
            maxRetries: 0,
            ...(placement !== undefined && { sendCredentialsIn: placement }),
          });
          try {
            return { token: (await client.getToken()).token as string };
          } catch (error) {
            return { code: (error as { code: string }).code };
          }
        },
        { endpoint: `${edge.url}/token`, password: credentials.passwords.alice!, placement: sendCredentialsIn },
      );
      return { session, sent, result };
    }

    it('the token client sends the credentials in the JSON body by itself (no Authorization header), and gets a token', async () => {
      const { session, sent, result } = await viaEdge();
      const { claims } = await verifyTwilioToken(result.token!, credentials.apiKeySecret);
      expect(claims.grants?.identity).toBe('alice');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers['authorization']).toBeUndefined();
      expect(sent[0]!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(sent[0]!.body!)).toEqual({ username: 'alice', password: credentials.passwords.alice });
      expect(session.consoleErrors).toEqual([]);
    });

    it('the preflight was answered by the edge, as deployed (*, no methods list), not by twilio-run', async () => {
      const preflight = await fetch(`${edge.url}/token`, {
        method: 'OPTIONS',
        headers: { origin: crossOrigin.allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toBe('*');
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    });

    it('a canary: Chromium still lets * cover Authorization (deprecated by the Fetch standard), so the header form works today too', async () => {
      // If this fails, Chromium enforces the standard now: header credentials fail cross-origin once deployed,
      // and the body form above (the default for a cross-origin endpoint) is the only one that works.
      const { session, result } = await viaEdge('header');
      expect(result).toEqual({ token: expect.any(String) });
      expect(session.consoleErrors).toEqual([]);
    });
  });
});

/**
 * Serves a blank page and a copy of the built token client on two loopback origins: one listed in the
 * service's ALLOWED_ORIGINS (the port chosen before the service started), one not.
 */
async function startCrossOriginPages(allowedPort: number): Promise<{ allowed: string; unlisted: string; close(): Promise<void> }> {
  const files = {
    '/': blankPage('Another origin', 'import { createTokenClient } from "/token-client.js"; window.createTokenClient = createTokenClient;'),
    '/token-client.js': readFileSync(join(projectRoot, 'dist', 'assets', 'token-client.js')),
  };
  const [allowed, unlisted] = await Promise.all([serveStaticOrigin(allowedPort, files), serveStaticOrigin(await freePort(), files)]);
  return {
    allowed: allowed.origin,
    unlisted: unlisted.origin,
    close: () => Promise.all([allowed.close(), unlisted.close()]).then(() => undefined),
  };
}

/** Runs in the page: visible texts whose colour against their effective background is below 4.5:1 (WCAG AA). */
function lowContrastTexts(): string[] {
  type Rgba = { r: number; g: number; b: number; a: number };
  const parse = (css: string): Rgba | null => {
    const match = /rgba?\(([^)]+)\)/.exec(css);
    if (!match) return null;
    const [r = 0, g = 0, b = 0, a = 1] = match[1]!
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    return { r, g, b, a };
  };
  const channel = (value: number) => {
    const v = value / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c: Rgba) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const backgroundOf = (start: Element): Rgba => {
    for (let e: Element | null = start; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour.a > 0) return colour;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const low: string[] = [];
  for (const e of Array.from(document.querySelectorAll('body *'))) {
    if (!(e instanceof HTMLElement) || e.getClientRects().length === 0) continue;
    if ((e as HTMLButtonElement).disabled) continue;
    const ownText = Array.from(e.childNodes).some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim() !== '');
    if (!ownText) continue;
    const foreground = parse(getComputedStyle(e).color)!;
    const [light, dark] = [luminance(foreground), luminance(backgroundOf(e))].sort((x, y) => y - x);
    const ratio = (light! + 0.05) / (dark! + 0.05);
    if (ratio < 4.5)
      low.push(`${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''} "${e.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
  return low;
}
