/**
 * The Serverless API as the deploy uses it: TwilioServerlessApi, the real implementation of the seam in
 * serverless-api.ts, over @twilio-labs/serverless-api's client (the one twilio-run drives, with its HTTP_PROXY support
 * and 429 retries), in this process, so the credentials stay in memory: no file, no argv. Also the deploy's
 * credentials and the error every implementation rejects with.
 */
import { api as serverless, TwilioServerlessApiClient, type ClientConfig } from '@twilio-labs/serverless-api';
import type { UploadFile } from './local';
import type {
  BuildRecord,
  EnvironmentRecord,
  NewBuild,
  ServerlessApi,
  ServiceRecord,
  UploadedVersions,
  VariableRecord,
} from './serverless-api';

export interface DeployCredentials {
  /** An Account SID or an API key SID (SK…). */
  readonly username: string;
  readonly password: string;
  /** Where they came from, for messages: e.g. "TWILIO_API_KEY/TWILIO_API_SECRET". */
  readonly source: string;
}

/** A refusal from Twilio (code and message, never a credential) or a connection that failed. */
export class TwilioRequestError extends Error {
  readonly operation: string;
  /** HTTP status; 0 when no answer arrived (connection cut, timeout). */
  readonly status: number;
  /** Twilio's error code (20003, 20404, …) when it answered with one. */
  readonly code: number | undefined;

  constructor(refusal: {
    readonly operation: string;
    readonly status: number;
    readonly code?: number | undefined;
    readonly detail: string;
  }) {
    super(`${refusal.operation}: ${refusal.detail}`);
    this.operation = refusal.operation;
    this.status = refusal.status;
    this.code = refusal.code;
  }
}

/** Twilio's refusals, named by cause for the user: a wrong credential is not a taken name. */
export function describeTwilioError(error: TwilioRequestError, credentials: DeployCredentials): string {
  if (error.code === 20003 || error.status === 401) {
    return `Twilio refused the deploy credentials (${credentials.source}) with error 20003 (Authenticate): the secret does not belong to that SID, or it was revoked`;
  }
  return error.message;
}

type Form = Record<string, string | boolean | readonly string[]>;

/** One list page of up to 1,000 items (the API's maximum PageSize): more than this project ever has. */
const PAGE = 'PageSize=1000';

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

const serviceRecord = (json: ServiceJson): ServiceRecord => ({
  sid: json.sid,
  uniqueName: json.unique_name,
  includeCredentials: json.include_credentials,
});
const versionRecord = (json: VersionJson) => ({
  sid: json.sid,
  path: json.path,
  visibility: json.visibility,
  ...(json.function_sid !== undefined && { functionSid: json.function_sid }),
});

/** @example const api = new TwilioServerlessApi(credentials, { region: 'ie1' }); await api.listServices() */
export class TwilioServerlessApi implements ServerlessApi {
  private readonly client: TwilioServerlessApiClient;
  /** The client's configuration, which serverless-api's upload functions take to find the upload host. */
  private readonly config: ClientConfig;

  constructor(credentials: DeployCredentials, location: { region?: string; edge?: string } = {}) {
    this.config = {
      username: credentials.username,
      password: credentials.password,
      ...(location.region !== undefined && { region: location.region }),
      ...(location.edge !== undefined && { edge: location.edge }),
    };
    this.client = new TwilioServerlessApiClient(this.config);
  }

  private async call<T>(method: 'get' | 'post' | 'delete', path: string, form?: Form): Promise<T> {
    try {
      const options = form ? { form: toSearchParams(form) } : {};
      const response = await this.client.request(method, path, options as Parameters<TwilioServerlessApiClient['request']>[2] & object);
      return response.body as T;
    } catch (error) {
      throw asRequestError(`${method.toUpperCase()} ${path.replace(/\?.*$/, '')}`, error);
    }
  }

  private async list<T>(path: string, key: string): Promise<T[]> {
    const page = await this.call<Record<string, T[]>>('get', `${path}?${PAGE}`);
    return page[key] ?? [];
  }

  async fetchService(serviceSid: string): Promise<ServiceRecord> {
    return serviceRecord(await this.call<ServiceJson>('get', `Services/${serviceSid}`));
  }

  async listServices(): Promise<ServiceRecord[]> {
    return (await this.list<ServiceJson>('Services', 'services')).map(serviceRecord);
  }

  async listEnvironments(serviceSid: string): Promise<EnvironmentRecord[]> {
    const environments = await this.list<EnvironmentJson>(`Services/${serviceSid}/Environments`, 'environments');
    return environments.map((json) => ({
      sid: json.sid,
      domainSuffix: json.domain_suffix,
      domainName: json.domain_name,
      buildSid: json.build_sid,
    }));
  }

  async listVariables(serviceSid: string, environmentSid: string): Promise<VariableRecord[]> {
    const variables = await this.list<VariableRecord>(`Services/${serviceSid}/Environments/${environmentSid}/Variables`, 'variables');
    return variables.map(({ sid, key, value }) => ({ sid, key, value }));
  }

  async fetchBuild(serviceSid: string, buildSid: string): Promise<BuildRecord> {
    const build = await this.call<BuildJson>('get', `Services/${serviceSid}/Builds/${buildSid}`);
    return {
      sid: build.sid,
      runtime: build.runtime,
      dependencies: (build.dependencies ?? []).map(({ name, version }) => ({ name, version })),
      functionVersions: (build.function_versions ?? []).map(versionRecord),
      assetVersions: (build.asset_versions ?? []).map(versionRecord),
    };
  }

