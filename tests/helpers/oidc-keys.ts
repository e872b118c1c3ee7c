/** Signing keys generated per run for the fake identity provider, and tokens signed with them. */
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';

export type TestAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface TestKey {
  alg: TestAlgorithm;
  kid: string;
  privateKey: KeyLike;
  /** The public JWK the provider publishes. */
  jwk: JWK;
}

export async function makeKey(alg: TestAlgorithm, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A token that passes every check unless `claims` says otherwise (`undefined` removes a claim). */
export async function signIdToken(key: TestKey, issuer: string, audience: string, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: issuer, aud: audience, sub: 'user-1', iat: now, exp: now + 300, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}
