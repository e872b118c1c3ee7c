// Calls a built Twilio Function (CommonJS, `handler(context, event, callback)`) in-process, the way
// the runtime would, so its throughput can be measured without an HTTP server in the way.
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

/** Bound on the first call, which checks that the handler calls back at all. */
const FIRST_CALL_TIMEOUT_MS = 5_000;

// A minimal stand-in for the runtime's global Twilio.Response: the setters a function uses.
class BenchResponse {
  constructor(options = {}) {
    this.statusCode = options.statusCode ?? 200;
    this.body = options.body;
    this.headers = { ...(options.headers ?? {}) };
  }
  setStatusCode(code) {
    this.statusCode = code;
    return this;
  }
  setBody(body) {
    this.body = body;
    return this;
  }
  appendHeader(name, value) {
    this.headers[name] = value;
    return this;
  }
  setHeaders(headers) {
    this.headers = { ...headers };
    return this;
  }
  setCookie(name, value) {
    this.headers['Set-Cookie'] = [...(this.headers['Set-Cookie'] ?? []), `${name}=${value}`];
    return this;
  }
  removeCookie(name) {
    return this.setCookie(name, '; Max-Age=0');
  }
}

/**
 * Loads the function at `file` with `env` as its context and process.env (as twilio-run does), and
 * returns `invoke(body, headers)` resolving to `{ statusCode, headers, body }` of one request.
 * Installs globals `Twilio.Response` and `Runtime` only when the process has none.
 * @example const invoke = loadFunction('/abs/dist/functions/token.js', env);
 *          await invoke({ identity: 'bench-user' }, { authorization: 'Bearer …' }) // => { statusCode: 200, … }
 */
export function loadFunction(file, env, { fresh = false } = {}) {
  globalThis.Twilio ??= { Response: BenchResponse };
  globalThis.Runtime ??= {
    getAssets: () => ({}),
    getFunctions: () => ({}),
    getSync: () => {
      throw new Error('no Sync in the bench');
    },
  };
  for (const [key, value] of Object.entries(env)) process.env[key] = value;
  if (fresh) delete requireFromHere.cache[requireFromHere.resolve(file)];
  const { handler } = requireFromHere(file);
  if (typeof handler !== 'function') throw new Error(`${file} exports no handler function`);
  const context = {
    ...env,
    DOMAIN_NAME: 'localhost',
    PATH: '/token',
    SERVICE_SID: undefined,
    ENVIRONMENT_SID: undefined,
    getTwilioClient() {
      throw new Error('the bench gives functions no Twilio client');
    },
  };
  return function invoke(body, headers) {
    // The runtime merges body keys into the event beside `request` (lowercase header names).
    const event = { ...body, request: { headers: { ...headers }, cookies: {} } };
    return new Promise((resolve) => {
      const callback = (error, result) => resolve(normalise(error, result));
      try {
        const returned = handler(context, event, callback);
        if (typeof returned?.then === 'function') returned.catch((error) => callback(error));
      } catch (error) {
        callback(error);
      }
    });
  };
}

/**
 * Calls `invoke` once and fails unless it answers 2xx within a bounded time: a benchmark of
 * rejections would measure the wrong path.
 * @example await expectSuccess(invoke, body, headers) // => the first response
 */
export async function expectSuccess(invoke, body, headers) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler did not call back within ${FIRST_CALL_TIMEOUT_MS} ms`)), FIRST_CALL_TIMEOUT_MS);
  });
  const response = await Promise.race([invoke(body, headers), timeout]).finally(() => clearTimeout(timer));
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new Error(`handler answered ${response.statusCode}: ${JSON.stringify(response.body).slice(0, 300)}`);
  }
  return response;
}

function normalise(error, result) {
  if (error) return { statusCode: 500, headers: {}, body: String(error?.message ?? error) };
  if (result instanceof BenchResponse || (result && typeof result.setStatusCode === 'function')) {
    return { statusCode: result.statusCode, headers: result.headers, body: result.body };
  }
  return { statusCode: 200, headers: {}, body: result };
}

/**
 * One call, timed in ms; an answer other than 200 stops the run (it would have timed another path).
 * @example const ms = await timedCallMs(invoke, body, headers)
 */
export async function timedCallMs(invoke, body, headers) {
  const startedAt = performance.now();
  const response = await invoke(body, headers);
  const ms = performance.now() - startedAt;
  if (response.statusCode !== 200) throw new Error(`handler answered ${response.statusCode} during the run`);
  return ms;
}
