/**
 * Reads what the live service holds, with GET requests only: the service, the environment, its variables (values
 * compared, never printed), the active Build's files, runtime and dependencies, and the deploy manifest in it.
 */
import { MANIFEST_PATH, parseManifest, type Manifest } from './manifest';
import type { LiveFile, LiveState } from './plan';
import type { ServerlessApi, VersionRecord } from './serverless-api';

export interface ServiceTarget {
  /** From --service-sid, the config file or .twiliodeployinfo. */
  readonly serviceSid?: string;
  readonly serviceName: string;
  /** Domain suffix ('' for production) or an environment SID. */
  readonly environment: string;
}

/** The service a deploy goes to, found without changing anything; `conflict` when the name is taken and not ours to take. */
export type FoundService = { readonly sid: string } | { readonly sid?: undefined; readonly conflict?: string };

/**
 * By SID when known; otherwise by unique name: a service of that name that this checkout has no record of is a
 * conflict unless the user said to take it over (as twilio-run's --override-existing-project).
 */
export async function findService(api: ServerlessApi, target: ServiceTarget, takeOver: boolean): Promise<FoundService> {
  if (target.serviceSid) {
    const service = await api.fetchService(target.serviceSid);
    return { sid: service.sid };
  }
  const services = await api.listServices();
  const named = services.find((service) => service.uniqueName === target.serviceName);
  if (!named) return {};
  return takeOver ? { sid: named.sid } : { conflict: named.sid };
}

/** The service and environment to read; no service SID (none found or made yet) reads as nothing deployed. */
type LiveTarget = Pick<ServiceTarget, 'serviceSid' | 'environment'>;

/** @example await readLiveState(api, { serviceSid: 'ZS…', environment: 'dev' }) */
export async function readLiveState(api: ServerlessApi, target: LiveTarget): Promise<LiveState> {
  const { serviceSid, environment } = target;
  if (!serviceSid) return { variables: [] };
  const service = await api.fetchService(serviceSid);
  const environments = await api.listEnvironments(serviceSid);
  const env = /^ZE[0-9a-f]{32}$/i.test(environment)
    ? environments.find((candidate) => candidate.sid === environment)
    : environments.find((candidate) => (candidate.domainSuffix ?? '') === environment);
  const base: LiveState = {
    service: { sid: service.sid, uniqueName: service.uniqueName, includeCredentials: service.includeCredentials },
    variables: [],
  };
  if (!env) return base;
  const variables = await api.listVariables(serviceSid, env.sid);
  const withEnvironment = {
    ...base,
    environment: { sid: env.sid, domainName: env.domainName, buildSid: env.buildSid },
    variables: variables.map(({ sid, key, value }) => ({ sid, key, value })),
  };
  if (!env.buildSid) return withEnvironment;
  const build = await api.fetchBuild(serviceSid, env.buildSid);
  const functionVersions = build.functionVersions;
  const manifestVersion = functionVersions.find((version) => version.path === MANIFEST_PATH);
  let manifest: Manifest | undefined;
  if (manifestVersion?.functionSid) {
    manifest = parseManifest(await api.fetchFunctionVersionContent(serviceSid, manifestVersion.functionSid, manifestVersion.sid));
  }
  const file = (kind: LiveFile['kind'], version: VersionRecord): LiveFile => {
    const entry = manifest?.[version.path];
    const sha256 = entry && entry.visibility === version.visibility ? entry.sha256 : undefined;
    return { kind, path: version.path, visibility: version.visibility, ...(sha256 !== undefined && { sha256 }) };
  };
  return {
    ...withEnvironment,
    build: {
      sid: build.sid,
      runtime: build.runtime,
      dependencies: build.dependencies.map(({ name, version }) => ({ name, version })),
      files: [
        ...functionVersions.filter((version) => version.path !== MANIFEST_PATH).map((version) => file('function', version)),
        ...build.assetVersions.map((version) => file('asset', version)),
      ],
      ...(manifest && { manifest }),
    },
  };
}
