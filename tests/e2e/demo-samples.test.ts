/// <reference lib="dom" />
/**
 * The demo page's placeholder banner and its samples, in Debian's Chromium against the real twilio-run: the banner
 * appears exactly when /health names placeholder credentials, and the same-origin sample, run as written, gets a token
 * (the samples are built from what /health says the service issues, so they do not ask for a grant it refuses).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserDescribe, launchChromium } from '../helpers/chromium';
import { environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { startServer, type RunningServer } from '../helpers/twilio-run-server';

const projectRoot = join(__dirname, '..', '..');
const artifacts = join(projectRoot, 'test-artifacts');
const packageVersion = (
  JSON.parse(readFileSync(join(projectRoot, 'packages', 'token-client', 'package.json'), 'utf8')) as { version: string }
).version;

const describeInBrowser = browserDescribe('demo samples browser tests');

describeInBrowser('the demo page on placeholder credentials, and its samples', () => {
  let browser: Browser;
  let credentials: TestCredentials;
  let placeholders: RunningServer; // as npm start's development .env: placeholder account and key SIDs
  let real: RunningServer; // real-shaped credentials, video only

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    credentials = newCredentials(['alice']);
    [browser, placeholders, real] = await Promise.all([
      launchChromium(),
      environmentFor(credentials, { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_API_KEY_SID: `SK${'0'.repeat(32)}` }).then((env) =>
        startServer(env),
      ),
      environmentFor(credentials, { TOKEN_GRANTS: 'video' }).then((env) => startServer(env)),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([browser?.close(), placeholders?.stop(), real?.stop()]);
  });

  /** A page whose own Content-Security-Policy is bypassed, so a test can run a sample as an inline module. */
  async function openPage(url: string, bypassCSP = false): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#basic-form').waitFor();
    return page;
  }

  it('shows a banner naming the placeholder settings, from /health, and still signs in (the token decodes)', async () => {
    const page = await openPage(`${placeholders.url}/`);
    const banner = page.locator('#placeholder-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(
      /^Placeholder credentials: tokens from this service are signed with placeholder values \(TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID\)\. They decode on this page, but Twilio refuses them\./,
    );
    expect(await banner.getAttribute('role')).toBe('note');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(credentials.passwords.alice!);
    await page.locator('#basic-form').getByRole('button', { name: 'Get a token' }).click();
    await page.locator('#token-view').waitFor();
    await expect(banner.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(artifacts, 'demo-placeholder-credentials.png'), fullPage: false });
    await page.context().close();
  });

  it('shows no banner when the credentials are real-shaped', async () => {
    const page = await openPage(`${real.url}/`);
    await page.locator('#sample-same-origin').filter({ hasText: 'createTokenClient' }).waitFor({ state: 'attached' });
    await expect(page.locator('#placeholder-banner').isVisible()).resolves.toBe(false);
    await page.context().close();
  });

  it('the same-origin sample, run as written on the page, gets a token with the grants the service issues', async () => {
    const page = await openPage(`${real.url}/`, true);
    const code = page.locator('#sample-same-origin');
    await code.filter({ hasText: 'createTokenClient' }).waitFor({ state: 'attached' });
    const sample = (await code.textContent())!;
    expect(sample).toContain("request: { grants: ['video'] }");
    expect(sample).toContain("credentials: { kind: 'basic', username, password },   // or { kind: 'bearer', secret, identity }");
    await page.addScriptTag({
      type: 'module',
      content: `const username = ${JSON.stringify('alice')}, password = ${JSON.stringify(credentials.passwords.alice!)};\n${sample}\nwindow.sampleToken = token;`,
    });
    const token = (await (
      await page.waitForFunction(() => (window as unknown as { sampleToken?: string }).sampleToken)
    ).jsonValue()) as string;
    const { claims } = await verifyTwilioToken(token, credentials.apiKeySecret);
    expect(claims.grants).toEqual({ identity: 'alice', video: {} });
    await page.context().close();
  });

  it('the cross-origin sample names this service, the ALLOWED_ORIGINS step and the tarball npm pack makes', async () => {
    const page = await openPage(`${real.url}/`);
    const code = page.locator('#sample-cross-origin');
    await code.filter({ hasText: 'createTokenClient' }).waitFor({ state: 'attached' });
    const sample = (await code.textContent())!;
    expect(sample).toContain(`endpoint: '${real.url}/token',`);
    expect(sample).toContain('ALLOWED_ORIGINS');
    expect(sample).toContain('(cd packages/token-client && npm pack --pack-destination /tmp)');
    expect(sample).toContain(`npm install /tmp/twilio-token-service-token-client-${packageVersion}.tgz`);
    expect(sample).toContain("import { createTokenClient } from '@twilio-token-service/token-client';");
    await page.context().close();
  });

  it('has a sample for every SDK, TaskRouter included, and says which grants this service does not issue', async () => {
    const page = await openPage(`${real.url}/`);
    await page.locator('#sample-same-origin').filter({ hasText: 'createTokenClient' }).waitFor({ state: 'attached' });
    const notes = await page.$$eval('[data-grant]', (sections) =>
      sections.map((section) => {
        const note = section.querySelector('.grant-note') as HTMLElement;
        return [(section as HTMLElement).dataset['grant'], note.hidden ? '' : note.textContent];
      }),
    );
    expect(notes.map(([grant]) => grant).sort()).toEqual(['chat', 'sync', 'taskrouter', 'video', 'voice']);
    for (const [grant, note] of notes) {
      if (grant === 'video') expect(note).toBe('');
      else
        expect(note).toBe(
          `This service does not issue the ${grant} grant yet: add ${grant} to TOKEN_GRANTS (with the setting it needs, docs/configuration.md).`,
        );
    }
    await page.context().close();
  });
});