  async fetchBuildStatus(serviceSid: string, buildSid: string): Promise<string> {
    return (await this.call<{ status: string }>('get', `Services/${serviceSid}/Builds/${buildSid}/Status`)).status;
  }

  async fetchFunctionVersionContent(serviceSid: string, functionSid: string, versionSid: string): Promise<string> {
    const path = `Services/${serviceSid}/Functions/${functionSid}/Versions/${versionSid}/Content`;
    return (await this.call<{ content?: string }>('get', path)).content ?? '';
  }

  async createService(uniqueName: string): Promise<{ sid: string }> {
    // serverless-api's createService always asks for IncludeCredentials true: this service never uses the account's auth token.
    const form = { UniqueName: uniqueName, FriendlyName: uniqueName, IncludeCredentials: false, UiEditable: false };
    const created = await this.call<{ sid: string }>('post', 'Services', form);
    return { sid: created.sid };
  }

  async excludeCredentials(serviceSid: string): Promise<void> {
    await this.call('post', `Services/${serviceSid}`, { IncludeCredentials: false });
  }

  async createEnvironment(serviceSid: string, domainSuffix: string): Promise<{ sid: string; domainName: string }> {
    try {
      const created = await serverless.createEnvironmentFromSuffix(domainSuffix, serviceSid, this.client);
      return { sid: created.sid, domainName: created.domain_name };
    } catch (error) {
      throw asRequestError(`POST Services/${serviceSid}/Environments`, error);
    }
  }

  async createVariable(serviceSid: string, environmentSid: string, key: string, value: string): Promise<void> {
    await this.call('post', `Services/${serviceSid}/Environments/${environmentSid}/Variables`, { Key: key, Value: value });
  }

  async updateVariable(serviceSid: string, environmentSid: string, variableSid: string, value: string): Promise<void> {
    await this.call('post', `Services/${serviceSid}/Environments/${environmentSid}/Variables/${variableSid}`, { Value: value });
  }

  async deleteVariable(serviceSid: string, environmentSid: string, variableSid: string): Promise<void> {
    await this.call('delete', `Services/${serviceSid}/Environments/${environmentSid}/Variables/${variableSid}`);
  }

  async uploadFiles(serviceSid: string, uploads: readonly UploadFile[]): Promise<UploadedVersions> {
    const { client, config } = this;
    const files = (kind: UploadFile['kind']) =>
      uploads.filter((file) => file.kind === kind).map(({ name, path, access, content }) => ({ name, path, access, content }));
    try {
      const functionResources = await serverless.getOrCreateFunctionResources(files('function'), serviceSid, client);
      const functionVersions = await Promise.all(
        functionResources.map((resource) => serverless.uploadFunction(resource, serviceSid, client, config)),
      );
      const assetResources = await serverless.getOrCreateAssetResources(files('asset'), serviceSid, client);
      const assetVersions = await Promise.all(
        assetResources.map((resource) => serverless.uploadAsset(resource, serviceSid, client, config)),
      );
      return { functionVersions, assetVersions };
    } catch (error) {
      throw asRequestError('upload', error);
    }
  }

  async createBuild(serviceSid: string, build: NewBuild): Promise<{ sid: string }> {
    try {
      const created = await serverless.triggerBuild(
        {
          functionVersions: [...build.functionVersions],
          assetVersions: [...build.assetVersions],
          dependencies: [...build.dependencies],
          runtime: build.runtime,
        },
        serviceSid,
        this.client,
      );
      return { sid: created.sid };
    } catch (error) {
      throw asRequestError('build', error);
    }
  }

  async activateBuild(serviceSid: string, environmentSid: string, buildSid: string): Promise<void> {
    try {
      await serverless.activateBuild(buildSid, environmentSid, serviceSid, this.client);
    } catch (error) {
      throw asRequestError(`POST Services/${serviceSid}/Environments/${environmentSid}/Deployments`, error);
    }
  }
}

function toSearchParams(form: Form): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return params;
}

/** got's errors carry the response; only Twilio's code and message are kept (they hold no secret). */
function asRequestError(operation: string, error: unknown): TwilioRequestError {
  if (error instanceof TwilioRequestError) return error;
  const {
    response,
    code: errorCode,
    message,
  } = error as { response?: { statusCode?: number; body?: unknown }; code?: unknown; message?: unknown };
  if (response?.statusCode) {
    let body = response.body as { code?: unknown; message?: unknown } | string | undefined;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body) as { code?: unknown; message?: unknown };
      } catch {
        body = undefined;
      }
    }
    const code = typeof body === 'object' && typeof body?.code === 'number' ? body.code : undefined;
    const text = typeof body === 'object' && typeof body?.message === 'string' ? body.message : `HTTP ${response.statusCode}`;
    return new TwilioRequestError({ operation, status: response.statusCode, code, detail: code ? `Twilio error ${code}: ${text}` : text });
  }
  const reason = typeof errorCode === 'string' ? errorCode : typeof message === 'string' ? message : 'no answer';
  return new TwilioRequestError({ operation, status: 0, detail: `no answer from Twilio (${reason})` });
}
