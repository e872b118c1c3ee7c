// One POST /token with an Authorization header and an empty JSON body, for the bench's attack cases (brute-force.mjs,
// refusals.mjs): its status, how long it took, and its Retry-After. Never rejects: a failed request is status 0.
import { request } from 'node:http';

/** A request still unanswered after this long is ended (status 0): refusals are answered within seconds. */
const REQUEST_TIMEOUT_MS = 15_000;

export function post(agent, url, authorization) {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { authorization, 'content-type': 'application/json', 'content-length': 2 },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - startedAt, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - startedAt }));
    req.end('{}');
  });
}

/** An HTTP Basic header. */
export const basic = (name, password) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
