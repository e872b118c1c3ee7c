// The two reference ways to mint a Twilio video Access Token that the handler is compared with:
// the naive public-template path (twilio's AccessToken) and a raw node:crypto HMAC lower bound.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

const requireFromProject = createRequire(new URL('../../package.json', import.meta.url));

/**
 * The path public templates take: a new AccessToken per request, a VideoGrant, toJwt() (which
 * hands the secret to jsonwebtoken as a string each time).
 * @example const mint = naiveMinter(creds); mint() // => 'eyJhbGciOiJIUzI1NiIs...'
 */
export function naiveMinter({ accountSid, apiKeySid, apiKeySecret, identity, room, ttlSeconds }) {
  const AccessToken = requireFromProject('twilio/lib/jwt/AccessToken');
  return function mintNaive() {
    const token = new AccessToken(accountSid, apiKeySid, apiKeySecret, { identity, ttl: ttlSeconds });
    token.addGrant(new AccessToken.VideoGrant({ room }));
    return token.toJwt();
  };
}

// Exactly the header bytes jsonwebtoken writes for twilio's AccessToken (key order included).
const HEADER_SEGMENT = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' })).toString('base64url');

/**
 * The lower bound: the same JWS built with nothing but JSON.stringify and createHmac. Same claims,
 * same order, so for the same second it yields the same bytes as the naive path.
 * @example const mint = rawHmacMinter(creds); mint() === naiveMinter(creds)() // within one second
 */
export function rawHmacMinter({ accountSid, apiKeySid, apiKeySecret, identity, room, ttlSeconds }) {
  return function mintRawHmac() {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      jti: `${apiKeySid}-${now}`,
      grants: { identity, video: { room } },
      iat: now,
      exp: now + ttlSeconds,
      iss: apiKeySid,
      sub: accountSid,
    };
    const signingInput = `${HEADER_SEGMENT}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${signingInput}.${createHmac('sha256', apiKeySecret).update(signingInput).digest('base64url')}`;
  };
}

/**
 * Whether two minters produce identical tokens (retried when a second boundary falls between them).
 * @example tokensAgree(naiveMinter(creds), rawHmacMinter(creds)) // => true
 */
export function tokensAgree(mintA, mintB) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const second = Math.floor(Date.now() / 1000);
    const a = mintA();
    const b = mintB();
    if (Math.floor(Date.now() / 1000) === second) return a === b;
  }
  return false;
}
