/**
 * Reads what the live service holds, with GET requests only: the service, the environment, its variables (values
 * compared, never printed), the active Build's files, runtime and dependencies, and the deploy manifest in it.
 */
import { MANIFEST_PATH, parseManifest, type Manifest } from './manifest';
import type { LiveFile, LiveState } from './plan';
import type { ServerlessApi } from './serverless';

interface ServiceJson {
  sid: string;
  unique_name: string;
  include_credentials: boolean;
}
interface EnvironmentJson {
  sid: string;
  domain_suffix: string | null;
  domain_name: string;
  build_sid: string | null;
}
interface VersionJson {
  sid: string;
  path: string;
  visibility: string;
  function_sid?: string;
}
interface BuildJson {
  sid: string;
  runtime: string;
  dependencies: { name: string; version: string }[] | null;
  function_versions: VersionJson[] | null;
  asset_versions: VersionJson[] | null;
}

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
    const service = await api.get<ServiceJson>(`Services/${target.serviceSid}`);
    return { sid: service.sid };
  }
  const services = await api.list<ServiceJson>('Services', 'services');
  const named = services.find((service) => service.unique_name === target.serviceName);
  if (!named) return {};
  return takeOver ? { sid: named.sid } : { conflict: named.sid };
}

/** The service and environment to read; no service SID (none found or made yet) reads as nothing deployed. */
type LiveTarget = Pick<ServiceTarget, 'serviceSid' | 'environment'>;

/** @example await readLiveState(api, { serviceSid: 'ZS…', environment: 'dev' }) */
export async function readLiveState(api: ServerlessApi, target: LiveTarget): Promise<LiveState> {
  const { serviceSid, environment } = target;
  if (!serviceSid) return { variables: [] };
  const service = await api.get<ServiceJson>(`Services/${serviceSid}`);
  const environments = await api.list<EnvironmentJson>(`Services/${serviceSid}/Environments`, 'environments');
  const env = /^ZE[0-9a-f]{32}$/i.test(environment)
    ? environments.find((candidate) => candidate.sid === environment)
    : environments.find((candidate) => (candidate.domain_suffix ?? '') === environment);
  const base: LiveState = {
    service: { sid: service.sid, uniqueName: service.unique_name, includeCredentials: service.include_credentials },
    variables: [],
  };
  if (!env) return base;
  const variables = await api.list<{ sid: string; key: string; value: string }>(
    `Services/${serviceSid}/Environments/${env.sid}/Variables`,
    'variables',
  );
  const withEnvironment = {
    ...base,
    environment: { sid: env.sid, domainName: env.domain_name, buildSid: env.build_sid },
    variables: variables.map(({ sid, key, value }) => ({ sid, key, value })),
  };
  if (!env.build_sid) return withEnvironment;
  const build = await api.get<BuildJson>(`Services/${serviceSid}/Builds/${env.build_sid}`);
  const functionVersions = build.function_versions ?? [];
  const manifestVersion = functionVersions.find((version) => version.path === MANIFEST_PATH);
  let manifest: Manifest | undefined;
  if (manifestVersion?.function_sid) {
    const content = await api.get<{ content: string }>(
      `Services/${serviceSid}/Functions/${manifestVersion.function_sid}/Versions/${manifestVersion.sid}/Content`,
    );
    manifest = parseManifest(content.content ?? '');
  }
  const file = (kind: LiveFile['kind'], version: VersionJson): LiveFile => {
    const entry = manifest?.[version.path];
    const sha256 = entry && entry.visibility === version.visibility ? entry.sha256 : undefined;
    return { kind, path: version.path, visibility: version.visibility, ...(sha256 !== undefined && { sha256 }) };
  };
  return {
    ...withEnvironment,
    build: {
      sid: build.sid,
      runtime: build.runtime,
      dependencies: (build.dependencies ?? []).map(({ name, version }) => ({ name, version })),
      files: [
        ...functionVersions.filter((version) => version.path !== MANIFEST_PATH).map((version) => file('function', version)),
        ...(build.asset_versions ?? []).map((version) => file('asset', version)),
      ],
      ...(manifest && { manifest }),
    },
  };
}
