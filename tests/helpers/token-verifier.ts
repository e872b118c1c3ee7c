/**
 * Independent verification of issued tokens: jose (not twilio's jsonwebtoken, not our signer) checks the
 * HS256 signature with the API key secret; claims are compared with those of twilio's AccessToken.
 */
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

export interface VerifiedToken {
  header: Record<string, unknown>;
  claims: JWTPayload & { grants?: Record<string, unknown> };
}

export async function verifyTwilioToken(token: string, apiKeySecret: string): Promise<VerifiedToken> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(apiKeySecret), { algorithms: ['HS256'] });
  return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: payload };
}

/** Any string shaped like a JWT (three base64url parts starting with a JSON header). */
export const JWT_SHAPE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;
