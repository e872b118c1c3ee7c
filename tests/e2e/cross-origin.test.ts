/// <reference lib="dom" />
/**
 * An app on another loopback origin than the token service, in Debian's Chromium against the real twilio-run:
 * what a page on an origin listed in ALLOWED_ORIGINS and on one not listed can read, and how many requests
 * the function logged for each. Includes the attack of issue 15: a `request` field that forges the headers.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runBounded } from '../helpers/bounded-process';
import type { Browser } from 'playwright-core';
import { browserDescribe, launchChromium, openSession, type PageSession } from '../helpers/chromium';
import { environmentFor, newCredentials, type TestCredentials } from '../helpers/fixtures';
import { blankPage, serveStaticOrigin, type StaticOrigin } from '../helpers/static-origin';
import { verifyTwilioToken } from '../helpers/token-verifier';
import { freePort, startServer, type RunningServer } from '../helpers/twilio-run-server';

const projectRoot = join(__dirname, '..', '..');

const describeInBrowser = browserDescribe('cross-origin browser tests');

interface LoggedRequest {
  status: number;
  code?: string;
  outcome: string;
}

describeInBrowser('an app on another origin, in Chromium', () => {
  let browser: Browser;
  let credentials: TestCredentials;
  let service: RunningServer;
  let allowed: StaticOrigin;
  let unlisted: StaticOrigin;
  /** A third origin listed in ALLOWED_ORIGINS, for the app that installs the package. */
  let appPort: number;
  const sessions: PageSession[] = [];

  beforeAll(async () => {
    credentials = newCredentials(['alice']);
    const [allowedPort, unlistedPort] = [await freePort(), await freePort()];
    appPort = await freePort();
    const files = {
      '/': blankPage(
        'Another origin',
        'import { createTokenClient } from "/token-client.js"; window.createTokenClient = createTokenClient;',
      ),
      // A copy of the built asset, served by the app itself (the service's assets carry no CORS header).
      '/token-client.js': readFileSync(join(projectRoot, 'dist', 'assets', 'token-client.js')),
    };
    [browser, service, allowed, unlisted] = await Promise.all([
      launchChromium(),
      environmentFor(credentials, { ALLOWED_ORIGINS: `http://127.0.0.1:${allowedPort},http://127.0.0.1:${appPort}` }).then((env) =>
        startServer(env),
      ),
      serveStaticOrigin(allowedPort, files),
      serveStaticOrigin(unlistedPort, files),
    ]);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), service?.stop(), allowed?.close(), unlisted?.close()]);
  });

  async function pageOn(app: StaticOrigin): Promise<PageSession> {
    const session = await openSession(browser);
    sessions.push(session);
    await session.page.goto(`${app.origin}/`);
    await session.page.waitForFunction(() => 'createTokenClient' in window);
    return session;
  }

  /** The function's log lines since `cursor` (one per request it answered), once `expected` of them have arrived. */
  async function loggedSince(cursor: number, expected: number, server: RunningServer = service): Promise<LoggedRequest[]> {
    const logLine = /^\{"event":"token_request"/;
    await server.waitForOutput(logLine, { since: cursor, count: expected });
    // A little longer, so that a request more than expected would be seen too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await server.waitForOutput(logLine, { since: cursor, count: expected })).map((line) => JSON.parse(line) as LoggedRequest);
  }

  /** fetch() in the page: what the page's script can read of the answer, or that it could read nothing. */
  async function fetchInPage(
    session: PageSession,
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) {
    return session.page.evaluate(
      async ({ url, init }) => {
        try {
          const answer = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
          return { status: answer.status, text: await answer.text() };
        } catch {
          return { unreadable: true as const };
        }
      },
      { url, init },
    );
  }

  /** The token client with its default options (maxRetries 5) in the page, asking `endpoint` once. */
  async function clientInPage(session: PageSession, endpoint: string) {
    return session.page.evaluate(
      async ({ endpoint, password }) => {
        const { createTokenClient } = window as unknown as {
          createTokenClient: typeof import('../../src/assets/token-client').createTokenClient;
        };
        const client = createTokenClient({ endpoint, credentials: { kind: 'basic', username: 'alice', password }, retryBaseDelayMs: 50 });
        try {
          return { token: (await client.getToken()).token as string };
        } catch (error) {
          return { code: (error as { code: string }).code, status: (error as { status?: number }).status ?? null };
        }
      },
      { endpoint, password: credentials.passwords.alice! },
    );
  }

  describe('the token client with its default retries', () => {
    it('on the listed origin: gets a token (verified with jose), in one request', async () => {
      const session = await pageOn(allowed);
      const cursor = service.output().length;
      const result = await clientInPage(session, `${service.url}/token`);
      const { claims } = await verifyTwilioToken(result.token!, credentials.apiKeySecret);
      expect(claims.grants?.identity).toBe('alice');
      expect(await loggedSince(cursor, 1)).toEqual([expect.objectContaining({ status: 200, outcome: 'issued' })]);
      expect(session.consoleErrors).toEqual([]);
    });

    it('on an unlisted origin: reads the 403 origin_not_allowed (not network_error), and the server logged exactly one request', async () => {
      const session = await pageOn(unlisted);
      const cursor = service.output().length;
      const result = await clientInPage(session, `${service.url}/token`);
      expect(result).toEqual({ code: 'origin_not_allowed', status: 403 });
      expect(await loggedSince(cursor, 1)).toEqual([expect.objectContaining({ status: 403, code: 'origin_not_allowed' })]);
      // The only console error is Chromium's note of the 403 itself: no CORS complaint.
      expect(session.consoleErrors.map((entry) => entry.text)).toEqual([expect.stringMatching(/status of 403/)]);
    });

    it('on the listed origin, against a misconfigured service whose 500 the page may not read: network_error after exactly two requests', async () => {
      const misconfigured = await environmentFor(credentials, { ALLOWED_ORIGINS: allowed.origin, TWILIO_API_KEY_SID: 'SK-not-a-sid' }).then(
        (env) => startServer(env),
      );
      try {
        const session = await pageOn(allowed);
        const cursor = misconfigured.output().length;
        const result = await clientInPage(session, `${misconfigured.url}/token`);
        expect(result).toEqual({ code: 'network_error', status: null });
        const logged = await loggedSince(cursor, 2, misconfigured);
        expect(logged).toEqual([
          expect.objectContaining({ status: 500, code: 'server_misconfigured' }),
          expect.objectContaining({ status: 500, code: 'server_misconfigured' }),
        ]);
      } finally {
        await misconfigured.stop();
      }
    });
  });

  describe('a `request` field that forges the headers (Origin, Host, Authorization) cannot make an answer readable', () => {
    /** The query of the issue; `withCookieHeader` adds the Cookie header that makes the forgery consistent. */
    const forgedQuery = (claimedOrigin: string, withCookieHeader = false) => {
      const { host } = new URL(claimedOrigin);
      return (
        `?request[headers][authorization]=${encodeURIComponent(`Bearer ${credentials.sharedSecret}`)}` +
        `&request[headers][origin]=${encodeURIComponent(claimedOrigin)}&request[headers][host]=${encodeURIComponent(host)}` +
        (withCookieHeader ? `&request[headers][cookie]=${encodeURIComponent('a=1')}` : '') +
        '&request[cookies][a]=1&identity=mallory'
      );
    };

    it('a positive control: the page on the listed origin reads an answer of the function', async () => {
      const session = await pageOn(allowed);
      const answer = await fetchInPage(session, `${service.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer).toMatchObject({ status: 401 });
    });

    it.each([
      [
        'the query claims the page’s own origin and host (the "same origin" of the attack): refused, its cookies came with no Cookie header',
        'self',
        false,
        400,
      ],
      ['the query claims the listed origin: refused the same way', 'listed', false, 400],
      [
        'a consistent forgery (a Cookie header for its cookie) claims the page’s own origin: a token is minted, and no CORS header lets the page read it',
        'self',
        true,
        200,
      ],
      ['a consistent forgery claims the listed origin: the header names the listed origin, which is not the page’s', 'listed', true, 200],
    ] as const)('GET from an unlisted origin where %s', async (_what, claim, withCookieHeader, status) => {
      const session = await pageOn(unlisted);
      const cursor = service.output().length;
      const claimedOrigin = claim === 'self' ? unlisted.origin : allowed.origin;
      const answer = await fetchInPage(session, `${service.url}/token${forgedQuery(claimedOrigin, withCookieHeader)}`);
      expect(answer).toEqual({ unreadable: true });
      expect(await loggedSince(cursor, 1)).toEqual([expect.objectContaining({ status })]);
    });

    it('a JSON body whose `request` imitates the runtime’s object, cookies included: the page reads nothing', async () => {
      const session = await pageOn(unlisted);
      const cursor = service.output().length;
      const imitation = {
        headers: {
          authorization: `Bearer ${credentials.sharedSecret}`,
          origin: unlisted.origin,
          host: new URL(unlisted.origin).host,
          'content-type': 'application/json',
        },
        cookies: {},
      };
      const answer = await fetchInPage(session, `${service.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request: imitation, identity: 'mallory' }),
      });
      expect(answer).toEqual({ unreadable: true });
      expect(await loggedSince(cursor, 1)).toEqual([expect.objectContaining({ status: 200, outcome: 'issued' })]);
    });
  });
  describe('the token client as a package: npm pack, npm install of the tarball into an empty app, esbuild, another origin', () => {
    let work: string;
    let app: StaticOrigin;
    let packed: { tarball: string; files: string[] };

    /** npm without the registry: a throwaway HOME and cache, offline. */
    const npm = (args: string[], cwd: string) =>
      runBounded('npm', args, {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          npm_config_cache: join(work, 'npm-cache'),
          npm_config_offline: 'true',
          npm_config_audit: 'false',
          npm_config_fund: 'false',
          npm_config_update_notifier: 'false',
        },
        timeoutMs: 120_000,
      });

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'token-client-package-'));
      const pack = await npm(['pack', '--pack-destination', work, '--json'], join(projectRoot, 'packages', 'token-client'));
      expect({ code: pack.code, timedOut: pack.timedOut }).toEqual({ code: 0, timedOut: false });
      // npm's JSON report, among whatever prepack and npm itself printed around it.
      const reportText = /^\[\s*\{[\s\S]*?^\]$/m.exec(pack.output)?.[0];
      if (reportText === undefined) throw new Error(`npm pack printed no JSON report:\n${pack.output}`);
      const report = JSON.parse(reportText) as { filename: string; files: { path: string }[] }[];
      packed = { tarball: join(work, report[0]!.filename), files: report[0]!.files.map((file) => file.path).sort() };

      const appDir = join(work, 'app');
      mkdirSync(appDir);
      writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'an-app-elsewhere', private: true, type: 'module' }));
      const install = await npm(['install', packed.tarball], appDir);
      expect({ code: install.code, output: install.code === 0 ? '' : install.output }).toEqual({ code: 0, output: '' });
      // The app, in TypeScript: it imports the package by name and uses its types.
      writeFileSync(
        join(appDir, 'app.ts'),
        [
          "import { createTokenClient, TokenClientError, type IssuedToken } from '@twilio-token-service/token-client';",
          'async function tokenFor(endpoint: string, username: string, password: string): Promise<{ token: string } | { code: string }> {',
          "  const client = createTokenClient({ endpoint, credentials: { kind: 'basic', username, password } });",
          '  try {',
          '    const issued: IssuedToken = await client.getToken();',
          '    return { token: issued.token };',
          '  } catch (error) {',
          "    return { code: error instanceof TokenClientError ? error.code : 'not a TokenClientError' };",
          '  }',
          '}',
          '(window as unknown as { tokenFor: typeof tokenFor }).tokenFor = tokenFor;',
        ].join('\n'),
      );
      // As an app's own tsconfig would: the package's types are found through its `exports`.
      const compilerOptions = {
        strict: true,
        noEmit: true,
        module: 'esnext',
        moduleResolution: 'bundler',
        target: 'es2020',
        lib: ['es2020', 'dom'],
        types: [],
      };
      writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }));
      const typecheck = await runBounded(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', appDir], {
        cwd: appDir,
        env: { PATH: process.env.PATH },
        timeoutMs: 120_000,
      });
      expect({ code: typecheck.code, output: typecheck.output }).toEqual({ code: 0, output: '' });
      const bundled = await build({
        absWorkingDir: appDir,
        entryPoints: ['app.ts'],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2020',
        write: false,
        logLevel: 'silent',
      });
      app = await serveStaticOrigin(appPort, {
        '/': blankPage('An app on its own origin', 'import "/app.js";'),
        '/app.js': Buffer.from(bundled.outputFiles[0]!.contents),
      });
    }, 240_000);

    afterAll(async () => {
      await app?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('the tarball holds the module, its types, the README and package.json, and its module is byte for byte /token-client.js', () => {
      expect(packed.files).toEqual(['README.md', 'dist/token-client.d.ts', 'dist/token-client.js', 'package.json']);
      const installed = join(work, 'app', 'node_modules', '@twilio-token-service', 'token-client');
      expect(readFileSync(join(installed, 'dist', 'token-client.js'))).toEqual(
        readFileSync(join(projectRoot, 'dist', 'assets', 'token-client.js')),
      );
      expect(readdirSync(join(work, 'app', 'node_modules'))).toEqual(['.package-lock.json', '@twilio-token-service']);
    });

    it('the bundled app on a listed origin gets a token from twilio-run in Chromium (verified with jose), in one request', async () => {
      const session = await openSession(browser);
      sessions.push(session);
      await session.page.goto(`${app.origin}/`);
      await session.page.waitForFunction(() => 'tokenFor' in window);
      const cursor = service.output().length;
      const result = await session.page.evaluate(
        ({ endpoint, password }) =>
          (window as unknown as { tokenFor(e: string, u: string, p: string): Promise<{ token?: string; code?: string }> }).tokenFor(
            endpoint,
            'alice',
            password,
          ),
        { endpoint: `${service.url}/token`, password: credentials.passwords.alice! },
      );
      const { claims } = await verifyTwilioToken(result.token!, credentials.apiKeySecret);
      expect(claims.grants?.identity).toBe('alice');
      expect(await loggedSince(cursor, 1)).toEqual([expect.objectContaining({ status: 200, outcome: 'issued' })]);
      expect(session.consoleErrors).toEqual([]);
      expect(session.pageErrors).toEqual([]);
      expect(session.requests.filter((url) => !url.startsWith(app.origin) && !url.startsWith(service.url))).toEqual([]);
    });

    it("what does not work: importing the service's /token-client.js from another origin (its assets carry no CORS header)", async () => {
      const asset = await fetch(`${service.url}/token-client.js`, { headers: { origin: allowed.origin } });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('access-control-allow-origin')).toBeNull();
      const session = await openSession(browser);
      sessions.push(session);
      await session.page.goto(`${allowed.origin}/`);
      const loaded = await session.page.evaluate(async (url) => {
        try {
          await import(url);
          return 'loaded';
        } catch {
          return 'blocked';
        }
      }, `${service.url}/token-client.js`);
      expect(loaded).toBe('blocked');
      // The control: the same module served by the app's own origin loads (pageOn waits for it).
      await pageOn(allowed);
    });
  });
});
