/** decideOrigin: who may call cross-origin, and the normalised Access-Control-Allow-Origin value. */
import { decideOrigin } from '../../src/lib/http/cors';

const listed = new Set(['https://app.example.com', 'http://localhost:5173']);
const hosts = ['svc-1234-dev.twil.io', undefined];

describe('decideOrigin', () => {
  it('allows a request without Origin (curl, servers) and sets no Allow-Origin', () => {
    expect(decideOrigin(undefined, listed, hosts)).toEqual({ allowed: true });
  });

  it('allows a listed origin and echoes it', () => {
    expect(decideOrigin('https://app.example.com', listed, hosts)).toEqual({ allowed: true, allowOrigin: 'https://app.example.com' });
    expect(decideOrigin('http://localhost:5173', listed, hosts)).toEqual({ allowed: true, allowOrigin: 'http://localhost:5173' });
  });

  it('normalises case and a default port before comparing and echoing', () => {
    expect(decideOrigin('HTTPS://APP.Example.COM:443', listed, hosts)).toEqual({ allowed: true, allowOrigin: 'https://app.example.com' });
  });

  it('allows the service’s own host (same origin) without listing it, and names no origin for it (none is needed)', () => {
    expect(decideOrigin('https://svc-1234-dev.twil.io', new Set(), hosts)).toEqual({ allowed: true });
  });

  it('never names an unlisted origin, even when the Host it was given claims the same origin (a forged `request` field)', () => {
    expect(decideOrigin('http://127.0.0.1:4444', listed, ['127.0.0.1:4444'])).toEqual({ allowed: true });
    expect(decideOrigin('https://evil.example', listed, ['evil.example'])).toEqual({ allowed: true });
  });

  it('names a listed origin even when it is also the service’s own host', () => {
    expect(decideOrigin('http://localhost:5173', listed, ['localhost:5173'])).toEqual({
      allowed: true,
      allowOrigin: 'http://localhost:5173',
    });
  });

  it('matches the service host case-insensitively and with its port', () => {
    expect(decideOrigin('http://localhost:3000', new Set(), ['LocalHost:3000'])).toEqual({ allowed: true });
    expect(decideOrigin('http://localhost:3001', new Set(), ['localhost:3000'])).toEqual({ allowed: false });
  });

  it.each([
    ['an unlisted origin', 'https://evil.example.com'],
    ['a listed host on another scheme', 'http://app.example.com'],
    ['a listed host on another port', 'https://app.example.com:8443'],
    ['a subdomain of a listed origin', 'https://x.app.example.com'],
    ['a look-alike suffix', 'https://app.example.com.evil.net'],
    ['null (sandboxed frames, files)', 'null'],
    ['a wildcard', '*'],
    ['garbage', 'not a url'],
    ['a path', 'https://app.example.com/x'],
  ])('refuses %s', (_what, origin) => {
    expect(decideOrigin(origin, listed, hosts)).toEqual({ allowed: false });
  });

  it('refuses two Origin headers (an array), even if both are listed', () => {
    expect(decideOrigin(['https://app.example.com', 'https://app.example.com'], listed, hosts)).toEqual({ allowed: false });
  });

  it('refuses every browser origin when nothing is listed and no service host is known', () => {
    expect(decideOrigin('https://app.example.com', new Set(), [undefined])).toEqual({ allowed: false });
  });
});
