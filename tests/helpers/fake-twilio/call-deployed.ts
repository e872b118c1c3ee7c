/**
 * Calls a deployed service's https://<domain> from a child process, the way any client outside reaches it:
 * through the fake's proxy with hpagent (the same proxy agent twilio-run uses) and the fake's CA.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findProjectRoot } from '../twilio-run-server';
import type { FakeTwilio } from './index';

const projectRoot = findProjectRoot(__dirname);

export interface DeployedAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The parsed JSON body, or undefined. */
  readonly json: any;
}

const CLIENT = `
const { createRequire } = require('node:module');
const { HttpsProxyAgent } = createRequire(process.argv[1])('hpagent');
const https = require('node:https');
const call = JSON.parse(process.argv[2]);
const url = new URL(call.url);
const agent = new HttpsProxyAgent({ proxy: process.env.HTTP_PROXY });
const req = https.request({ host: url.hostname, path: url.pathname + url.search, method: call.method, headers: call.headers, agent }, (res) => {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (text += chunk));
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, headers: res.headers, text })));
});
req.on('error', (error) => { process.stderr.write(error.message); process.exit(1); });
req.end(call.body);
`;

export function callDeployed(
  fake: FakeTwilio,
  url: string,
  call: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<DeployedAnswer> {
  const request = { url, method: call.method ?? 'GET', headers: { ...call.headers }, body: call.body };
  if (request.body !== undefined) request.headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CLIENT, join(projectRoot, 'package.json'), JSON.stringify(request)],
      { env: { PATH: process.env.PATH, ...fake.env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        const answer = JSON.parse(stdout) as Omit<DeployedAnswer, 'json'>;
        let json: unknown;
        try {
          json = JSON.parse(answer.text);
        } catch {
          json = undefined;
        }
        resolve({ ...answer, json });
      },
    );
  });
}
