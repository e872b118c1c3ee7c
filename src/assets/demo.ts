/** The demo page: learns the configured sign-in methods from /health, gets a token with the token client, and shows it. */
import { createTokenClient, TokenClientError, type IssuedToken, type TokenClient, type TokenClientCredentials } from './token-client.js';

// Same origin: no CORS, and the service's own origin is always allowed.
const TOKEN_ENDPOINT = '/token';
const HEALTH_ENDPOINT = '/health';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`demo page: #${id} is missing`);
  return found as T;
}

/** The version of packages/token-client, for the install line of the cross-origin sample (a test keeps it in step). */
const TOKEN_CLIENT_PACKAGE = 'twilio-token-service-token-client-0.1.0.tgz';

const ui = {
  placeholderBanner: element<HTMLDivElement>('placeholder-banner'),
  sameOriginSample: element<HTMLElement>('sample-same-origin'),
  crossOriginSample: element<HTMLElement>('sample-cross-origin'),
  status: element<HTMLDivElement>('status'),
  error: element<HTMLDivElement>('error'),
  signIn: element<HTMLElement>('sign-in'),
  checking: element<HTMLParagraphElement>('sign-in-checking'),
  noMethod: element<HTMLParagraphElement>('sign-in-none'),
  basicForm: element<HTMLFormElement>('basic-form'),
  basicUsername: element<HTMLInputElement>('basic-username'),
  basicPassword: element<HTMLInputElement>('basic-password'),
  bearerForm: element<HTMLFormElement>('bearer-form'),
  bearerPasscode: element<HTMLInputElement>('bearer-passcode'),
  bearerIdentity: element<HTMLInputElement>('bearer-identity'),
  tokenView: element<HTMLElement>('token-view'),
  tokenHeading: element<HTMLHeadingElement>('token-heading'),
  identity: element<HTMLElement>('token-identity'),
  grants: element<HTMLElement>('token-grants'),
  room: element<HTMLElement>('token-room'),
  countdown: element<HTMLElement>('token-countdown'),
  expiresAt: element<HTMLElement>('token-expires-at'),
  refreshes: element<HTMLElement>('token-refreshes'),
  jwt: element<HTMLElement>('token-jwt'),
  jwtHeader: element<HTMLElement>('jwt-header'),
  jwtClaims: element<HTMLElement>('jwt-claims'),
  copy: element<HTMLButtonElement>('copy-token'),
  signOut: element<HTMLButtonElement>('sign-out'),
  framed: element<HTMLParagraphElement>('framed'),
};

// The only copies of the credentials live inside this client; the page keeps no other.
let client: TokenClient | null = null;
let current: IssuedToken | null = null;
let tokensReceived = 0;
let lastRefreshAt: Date | null = null;

// ---- Which sign-in methods? -------------------------------------------------------------------

/**
 * `GET /health` lists the configured sign-in methods (`authSchemes`), so the page offers exactly what the
 * server accepts without a hard-coded list, and without a failed request on every page load.
 */
