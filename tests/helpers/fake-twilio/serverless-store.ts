/** The fake Serverless API's records, held in memory by SID, with the values clients sent (secrets included). */
import { randomBytes } from 'node:crypto';

export type Visibility = 'public' | 'protected' | 'private';
export type BuildStatus = 'building' | 'completed' | 'failed';
export type ResourceKind = 'function' | 'asset';

export interface Dependency {
  readonly name: string;
  readonly version: string;
}

export interface Service {
  sid: string;
  uniqueName: string;
  friendlyName: string;
  includeCredentials: boolean;
  uiEditable: boolean;
  /** `<unique name>-<4 random digits>`: the first label of every environment's domain. */
  domainBase: string;
  created: string;
  updated: string;
}

export interface Environment {
  sid: string;
  serviceSid: string;
  uniqueName: string;
  domainSuffix: string | null;
  domainName: string;
  buildSid: string | null;
  created: string;
  updated: string;
}

/** A Function or an Asset (both ZH…): a name that versions hang from. */
export interface Resource {
  sid: string;
  kind: ResourceKind;
  serviceSid: string;
  friendlyName: string;
  created: string;
  updated: string;
}

/** A Function Version or Asset Version (both ZN…): the uploaded bytes with their path and visibility. */
export interface Version {
  sid: string;
  kind: ResourceKind;
  parentSid: string;
  serviceSid: string;
  path: string;
  visibility: Visibility;
  content: Buffer;
  contentType: string | undefined;
  sha256: string;
  created: string;
}

export interface Build {
  sid: string;
  serviceSid: string;
  functionVersionSids: string[];
  assetVersionSids: string[];
  dependencies: Dependency[];
  runtime: string;
  /** Decided when the Build is created; shown once the status polls are used up. */
  outcome: 'completed' | 'failed';
  failureReasons: string[];
  statusPolls: number;
  created: string;
  updated: string;
}

export interface Variable {
  sid: string;
  serviceSid: string;
  environmentSid: string;
  key: string;
  value: string;
  created: string;
  updated: string;
}

export interface Deployment {
  sid: string;
  serviceSid: string;
  environmentSid: string;
  buildSid: string;
  created: string;
  updated: string;
}

export function newSid(prefix: string): string {
  // Lower-case hex: serverless-api's isSid() accepts only [a-f0-9].
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** ISO 8601 in GMT without milliseconds, as Twilio writes date_created. */
export function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Maps iterate in insertion order, so every list comes back in creation order. */
export class ServerlessStore {
  readonly services = new Map<string, Service>();
  readonly environments = new Map<string, Environment>();
  readonly resources = new Map<string, Resource>();
  readonly versions = new Map<string, Version>();
  readonly builds = new Map<string, Build>();
  readonly variables = new Map<string, Variable>();
  readonly deployments = new Map<string, Deployment>();

  constructor(
    /** Every resource's account_sid. */
    readonly accountSid: string,
    /** How many status polls answer `building` before a Build shows its outcome. */
    readonly pollsWhileBuilding: number,
  ) {}

  /** The status a client sees now; only GET …/Builds/{ZB}/Status counts as a poll. */
  statusOf(build: Build): BuildStatus {
    return build.statusPolls > this.pollsWhileBuilding ? build.outcome : 'building';
  }

  /** A Service by SID or by UniqueName, as the API's URLs accept both. */
  findService(sidOrUniqueName: string): Service | undefined {
    return this.services.get(sidOrUniqueName) ?? [...this.services.values()].find((s) => s.uniqueName === sidOrUniqueName);
  }

  /** Removes a Service and everything that hangs from it. */
  deleteService(serviceSid: string): void {
    const children: Map<string, { serviceSid: string }>[] = [
      this.environments,
      this.resources,
      this.versions,
      this.builds,
      this.variables,
      this.deployments,
    ];
    for (const map of children) for (const [sid, item] of map) if (item.serviceSid === serviceSid) map.delete(sid);
    this.services.delete(serviceSid);
  }

  /** Removes an Environment with its Variables and Deployments. */
  deleteEnvironment(environmentSid: string): void {
    for (const map of [this.variables, this.deployments] as Map<string, { environmentSid: string }>[]) {
      for (const [sid, item] of map) if (item.environmentSid === environmentSid) map.delete(sid);
    }
    this.environments.delete(environmentSid);
  }
}
