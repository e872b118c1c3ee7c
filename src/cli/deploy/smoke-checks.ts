/** Checks a running service from outside, as a user would: /health, the demo page, /token's refusals, the published files. */
import { randomBytes } from 'node:crypto';
import { requestThroughProxy, type PlainRequest, type PlainResponse } from '../twilio/http-through-proxy';

export interface SmokeResult {
  readonly ok: boolean;
  /** One line per check: what was asked and what came back (never a secret: these requests carry none). */
  readonly lines: readonly string[];
}

interface Check {
  readonly name: string;
  readonly path: string;
  /** The request, or a function of what /health said; undefined from it skips the check. */
  readonly request?: PlainRequest | ((health: HealthSeen) => PlainRequest | undefined);
  /** undefined when the answer is as expected, else the reason. */
  readonly verdict: (answer: PlainResponse, health: HealthSeen) => string | undefined;
}

interface HealthSeen {
  /** Set when /health answered ok: the sign-in methods the service has. */
  authSchemes?: readonly string[];
}

/** The fields of our JSON answers the checks read; any of them may be missing or of another type. */
interface AnswerJson {
  readonly status?: unknown;
  readonly problems?: unknown;
  readonly authSchemes?: unknown;
  readonly placeholders?: unknown;
  readonly openapi?: unknown;
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly schemes?: unknown };
}

function json(answer: PlainResponse): AnswerJson | undefined {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

const CHECKS: readonly Check[] = [
  {
    name: 'GET /health',
    path: '/health',
    verdict(answer, health) {
      const body = json(answer);
      if (answer.status === 503 && body?.status === 'misconfigured' && Array.isArray(body.problems)) {
        const named = body.problems.map(
          (problem: { variable?: unknown; message?: unknown }) => `${String(problem.variable)}: ${String(problem.message)}`,
        );
        return `503 misconfigured: ${named.join('; ')}`;
      }
      if (answer.status !== 200 || body?.status !== 'ok') return `expected 200 {"status":"ok"}, got ${answer.status}`;
      if (!Array.isArray(body.authSchemes) || body.authSchemes.length === 0) return 'the answer lists no sign-in method (authSchemes)';
      health.authSchemes = body.authSchemes;
      // The service answers, but every token it signs is refused by Twilio: not a service that works.
      if (Array.isArray(body.placeholders) && body.placeholders.length > 0)
        return `tokens are signed with placeholder credentials (${body.placeholders.map(String).join(', ')}): Twilio refuses them; set the real values and deploy again`;
      return undefined;
    },
  },
  {
    name: 'GET / (the demo page)',
    path: '/',
    verdict(answer) {
      if (answer.status !== 200) return `expected 200, got ${answer.status}`;
      if (!/^text\/html/.test(String(answer.headers['content-type'])))
        return `expected text/html, got ${String(answer.headers['content-type'])}`;
      if (!answer.text.includes('<title>Twilio Access Token demo</title>')) return 'the page is not the demo page';
      return undefined;
    },
  },
  {
    name: 'POST /token without credentials',
    path: '/token',
    request: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    verdict(answer, health) {
      const error = json(answer)?.error;
      if (answer.status !== 401 || error?.code !== 'missing_credentials') {
        return `expected 401 missing_credentials, got ${answer.status}${typeof error?.code === 'string' ? ` ${error.code}` : ''}`;
      }
      // The same schemes as /health: the function ran, read the headers and the configuration.
      if (health.authSchemes && JSON.stringify(error.schemes) !== JSON.stringify(health.authSchemes))
        return 'its schemes differ from /health';
      return undefined;
    },
  },
  {
    // Credentials in a body are accepted only beside a declared Content-Length (a chunked body cannot show they were
    // not in the URL). Whether the edge in front passes that header on is checked here, with made-up credentials.
    name: 'POST /token with credentials in a JSON body',
    path: '/token',
    request(health) {
      const made = `smoke-check-${randomBytes(8).toString('hex')}`;
      const json = (fields: object): PlainRequest => ({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      });
      if (health.authSchemes?.includes('bearer')) return json({ access_token: made });
      if (health.authSchemes?.includes('basic')) return json({ username: made, password: made });
      return undefined;
    },
    verdict(answer) {
      const error = json(answer)?.error;
      if (answer.status === 401 && error?.code === 'invalid_credentials') return undefined;
      if (answer.status === 400 && error?.code === 'invalid_request') {
        return `refused as ${typeof error.message === 'string' ? error.message : 'invalid_request'}: credentials in a body do not work through this edge; send them in the Authorization header`;
      }
      return `expected 401 invalid_credentials, got ${answer.status}${typeof error?.code === 'string' ? ` ${error.code}` : ''}`;
    },
  },
  {
    name: 'GET /token-client.js',
    path: '/token-client.js',
    verdict: (answer) =>
      answer.status === 200 && answer.text.includes('createTokenClient') ? undefined : `expected the token client, got ${answer.status}`,
  },
  {
    name: 'GET /openapi.json',
    path: '/openapi.json',
    verdict: (answer) =>
      answer.status === 200 && /^3\.1\./.test(String(json(answer)?.openapi))
        ? undefined
        : `expected an OpenAPI 3.1 document, got ${answer.status}`,
  },
];

/** Answers worth waiting out right after a deploy: the new build may take a moment to serve. */
const PASSING_STATUSES = new Set([0, 502, 503, 504]);

export interface SmokeOptions {
  /** Keep retrying a check that fails for a passing reason (network, 502-504 without our JSON) this long. */
  readonly waitSeconds?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs every check against the service at `baseUrl` (e.g. `https://svc-1234-dev.twil.io`).
 * @example const { ok, lines } = await runSmokeChecks('https://svc-1234-dev.twil.io', { waitSeconds: 30 })
 */
export async function runSmokeChecks(baseUrl: string, options: SmokeOptions = {}): Promise<SmokeResult> {
  const base = new URL(baseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error('the URL must start with https:// (or http:// for a local service)');
  if (base.username || base.password || base.search) throw new Error('the URL must not contain credentials or a query string');
  const origin = base.origin;
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const health: HealthSeen = {};
  const lines: string[] = [];
  let ok = true;
  for (const check of CHECKS) {
    const request = typeof check.request === 'function' ? check.request(health) : check.request;
    if (typeof check.request === 'function' && request === undefined) {
      // Say why: a failed /health leaves the sign-in methods unknown, which is not the same as having none.
      const why =
        health.authSchemes === undefined ? 'GET /health failed, so the sign-in methods are unknown' : 'no Basic or shared-secret sign-in';
      lines.push(`  - ${check.name}: skipped (${why})`);
      continue;
    }
    let reason: string | undefined;
    for (;;) {
      let answer: PlainResponse;
      try {
        answer = await requestThroughProxy(`${origin}${check.path}`, { ...request, ...(options.env && { env: options.env }) });
      } catch (error) {
        answer = { status: 0, headers: {}, text: '' };
        reason = (error as Error).message;
      }
      if (answer.status !== 0) reason = check.verdict(answer, health);
      const passing = reason !== undefined && PASSING_STATUSES.has(answer.status) && json(answer) === undefined;
      if (!passing || Date.now() >= deadline) break;
      await sleep(2000);
    }
    lines.push(reason === undefined ? `  ✓ ${check.name}` : `  ✗ ${check.name}: ${reason}`);
    if (reason !== undefined) ok = false;
  }
  return { ok, lines };
}
