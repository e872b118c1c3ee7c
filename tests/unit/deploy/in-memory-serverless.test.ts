/**
 * The in-memory Serverless API keeps the stand-in's rules and its way of cutting requests, so the tests that use it in
 * place of the TLS stand-in (deploy-access-cuts.test.ts) rely on the same refusals and the same interruptions.
 */
import { describe, expect, it } from '@jest/globals';
import type { UploadFile } from '../../../src/cli/deploy/local';
import { TwilioRequestError } from '../../../src/cli/deploy/serverless';
import { InMemoryServerlessApi } from '../../helpers/in-memory-serverless';

const UPLOADS: UploadFile[] = [
  { kind: 'function', name: '/token', path: '/token', access: 'public', content: 'exports.handler = (c, e, cb) => cb(null, 1);\n' },
  { kind: 'asset', name: '/demo.css', path: '/demo.css', access: 'public', content: 'body {}\n' },
];

async function serviceWithEnvironment(twilio: InMemoryServerlessApi) {
  const { sid: serviceSid } = await twilio.createService('tokens');
  const environment = await twilio.createEnvironment(serviceSid, 'dev');
  return { serviceSid, environmentSid: environment.sid, domainName: environment.domainName };
}

/** The refusal a call rejects with: status and Twilio code, as the real client's error carries them. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: number | undefined; operation: string }> {
  const error = await call.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(TwilioRequestError);
  const { status, code, operation } = error as TwilioRequestError;
  return { status, code, operation };
}

describe('InMemoryServerlessApi keeps the stand-in’s rules', () => {
  it('refuses a taken service name (409/20409), a taken variable key, a value over 450 bytes and an unknown SID (404)', async () => {
    const twilio = new InMemoryServerlessApi();
    const { serviceSid, environmentSid } = await serviceWithEnvironment(twilio);
    expect(await refusal(twilio.createService('tokens'))).toEqual({ status: 409, code: 20409, operation: 'POST Services' });
    await twilio.createVariable(serviceSid, environmentSid, 'TOKEN_TTL', '600');
    expect((await refusal(twilio.createVariable(serviceSid, environmentSid, 'TOKEN_TTL', '300'))).code).toBe(20409);
    expect((await refusal(twilio.createVariable(serviceSid, environmentSid, 'BIG', 'x'.repeat(451)))).code).toBe(20001);
    expect((await refusal(twilio.fetchService('ZS00000000000000000000000000000000'))).status).toBe(404);
    expect((await refusal(twilio.createEnvironment(serviceSid, 'dev'))).status).toBe(409);
  });

  it('builds only on a supported runtime (82007), deploys only a completed build, and reads back what was deployed', async () => {
    const twilio = new InMemoryServerlessApi();
    const { serviceSid, environmentSid, domainName } = await serviceWithEnvironment(twilio);
    expect(domainName).toMatch(/^tokens-\d{4}-dev\.twil\.io$/);
    const versions = await twilio.uploadFiles(serviceSid, UPLOADS);
    expect(await refusal(twilio.createBuild(serviceSid, { ...versions, runtime: 'node18', dependencies: [] }))).toEqual({
      status: 400,
      code: 82007,
      operation: 'build',
    });
    const build = await twilio.createBuild(serviceSid, { ...versions, runtime: 'node22', dependencies: [] });
    expect(await twilio.fetchBuildStatus(serviceSid, build.sid)).toBe('completed');
    await twilio.activateBuild(serviceSid, environmentSid, build.sid);
    expect((await refusal(twilio.activateBuild(serviceSid, environmentSid, build.sid))).status).toBe(409);
    const [environment] = await twilio.listEnvironments(serviceSid);
    expect(environment!.buildSid).toBe(build.sid);
    const read = await twilio.fetchBuild(serviceSid, build.sid);
    expect(read.functionVersions.map((version) => version.path)).toEqual(['/token']);
    expect(read.assetVersions.map((version) => version.path)).toEqual(['/demo.css']);
    const [fn] = read.functionVersions;
    expect(await twilio.fetchFunctionVersionContent(serviceSid, fn!.functionSid!, fn!.sid)).toBe(UPLOADS[0]!.content);
  });

  it('fails a build whose function requires a package the build does not list', async () => {
    const twilio = new InMemoryServerlessApi();
    const { serviceSid } = await serviceWithEnvironment(twilio);
    const needsJose: UploadFile = { ...UPLOADS[0]!, content: "const jose = require('jose');\nexports.handler = () => jose;\n" };
    const versions = await twilio.uploadFiles(serviceSid, [needsJose]);
    const build = await twilio.createBuild(serviceSid, { ...versions, runtime: 'node22', dependencies: [] });
    expect(await twilio.fetchBuildStatus(serviceSid, build.sid)).toBe('failed');
  });
});

describe('InMemoryServerlessApi cuts requests as the stand-in does', () => {
  it('drop-before: no answer (status 0) and nothing applied; drop-after: no answer, but applied', async () => {
    const twilio = new InMemoryServerlessApi();
    const { serviceSid, environmentSid } = await serviceWithEnvironment(twilio);
    let reached = false;
    void twilio.addFault({ method: 'POST', path: /\/Variables$/, action: 'drop-before' }).reached.then(() => (reached = true));
    expect((await refusal(twilio.createVariable(serviceSid, environmentSid, 'A', '1'))).status).toBe(0);
    expect(reached).toBe(true);
    expect(twilio.state.variables(environmentSid)).toEqual([]);

    twilio.addFault({ method: 'POST', path: /\/Variables$/, action: 'drop-after' });
    expect((await refusal(twilio.createVariable(serviceSid, environmentSid, 'A', '1'))).status).toBe(0);
    expect(twilio.state.variables(environmentSid).map(({ key, value }) => [key, value])).toEqual([['A', '1']]);
    expect(twilio.requests().map((request) => request.fault ?? '-')).toEqual(['-', '-', 'drop-before', 'drop-after']);
  });

  it('takes the nth matching request, counted from when the fault was added, and an upload fails as a whole ("upload")', async () => {
    const twilio = new InMemoryServerlessApi();
    const { serviceSid } = await serviceWithEnvironment(twilio);
    twilio.addFault({ method: 'POST', path: /\/Versions$/, nth: 2, action: 'drop-before' });
    expect(await refusal(twilio.uploadFiles(serviceSid, UPLOADS))).toEqual({ status: 0, code: undefined, operation: 'upload' });
    const cut = twilio.requests().filter((request) => request.fault);
    expect(cut.map((request) => `${request.method} ${request.path.replace(/[A-Z]{2}[0-9a-f]{32}/g, (sid) => sid.slice(0, 2))}`)).toEqual([
      'POST Services/ZS/Assets/ZH/Versions',
    ]);
  });
});