async function probeSchemes(): Promise<void> {
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(HEALTH_ENDPOINT, {
      headers: { Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
    body = await response.json().catch(() => undefined);
  } catch {
    ui.checking.hidden = true;
    showError('network_error');
    return;
  }
  ui.checking.hidden = true;
  const report =
    typeof body === 'object' && body !== null
      ? (body as { status?: unknown; authSchemes?: unknown; grants?: unknown; placeholders?: unknown })
      : {};
  if (response.status === 503 || report.status === 'misconfigured') {
    showError('server_misconfigured');
    return;
  }
  if (!response.ok || !Array.isArray(report.authSchemes)) {
    showError('invalid_response');
    return;
  }
  const schemes = report.authSchemes.filter((scheme): scheme is string => typeof scheme === 'string');
  ui.basicForm.hidden = !schemes.includes('basic');
  ui.bearerForm.hidden = !schemes.includes('bearer');
  ui.noMethod.hidden = !(ui.basicForm.hidden && ui.bearerForm.hidden);
  document.body.dataset.schemes = schemes.join(' ');
  showPlaceholderBanner(textsOf(report.placeholders));
  showSamples(schemes, textsOf(report.grants));
}

function textsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

// ---- Placeholder credentials and samples, from what /health says ------------------------------

/** Tokens signed with placeholders decode on this page but Twilio refuses them: say so before anyone wonders why. */
function showPlaceholderBanner(settings: readonly string[]): void {
  const names = settings.filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
  ui.placeholderBanner.hidden = names.length === 0;
  if (names.length === 0) return;
  ui.placeholderBanner.textContent =
    `Placeholder credentials: tokens from this service are signed with placeholder values (${names.join(', ')}). ` +
    'They decode on this page, but Twilio refuses them. Put your real Account SID and API key in .env ' +
    '(README, "Real Twilio credentials"); npm start restarts the server when .env changes.';
}

/** The samples as this service will answer them: its sign-in methods, the grants it issues, its own URL. */
function showSamples(schemes: readonly string[], grants: readonly string[]): void {
  const credentials: Record<string, string> = {
    basic: "{ kind: 'basic', username, password }",
    bearer: "{ kind: 'bearer', secret, identity }",
    oidc: "{ kind: 'oidc', token: idToken }",
  };
  const offered = schemes.filter((scheme) => scheme in credentials);
  const [first, ...others] = offered.length > 0 ? offered : ['basic'];
  const alternatives = others.length > 0 ? `   // or ${others.map((scheme) => credentials[scheme]).join(', or ')}` : '';
  const body = (endpoint: string) =>
    [
      'const tokens = createTokenClient({',
      ...(endpoint ? [`  endpoint: '${endpoint}',`] : []),
      `  credentials: ${credentials[first!]},${alternatives}`,
      `  request: { grants: [${grants.map((grant) => `'${grant}'`).join(', ')}] },   // what this service issues (TOKEN_GRANTS)`,
      '});',
      'tokens.onError((error) => console.error(error.code, error.message));',
      'const { token } = await tokens.start();   // then refreshed before every expiry',
    ].join('\n');
  ui.sameOriginSample.textContent = [`import { createTokenClient } from '/token-client.js';`, '', body('')].join('\n');
  ui.crossOriginSample.textContent = [
    `// 1. List your app's origin in this service's ALLOWED_ORIGINS (e.g. http://localhost:5173), then restart it.`,
    '// 2. Install the client once, from a checkout of this project:',
    '//      (cd packages/token-client && npm pack --pack-destination /tmp)',
    `//      npm install /tmp/${TOKEN_CLIENT_PACKAGE}`,
    "import { createTokenClient } from '@twilio-token-service/token-client';",
    '',
    body(`${location.origin}/token`),
  ].join('\n');
  document.querySelectorAll<HTMLElement>('[data-grant]').forEach((section) => {
    const grant = section.dataset['grant'] ?? '';
    const note = section.querySelector('.grant-note');
    if (!(note instanceof HTMLElement)) return;
    note.hidden = grants.includes(grant);
    note.textContent = note.hidden
      ? ''
      : `This service does not issue the ${grant} grant yet: add ${grant} to TOKEN_GRANTS (with the setting it needs, docs/configuration.md).`;
  });
}

// ---- Sign in, refresh, sign out ---------------------------------------------------------------

ui.basicForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const credentials: TokenClientCredentials = {
    kind: 'basic',
    username: ui.basicUsername.value.trim(),
    password: ui.basicPassword.value,
  };
  // Cleared at once: the password now exists only inside the client.
  ui.basicPassword.value = '';
  void signIn(credentials, ui.basicForm, ui.basicPassword);
});

ui.bearerForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const credentials: TokenClientCredentials = {
    kind: 'bearer',
    secret: ui.bearerPasscode.value.trim(),
    identity: ui.bearerIdentity.value.trim(),
  };
  ui.bearerPasscode.value = '';
  void signIn(credentials, ui.bearerForm, ui.bearerPasscode);
});

