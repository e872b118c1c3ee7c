// The least a /token Function can do for the bench's request, and nothing more: the work every such handler must do
// (compare the Bearer secret in constant time, write the claims, one HMAC, a Twilio.Response with the same headers and
// body, one JSON log line with console.log before the callback) and none of the checks the real handler makes (no
// configuration check, no origin, body, field, identity or policy check, no revocation list). It mints the same bytes
// as dist/functions/token.js for the bench's configuration (bench/run.mjs checks), so the gap between the two rows is
// the price of those checks, and its ratio to raw-hmac is the best any such handler can reach on this machine.
// A bench reference only: never deploy it.
/* global Twilio -- the Functions runtime (and twilio-run) provide it */
const { createHmac, createSecretKey, hash, timingSafeEqual } = require('node:crypto');

const TTL_SECONDS = 3600;
const HEADER_SEGMENT = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' })).toString('base64url');
const HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  Vary: 'Origin',
};

let prepared;
// Read once per instance, like the real handler's configuration cache (which also checks every value per request).
function prepare(context) {
  prepared ??= {
    secretDigest: hash('sha256', context.AUTH_SHARED_SECRETS, 'buffer'),
    signingKey: createSecretKey(Buffer.from(context.TWILIO_API_KEY_SECRET, 'utf8')),
    video: JSON.stringify({ room: context.VIDEO_ROOM }),
    signer: `,"iss":${JSON.stringify(context.TWILIO_API_KEY_SID)},"sub":${JSON.stringify(context.ACCOUNT_SID)}}`,
    apiKeySid: context.TWILIO_API_KEY_SID,
    room: context.VIDEO_ROOM,
  };
  return prepared;
}

exports.handler = (context, event, callback) => {
  const startedAt = Date.now();
  const p = prepare(context);
  const authorization = event.request.headers.authorization;
  const presented = typeof authorization === 'string' && authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
  if (!timingSafeEqual(hash('sha256', presented, 'buffer'), p.secretDigest)) return callback(null, { error: 'invalid_credentials' });
  const identity = event.identity;
  const now = Math.floor(startedAt / 1000);
  const payload =
    `{"jti":${JSON.stringify(`${p.apiKeySid}-${now}`)},"grants":{"identity":${JSON.stringify(identity)},"video":${p.video}},` +
    `"iat":${now},"exp":${now + TTL_SECONDS}${p.signer}`;
  const signingInput = `${HEADER_SEGMENT}.${Buffer.from(payload, 'utf8').toString('base64url')}`;
  const token = `${signingInput}.${createHmac('sha256', p.signingKey).update(signingInput).digest('base64url')}`;
  const response = new Twilio.Response();
  response.setStatusCode(200);
  response.setHeaders({ ...HEADERS });
  const grants = ['video'];
  response.setBody({
    token,
    identity,
    ttl: TTL_SECONDS,
    expiresAt: new Date((now + TTL_SECONDS) * 1000).toISOString(),
    grants,
    room: p.room,
  });
  const line = { event: 'token_request', outcome: 'issued', status: 200, scheme: 'bearer', identity, grants, ttl: TTL_SECONDS };
  line.durationMs = Date.now() - startedAt;
  console.log(JSON.stringify(line));
  callback(null, response);
};
