/** Read-only, typed access to the fake's state for test assertions: every call returns fresh frozen copies. */
import type { BuildStatus, Dependency, ResourceKind, ServerlessStore, Version, Visibility } from './serverless-store';

export interface ServiceSnapshot {
  readonly sid: string;
  readonly uniqueName: string;
  readonly friendlyName: string;
  readonly includeCredentials: boolean;
  readonly uiEditable: boolean;
  readonly domainBase: string;
}

export interface EnvironmentSnapshot {
  readonly sid: string;
  readonly serviceSid: string;
  readonly uniqueName: string;
  readonly domainSuffix: string | null;
  readonly domainName: string;
  readonly buildSid: string | null;
}

export interface VersionSnapshot {
  readonly sid: string;
  readonly kind: ResourceKind;
  /** The Function or Asset (ZH…) this version belongs to. */
  readonly parentSid: string;
  readonly serviceSid: string;
  readonly path: string;
  readonly visibility: Visibility;
  /** A copy of the uploaded bytes. */
  readonly content: Buffer;
  readonly contentType: string | undefined;
  readonly sha256: string;
}

export interface ResourceSnapshot {
  readonly sid: string;
  readonly kind: ResourceKind;
  readonly serviceSid: string;
  readonly friendlyName: string;
  readonly versions: readonly VersionSnapshot[];
}

export interface BuildSnapshot {
  readonly sid: string;
  readonly serviceSid: string;
  /** The status a client would see now (reading it here does not count as a poll). */
  readonly status: BuildStatus;
  readonly runtime: string;
  readonly dependencies: readonly Dependency[];
  readonly functionVersionSids: readonly string[];
  readonly assetVersionSids: readonly string[];
  /** Why the build fails (empty when it completes). */
  readonly failureReasons: readonly string[];
  readonly statusPolls: number;
}

export interface VariableSnapshot {
  readonly sid: string;
  readonly environmentSid: string;
  readonly key: string;
  readonly value: string;
}

export interface DeploymentSnapshot {
  readonly sid: string;
  readonly environmentSid: string;
  readonly buildSid: string;
}

export interface ServerlessStateView {
  services(): readonly ServiceSnapshot[];
  /** By SID or UniqueName, as the API's URLs accept both. */
  service(sidOrUniqueName: string): ServiceSnapshot | undefined;
  /** All environments, or those of one service. */
  environments(serviceSid?: string): readonly EnvironmentSnapshot[];
  environment(sid: string): EnvironmentSnapshot | undefined;
  environmentByDomain(domainName: string): EnvironmentSnapshot | undefined;
  functions(serviceSid: string): readonly ResourceSnapshot[];
  assets(serviceSid: string): readonly ResourceSnapshot[];
  /** A Function Version or Asset Version by its ZN… SID. */
  version(sid: string): VersionSnapshot | undefined;
  builds(serviceSid: string): readonly BuildSnapshot[];
  build(sid: string): BuildSnapshot | undefined;
  /** With their values: the record of requests never holds them, this view does. */
  variables(environmentSid: string): readonly VariableSnapshot[];
  deployments(environmentSid: string): readonly DeploymentSnapshot[];
}

const freeze = Object.freeze;

function versionSnapshot(v: Version): VersionSnapshot {
  return freeze({
    sid: v.sid,
    kind: v.kind,
    parentSid: v.parentSid,
    serviceSid: v.serviceSid,
    path: v.path,
    visibility: v.visibility,
    content: Buffer.from(v.content),
    contentType: v.contentType,
    sha256: v.sha256,
  });
}

export function createStateView(store: ServerlessStore): ServerlessStateView {
  const service = (id: string): ServiceSnapshot | undefined => {
    const s = store.findService(id);
    return (
      s &&
      freeze({
        sid: s.sid,
        uniqueName: s.uniqueName,
        friendlyName: s.friendlyName,
        includeCredentials: s.includeCredentials,
        uiEditable: s.uiEditable,
        domainBase: s.domainBase,
      })
    );
  };
  const environments = (filter: (e: { serviceSid: string; sid: string; domainName: string }) => boolean) =>
    [...store.environments.values()].filter(filter).map((e) =>
      freeze({
        sid: e.sid,
        serviceSid: e.serviceSid,
        uniqueName: e.uniqueName,
        domainSuffix: e.domainSuffix,
        domainName: e.domainName,
        buildSid: e.buildSid,
      }),
    );
  const resources = (serviceSid: string, kind: ResourceKind): readonly ResourceSnapshot[] =>
    freeze(
      [...store.resources.values()]
        .filter((r) => r.serviceSid === serviceSid && r.kind === kind)
        .map((r) =>
          freeze({
            sid: r.sid,
            kind: r.kind,
            serviceSid: r.serviceSid,
            friendlyName: r.friendlyName,
            versions: freeze([...store.versions.values()].filter((v) => v.parentSid === r.sid).map(versionSnapshot)),
          }),
        ),
    );
  const builds = (filter: (b: { serviceSid: string; sid: string }) => boolean): BuildSnapshot[] =>
    [...store.builds.values()].filter(filter).map((b) =>
      freeze({
        sid: b.sid,
        serviceSid: b.serviceSid,
        status: store.statusOf(b),
        runtime: b.runtime,
        dependencies: freeze(b.dependencies.map((d) => freeze({ ...d }))),
        functionVersionSids: freeze([...b.functionVersionSids]),
        assetVersionSids: freeze([...b.assetVersionSids]),
        failureReasons: freeze([...b.failureReasons]),
        statusPolls: b.statusPolls,
      }),
    );

  return freeze({
    services: () => freeze([...store.services.keys()].map((sid) => service(sid)!)),
    service,
    environments: (serviceSid?: string) => freeze(environments((e) => serviceSid === undefined || e.serviceSid === serviceSid)),
    environment: (sid: string) => environments((e) => e.sid === sid)[0],
    environmentByDomain: (domainName: string) => environments((e) => e.domainName === domainName.toLowerCase())[0],
    functions: (serviceSid: string) => resources(serviceSid, 'function'),
    assets: (serviceSid: string) => resources(serviceSid, 'asset'),
    version: (sid: string) => {
      const found = store.versions.get(sid);
      return found && versionSnapshot(found);
    },
    builds: (serviceSid: string) => freeze(builds((b) => b.serviceSid === serviceSid)),
    build: (sid: string) => builds((b) => b.sid === sid)[0],
    variables: (environmentSid: string) =>
      freeze(
        [...store.variables.values()]
          .filter((v) => v.environmentSid === environmentSid)
          .map((v) => freeze({ sid: v.sid, environmentSid: v.environmentSid, key: v.key, value: v.value })),
      ),
    deployments: (environmentSid: string) =>
      freeze(
        [...store.deployments.values()]
          .filter((d) => d.environmentSid === environmentSid)
          .map((d) => freeze({ sid: d.sid, environmentSid: d.environmentSid, buildSid: d.buildSid })),
      ),
  });
}
