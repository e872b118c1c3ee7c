/**
 * One stand-in host behind its own CONNECT proxy, with a CA made for this run: a client in another process reaches it
 * as it reaches the real host, through HTTP_PROXY and with the CA trusted via NODE_EXTRA_CA_CERTS. The Sync and
 * TaskRouter stand-ins each run on one of these, apart from startFakeTwilio (the Serverless stand-in); serveHosts puts
 * several hosts behind one proxy (the revoke --evict test: Sync, Video, Conversations and TaskRouter).
 */
import { createTestCertificates } from './certificates';
import { startConnectProxy, type ProxyRefusal, type TlsRequestHandler } from './connect-proxy';

export interface SingleHost {
  /** For the client process: HTTP_PROXY (read by twilio-node) and NODE_EXTRA_CA_CERTS (read by Node at start). */
  readonly env: Readonly<{ HTTP_PROXY: string; NODE_EXTRA_CA_CERTS: string }>;
  /** CONNECTs the proxy refused (any other host). */
  refusals(): readonly ProxyRefusal[];
  /** The host of every request served, in order (its TLS server name, which the Host header must equal). */
  hostsAsked(): readonly string[];
  stop(): Promise<void>;
}

/** @example const served = await serveSingleHost('sync.twilio.com', api.handle); // ...; await served.stop() */
export function serveSingleHost(host: string, handler: TlsRequestHandler): Promise<SingleHost> {
  return serveHosts(new Map([[host, handler]]));
}

/**
 * Several stand-in hosts behind one proxy and one CA: a client that talks to several Twilio products in one run (one
 * HTTP_PROXY for all of them, as twilio-node has) reaches each of them.
 * @example const served = await serveHosts(new Map([['sync.twilio.com', sync.handle], ['video.twilio.com', video.handle]]));
 */
export async function serveHosts(handlers: ReadonlyMap<string, TlsRequestHandler>): Promise<SingleHost> {
  const certificates = await createTestCertificates([...handlers.keys()]);
  const asked: string[] = [];
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  try {
    proxy = await startConnectProxy({
      tls: { cert: certificates.serverCertPem, key: certificates.serverKeyPem },
      allowHost: (name) => handlers.has(name),
      handlerFor: (name) => {
        const handler = handlers.get(name);
        if (!handler) return undefined;
        return (req, res) => {
          asked.push(name);
          handler(req, res);
        };
      },
    });
  } catch (error) {
    certificates.dispose();
    throw error;
  }
  const running = proxy;
  return {
    env: Object.freeze({ HTTP_PROXY: running.url, NODE_EXTRA_CA_CERTS: certificates.caFile }),
    refusals: () => running.refusals(),
    hostsAsked: () => [...asked],
    async stop() {
      await running.close();
      certificates.dispose();
    },
  };
}
