/** A real HTTP identity provider on 127.0.0.1 (ephemeral port) serving discovery and a JWKS that tests control. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';

export interface FakeOidcProvider {
  /** `http://127.0.0.1:<port>`: the issuer, and where discovery is served. */
  issuer: string;
  jwksUrl: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** What the JWKS endpoint serves from now on. */
  jwks: JSONWebKeySet;
  /** Delay before answering anything, in milliseconds. */
  delayMs: number;
  /** Status code for the JWKS endpoint. */
  jwksStatus: number;
  /** Raw body for the JWKS endpoint instead of `jwks` (for broken JSON). */
  jwksBody?: string;
  close(): Promise<void>;
}

export async function startFakeOidcProvider(jwks: JSONWebKeySet): Promise<FakeOidcProvider> {
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    provider.requests.push(path);
    const answer = () => {
      if (path === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: provider.issuer, jwks_uri: provider.jwksUrl }));
      } else if (path === '/jwks') {
        res.writeHead(provider.jwksStatus, { 'content-type': 'application/json' });
        res.end(provider.jwksBody ?? JSON.stringify(provider.jwks));
      } else {
        res.writeHead(404).end();
      }
    };
    if (provider.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, provider.delayMs);
      timers.add(timer);
    } else {
      answer();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const provider: FakeOidcProvider = {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    requests: [],
    jwksFetches: () => provider.requests.filter((path) => path === '/jwks').length,
    jwks,
    delayMs: 0,
    jwksStatus: 200,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return provider;
}

/** A loopback URL on which nothing listens: a port we bound and released. */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