async function signIn(credentials: TokenClientCredentials, form: HTMLFormElement, retryField: HTMLInputElement): Promise<void> {
  forgetClient();
  hideError();
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  setStatus('Getting a token…');
  try {
    client = createTokenClient({
      endpoint: TOKEN_ENDPOINT,
      credentials,
      // No silent retries: a person should see a refused or failed sign-in at once (with retries, a 429
      // would wait out its Retry-After, up to 15 minutes). While signed in, a refresh that fails for a
      // passing reason (network, overload) is still tried again every 10 s.
      maxRetries: 0,
      retryMaxDelayMs: 10_000,
    });
    client.onToken(showToken);
    client.onError(onRefreshError);
    await client.start();
    setStatus(`Signed in as ${current?.identity ?? ''}.`);
    ui.tokenHeading.focus();
  } catch (error) {
    forgetClient();
    setStatus('');
    showError(error instanceof TokenClientError ? error.code : 'invalid_input', {
      kind: credentials.kind,
      retryAfterMs: error instanceof TokenClientError ? error.retryAfterMs : undefined,
      detail: error instanceof TypeError ? error.message.replace(/^token client: /, '') : undefined,
    });
    retryField.focus();
  } finally {
    if (button) button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

/** Errors after sign-in come from background refreshes; the token on screen stays until it expires. */
function onRefreshError(error: TokenClientError): void {
  if (!current) return; // a failed sign-in is reported by signIn()
  showError(error.code, { retryAfterMs: error.retryAfterMs, refreshing: true });
}

function forgetClient(): void {
  client?.clearCredentials();
  client = null;
  current = null;
  tokensReceived = 0;
  lastRefreshAt = null;
}

ui.signOut.addEventListener('click', () => {
  forgetClient();
  hideError();
  ui.tokenView.hidden = true;
  ui.signIn.hidden = false;
  for (const output of [ui.jwt, ui.jwtHeader, ui.jwtClaims, ui.identity]) output.textContent = '';
  setStatus('Signed out. This page forgot the token (it stays valid at Twilio until it expires).');
  const firstForm = [ui.basicForm, ui.bearerForm].find((form) => !form.hidden);
  firstForm?.querySelector('input')?.focus();
});

// ---- Showing the token ------------------------------------------------------------------------

function showToken(issued: IssuedToken): void {
  tokensReceived += 1;
  if (tokensReceived > 1) lastRefreshAt = new Date();
  current = issued;
  hideError();
  ui.signIn.hidden = true;
  ui.tokenView.hidden = false;
  ui.identity.textContent = issued.identity;
  ui.grants.textContent = describeGrants(issued);
  ui.room.textContent = issued.room ?? 'any room (not pinned)';
  ui.expiresAt.textContent = new Date(issued.expiresAtLocalMs).toLocaleTimeString();
  ui.refreshes.textContent = lastRefreshAt
    ? `Refreshed ${tokensReceived - 1} ${tokensReceived === 2 ? 'time' : 'times'}, last at ${lastRefreshAt.toLocaleTimeString()}.`
    : 'Not yet. The client gets a new token shortly before this one expires.';
  ui.jwt.textContent = issued.token;
  const [header, claims] = issued.token.split('.');
  ui.jwtHeader.textContent = prettyJwtPart(header);
  ui.jwtClaims.textContent = prettyJwtPart(claims);
  if (tokensReceived > 1) setStatus(`Token refreshed at ${lastRefreshAt?.toLocaleTimeString()}.`);
  updateCountdown();
}

/**
 * The grants, by their request names; a taskrouter grant also names the Worker the service bound it to (read from
 * the token's claims: the 200 body does not repeat it).
 */
function describeGrants(issued: IssuedToken): string {
  if (issued.grants.length === 0) return 'none';
  return issued.grants
    .map((grant) => {
      if (grant !== 'taskrouter') return grant;
      const claims = decodeJwtPart(issued.token.split('.')[1]) as { grants?: { task_router?: { worker_sid?: unknown } } } | undefined;
      const worker = claims?.grants?.task_router?.worker_sid;
      return typeof worker === 'string' ? `taskrouter (Worker ${worker})` : grant;
    })
    .join(', ');
}

function decodeJwtPart(part: string | undefined): unknown {
  try {
    const base64 = (part ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** base64url → UTF-8 → JSON. Only decoding: the signature is not (and cannot be) checked here. */
function prettyJwtPart(part: string | undefined): string {
  const decoded = decodeJwtPart(part);
  return decoded === undefined ? '(this part is not base64url-encoded JSON)' : JSON.stringify(decoded, null, 2);
}

function updateCountdown(): void {
  if (!current) return;
  const leftMs = current.expiresAtLocalMs - Date.now();
  ui.countdown.textContent = leftMs > 0 ? formatDuration(leftMs) : 'expired';
}

// Once a second; the countdown is not a live region, so screen readers are not told every tick.
setInterval(updateCountdown, 1000);

function formatDuration(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  return `${seconds} s`;
}

async function copyToken(): Promise<void> {
  if (!current) return;
  try {
    await navigator.clipboard.writeText(current.token);
    setStatus('Token copied to the clipboard.');
  } catch {
    // No clipboard permission: select the token so that Ctrl+C / long-press copies it.
    const range = document.createRange();
    range.selectNodeContents(ui.jwt);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    setStatus('Could not copy by itself: the token is selected, copy it with Ctrl+C (or ⌘C).');
  }
}
// A DOM listener's return value is ignored; copyToken handles its own failure.
ui.copy.addEventListener('click', () => void copyToken());

// ---- Messages ---------------------------------------------------------------------------------

function setStatus(text: string): void {
  ui.status.textContent = text;
}

/** Plain words for each error code; switch on the stable code, never on a message. */
function describe(code: string, options: ErrorOptions): string {
  const prefix = options.refreshing ? 'Could not refresh the token. ' : '';
  switch (code) {
    case 'invalid_credentials':
    case 'missing_credentials':
      return options.kind === 'bearer'
        ? 'Wrong passcode: the service did not accept it. Check it and try again.'
        : 'Wrong username or password. Check them and try again.';
    case 'origin_not_allowed':
      return `${prefix}This page's address (${location.origin}) is not allowed to get tokens from this service. Whoever runs it can add the address to ALLOWED_ORIGINS.`;
    case 'too_many_attempts':
      return options.retryAfterMs !== undefined
        ? `${prefix}Too many sign-in attempts. Try again in ${formatDuration(options.retryAfterMs)}.`
        : `${prefix}Too many sign-in attempts. Try again later.`;
    case 'server_misconfigured':
      return `${prefix}The token service is misconfigured, so it cannot issue tokens. Whoever runs it should check its settings (its log names the variables).`;
    case 'network_error':
      return options.refreshing
        ? 'Network down: could not reach the token service to refresh the token. Trying again every 10 seconds.'
        : 'Network down: could not reach the token service. Check your connection and try again.';
    case 'invalid_identity':
      return 'The service did not accept that display name. Use at most 128 characters, without control characters or leading or trailing spaces.';
    case 'invalid_input':
      return `Please check the form: ${options.detail ?? 'a field is missing'}.`;
    default:
      return `${prefix}Something went wrong (error code: ${code}). Try again, or ask whoever runs the service.`;
  }
}

interface ErrorOptions {
  kind?: TokenClientCredentials['kind'];
  retryAfterMs?: number | undefined;
  refreshing?: boolean;
  detail?: string | undefined;
}

function showError(code: string, options: ErrorOptions = {}): void {
  ui.error.textContent = describe(code, options);
  ui.error.dataset.code = code;
  ui.error.hidden = false;
}

function hideError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
  delete ui.error.dataset.code;
}

/**
 * Whether another origin's page frames this one. Twilio sets no headers on assets and a <meta> CSP cannot set
 * frame-ancestors, so the page checks for itself: a parent whose location it may not read is another origin.
 */
function framedByAnotherOrigin(): boolean {
  if (window.top === window.self) return false;
  try {
    return window.top?.location.origin !== window.location.origin;
  } catch {
    return true;
  }
}

// Framed by another site (clickjacking), the page never offers a sign-in: it says why and links to itself.
if (framedByAnotherOrigin()) {
  ui.signIn.hidden = true;
  ui.status.textContent = '';
  ui.framed.hidden = false;
} else {
  void probeSchemes();
}
