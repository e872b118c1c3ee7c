/** A throwaway CA made in the test run, and a server certificate it signs for the hosts the fake answers as. */
import { generateKeyPair } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** The names the server certificate covers: the API, the upload API and every deployed domain. */
const FAKE_TWILIO_HOSTS: readonly string[] = ['serverless.twilio.com', 'serverless-upload.twilio.com', 'api.twilio.com', '*.twil.io'];

/** One hour is far longer than any test run; a short life limits the harm if a file is left behind. */
const VALIDITY_MS = 60 * 60 * 1000;

export interface TestCertificates {
  /** PEM of the CA certificate (public): what a client process must trust. */
  readonly caPem: string;
  /** Path of a 0600 file holding `caPem`, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  /** PEM of the server certificate, whose SANs are `hosts`. */
  readonly serverCertPem: string;
  /** PEM (PKCS#8) of the server certificate's private key; it never leaves this process. */
  readonly serverKeyPem: string;
  /** The DNS names in the server certificate's subjectAltName. */
  readonly hosts: readonly string[];
  /** Removes the temporary folder holding `caFile`. */
  dispose(): void;
}

interface KeyPair {
  privatePem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

// Node's native generator: forge's pure-JavaScript RSA would take seconds per key.
async function rsaKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privatePem: privateKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey),
  };
}

function randomSerial(): string {
  // forge takes the serial as hex: an even number of digits, and a first nibble of 1-7 so the DER INTEGER is positive
  // (a negative serial makes OpenSSL drop the CA from NODE_EXTRA_CA_CERTS).
  const hex = forge.util.bytesToHex(forge.random.getBytesSync(16));
  return `${1 + (parseInt(hex[0], 16) % 7)}${hex.slice(1)}`;
}

/**
 * Generates a fresh CA and a server certificate for `FAKE_TWILIO_HOSTS` plus `extraHosts`.
 *
 * @example
 * const certs = await createTestCertificates();
 * spawn('node', ['client.js'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile } });
 */
export async function createTestCertificates(extraHosts: readonly string[] = []): Promise<TestCertificates> {
  const hosts = [...FAKE_TWILIO_HOSTS, ...extraHosts];
  const [caKeys, serverKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + VALIDITY_MS);

  const caName = [
    { name: 'commonName', value: 'Fake Twilio test CA (throwaway)' },
    { name: 'organizationName', value: 'twilio-token-service tests' },
  ];
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = randomSerial();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    // pathLen 0: this CA may sign the server certificate and nothing that signs further.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = randomSerial();
  server.validity.notBefore = notBefore;
  server.validity.notAfter = notAfter;
  server.setSubject([{ name: 'commonName', value: hosts[0] }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // type 2 = dNSName; clients check the name against these, not against the common name.
    { name: 'subjectAltName', altNames: hosts.map((value) => ({ type: 2, value })) },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  const caPem = forge.pki.certificateToPem(ca);
  const dir = mkdtempSync(join(tmpdir(), 'fake-twilio-ca-'));
  const caFile = join(dir, 'ca.pem');
  // A new file in a new 0700 folder: the mode holds (a umask can only narrow it).
  writeFileSync(caFile, caPem, { mode: 0o600 });

  return {
    caPem,
    caFile,
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: serverKeys.privatePem,
    hosts,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
