/**
 * Debian's Chromium (/usr/bin/chromium) driven by playwright-core, never a downloaded browser; and a page
 * session that records every request, console error, page error and dialog so tests can assert on them.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { missingToolsFailTheRun } from './tool-availability';

const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL_HINT = 'install it with: apt-get install chromium';

/**
 * Whether the browser suites can run. Without Chromium they are skipped locally, but in CI (`CI` set) a
 * missing browser is a failure: `.ci/run` installs it, so its absence there means the setup broke.
 */
export function chromiumAvailability(): { available: true } | { available: false; failInCi: boolean; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { available: true };
  return {
    available: false,
    failInCi: missingToolsFailTheRun(),
    reason: `browser tests need Chromium at ${CHROMIUM_PATH}; ${INSTALL_HINT}`,
  };
}

/**
 * `describe` when Chromium is there, `describe.skip` when it is not; without it, a CI run (`CI` set) also gets a
 * failing test that names what is missing, and a local run a warning naming the skipped `what`.
 * @example const describeInBrowser = browserDescribe('demo page browser tests');
 */
export function browserDescribe(what: string): jest.Describe {
  const availability = chromiumAvailability();
  if (availability.available) return describe;
  if (availability.failInCi) {
    it(`runs the ${what} in CI`, () => {
      throw new Error(`CI is set but ${availability.reason}`);
    });
  } else {
    console.warn(`Skipping the ${what}: ${availability.reason}`);
  }
  return describe.skip;
}

/** Chromium maps every host but loopback to nothing: a request the test forgot to route fails instead of leaving the machine. */
export const LOOPBACK_ONLY_RESOLVER = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No background traffic of the browser's own (updates, sync, field trials): every request must be the page's.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

export interface PageSession {
  context: BrowserContext;
  page: Page;
  /** Every request URL the page made, in order. */
  requests: string[];
  /** Console messages of type error, with the URL they refer to. */
  consoleErrors: { text: string; url: string }[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Types of JavaScript dialogs opened (alert, confirm, prompt, beforeunload). */
  dialogs: string[];
  close(): Promise<void>;
}

/** A fresh context (no storage, no cookies) and page, with recorders attached before anything loads. */
export async function openSession(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; permissions?: string[]; origin?: string } = {},
): Promise<PageSession> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  if (options.permissions && options.origin) await context.grantPermissions(options.permissions, { origin: options.origin });
  const page = await context.newPage();
  const session: PageSession = {
    context,
    page,
    requests: [],
    consoleErrors: [],
    pageErrors: [],
    dialogs: [],
    close: () => context.close(),
  };
  page.on('request', (request) => session.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') session.consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => session.pageErrors.push(String(error)));
  page.on('dialog', (dialog) => {
    session.dialogs.push(dialog.type());
    void dialog.dismiss();
  });
  return session;
}
