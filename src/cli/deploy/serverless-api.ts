/**
 * The one seam between the deploy and Twilio's Serverless API: every read and write npm run deploy and npm run
 * rotate-key make on a service goes through this interface. TwilioServerlessApi (serverless.ts) is the real one, over
 * @twilio-labs/serverless-api's client; the tests' InMemoryServerlessApi keeps the same rules in memory, so the
 * ordering, refusal and interruption tests run in-process. A failed call rejects with a TwilioRequestError: status 0
 * when no answer came (the write may or may not have been applied), Twilio's status and code when it refused.
 */
import type { UploadFile } from './local';

export interface ServiceRecord {
  readonly sid: string;
  readonly uniqueName: string;
  readonly includeCredentials: boolean;
}

export interface EnvironmentRecord {
  readonly sid: string;
  /** null for production. */
  readonly domainSuffix: string | null;
  readonly domainName: string;
  /** The active Build, null before the first Deployment. */
  readonly buildSid: string | null;
}

export interface VariableRecord {
  readonly sid: string;
  readonly key: string;
  readonly value: string;
}

export interface VersionRecord {
  readonly sid: string;
  readonly path: string;
  readonly visibility: string;
  /** A Function Version's Function, to read its code. */
  readonly functionSid?: string;
}

export interface BuildRecord {
  readonly sid: string;
  readonly runtime: string;
  readonly dependencies: readonly { readonly name: string; readonly version: string }[];
  readonly functionVersions: readonly VersionRecord[];
  readonly assetVersions: readonly VersionRecord[];
}

/** The Versions an upload made, which a Build takes. */
export interface UploadedVersions {
  readonly functionVersions: readonly string[];
  readonly assetVersions: readonly string[];
}

export interface NewBuild extends UploadedVersions {
  readonly runtime: string;
  readonly dependencies: readonly { readonly name: string; readonly version: string }[];
}

export interface ServerlessApi {
  // Reads (GET only): what the plan and the read-back compare.
  fetchService(serviceSid: string): Promise<ServiceRecord>;
  listServices(): Promise<ServiceRecord[]>;
  listEnvironments(serviceSid: string): Promise<EnvironmentRecord[]>;
  listVariables(serviceSid: string, environmentSid: string): Promise<VariableRecord[]>;
  fetchBuild(serviceSid: string, buildSid: string): Promise<BuildRecord>;
  /** 'building', 'completed' or 'failed'. */
  fetchBuildStatus(serviceSid: string, buildSid: string): Promise<string>;
  fetchFunctionVersionContent(serviceSid: string, functionSid: string, versionSid: string): Promise<string>;

  // Writes: each is one step of the plan (or part of one), in the order order.ts gives.
  /** A new Service named so, which never receives the account's auth token (IncludeCredentials false). */
  createService(uniqueName: string): Promise<{ readonly sid: string }>;
  /** IncludeCredentials false on an existing Service. */
  excludeCredentials(serviceSid: string): Promise<void>;
  /** An Environment for this domain suffix ('' for production). */
  createEnvironment(serviceSid: string, domainSuffix: string): Promise<{ readonly sid: string; readonly domainName: string }>;
  createVariable(serviceSid: string, environmentSid: string, key: string, value: string): Promise<void>;
  updateVariable(serviceSid: string, environmentSid: string, variableSid: string, value: string): Promise<void>;
  deleteVariable(serviceSid: string, environmentSid: string, variableSid: string): Promise<void>;
  /** Every function and asset as new Versions (nothing live changes). */
  uploadFiles(serviceSid: string, uploads: readonly UploadFile[]): Promise<UploadedVersions>;
  createBuild(serviceSid: string, build: NewBuild): Promise<{ readonly sid: string }>;
  /** A Deployment: the Build goes live in the Environment. */
  activateBuild(serviceSid: string, environmentSid: string, buildSid: string): Promise<void>;
}
