/**
 * The deploy's seam to Twilio's Serverless API (src/cli/deploy/serverless-api.ts), kept in memory, so the ordering,
 * refusal and interruption tests run the deploy's own steps in-process, in milliseconds. It keeps the TLS stand-in's
 * rules (tests/helpers/fake-twilio/serverless-rules.ts, the same functions: name limits and conflicts, Variable key and
 * value limits, visibilities and paths, supported runtimes, a Build that must complete before it is deployed) and its
 * way of interrupting: a fault takes the nth matching request and drops it before applying it, or applies it and
 * drops the answer, which the deploy sees as no answer (a TwilioRequestError with status 0), as over a cut connection.
 * Each operation counts as the REST requests the real client sends for it (an upload: a list, a create per new
 * Function or Asset, a Version each). Credentials are not checked here: the suites that test them use the stand-in.
 */
import { createHash } from 'node:crypto';
import { TwilioRequestError } from '../../src/cli/deploy/serverless';
import type { UploadFile } from '../../src/cli/deploy/local';
import type {
  BuildRecord,
  EnvironmentRecord,
  NewBuild,
  ServerlessApi,
  ServiceRecord,
  UploadedVersions,
  VariableRecord,
} from '../../src/cli/deploy/serverless-api';
import {
  buildFailureReasons,
  buildProblem,
  deploymentProblem,
  environmentDomain,
  environmentProblem,
  newDomainBase,
  normalisePath,
  resourceProblem,
  serviceProblem,
  SUPPORTED_RUNTIMES,
  uploadProblem,
  variableProblem,
} from './fake-twilio/serverless-rules';
import { newSid, type Dependency, type Version } from './fake-twilio/serverless-store';
import { ApiRefusal, notFound, twilioErrorBody } from './fake-twilio/twilio-errors';

export type InMemoryFaultAction = 'drop-before' | 'drop-after';

export interface InMemoryFault {
  /** GET, POST, DELETE, or `*` for any. */
  readonly method: string;
  /** Matched against the request's path, e.g. /\/Deployments$/. */
  readonly path: RegExp;
  /** Which matching request, counted from when the fault was added (1 = the next). Default 1. */
  readonly nth?: number;
  readonly action: InMemoryFaultAction;
}

export interface InMemoryRequest {
  readonly method: string;
  readonly path: string;
  /** The status the request had, or would have had when a fault dropped its answer (0: never applied). */
  readonly status: number;
  readonly fault?: InMemoryFaultAction;
}

interface Service {
  readonly sid: string;
  readonly uniqueName: string;
  readonly domainBase: string;
  includeCredentials: boolean;
}
interface Environment {
  readonly sid: string;
  readonly serviceSid: string;
  readonly uniqueName: string;
  readonly domainSuffix: string | null;
  readonly domainName: string;
  buildSid: string | null;
}
interface Variable {
  readonly sid: string;
  readonly environmentSid: string;
  readonly key: string;
  value: string;
}
interface Resource {
  readonly sid: string;
  readonly serviceSid: string;
  readonly kind: 'function' | 'asset';
  readonly friendlyName: string;
}
interface Build {
  readonly sid: string;
  readonly serviceSid: string;
  readonly runtime: string;
  readonly dependencies: readonly Dependency[];
  readonly functionVersions: readonly Version[];
  readonly assetVersions: readonly Version[];
  readonly status: 'completed' | 'failed';
}

interface ArmedFault {
  readonly spec: InMemoryFault;
  seen: number;
  done: boolean;
  readonly reached: () => void;
}

/** The error the deploy gets when no answer came (the connection was cut before or after Twilio applied the request). */
const noAnswer = (operation: string) => new TwilioRequestError({ operation, status: 0, detail: 'no answer from Twilio (ECONNRESET)' });

/** As asRequestError makes of Twilio's error JSON. */
function refusedBy(operation: string, refusal: ApiRefusal): TwilioRequestError {
  const body = twilioErrorBody(refusal.kind, refusal.message);
  return new TwilioRequestError({ operation, status: body.status, code: body.code, detail: `Twilio error ${body.code}: ${body.message}` });
}

/** A fault dropped the request: the operation it was part of fails as the real client's would, with no answer. */
class Dropped extends Error {}

/** @example const twilio = new InMemoryServerlessApi(); await readLiveState(twilio, { serviceSid, environment: 'dev' }) */
export class InMemoryServerlessApi implements ServerlessApi {
  private readonly services = new Map<string, Service>();
  private readonly environments = new Map<string, Environment>();
  private readonly variables = new Map<string, Variable>();
  private readonly resources = new Map<string, Resource>();
  private readonly versions = new Map<string, Version>();
  private readonly builds = new Map<string, Build>();
  private readonly recorded: InMemoryRequest[] = [];
  private readonly faults: ArmedFault[] = [];

  /** Every request so far, in order. */
  requests(): readonly InMemoryRequest[] {
    return [...this.recorded];
  }

  /** Takes the nth matching request from now on; `reached` resolves when it arrives (and, for drop-after, is applied). */
  addFault(spec: InMemoryFault): { readonly reached: Promise<void>; disarm(): void } {
    let reached!: () => void;
    const promise = new Promise<void>((resolve) => (reached = resolve));
    const fault: ArmedFault = { spec, seen: 0, done: false, reached };
    this.faults.push(fault);
    return { reached: promise, disarm: () => void (fault.done = true) };
  }

  /** The state, for assertions: a Service by name, its Environments, an Environment's Variables (values included). */
  readonly state = {
    service: (uniqueName: string): ServiceRecord | undefined => {
      const service = [...this.services.values()].find((candidate) => candidate.uniqueName === uniqueName);
      return service && this.serviceRecord(service);
    },
    environments: (serviceSid: string): EnvironmentRecord[] =>
      [...this.environments.values()].filter((environment) => environment.serviceSid === serviceSid).map(environmentRecord),
    variables: (environmentSid: string): VariableRecord[] =>
      [...this.variables.values()]
        .filter((variable) => variable.environmentSid === environmentSid)
        .map(({ sid, key, value }) => ({ sid, key, value })),
  };

  /**
   * One REST request: recorded, offered to the faults, then applied (a rule may refuse it). A drop-before never
   * applies it; a drop-after applies it and loses the answer.
   */
  private request<T>(method: string, path: string, apply: () => T): T {
    // Every armed fault counts the requests that match it; the first whose count reaches its nth takes this one.
    let fault: ArmedFault | undefined;
    for (const candidate of this.faults) {
      if (candidate.done || (candidate.spec.method !== '*' && candidate.spec.method !== method) || !candidate.spec.path.test(path))
        continue;
      candidate.seen += 1;
      if (!fault && candidate.seen === (candidate.spec.nth ?? 1)) fault = candidate;
    }
    if (fault) fault.done = true;
    if (fault?.spec.action === 'drop-before') {
      this.recorded.push({ method, path, status: 0, fault: 'drop-before' });
      fault.reached();
      throw new Dropped();
    }
    let status = method === 'GET' ? 200 : method === 'DELETE' ? 204 : 201;
    let result: T;
    try {
      result = apply();
    } catch (error) {
      if (!(error instanceof ApiRefusal)) throw error;
      status = twilioErrorBody(error.kind, error.message).status;
      this.recorded.push({ method, path, status, ...(fault && { fault: fault.spec.action }) });
      fault?.reached();
      // Refused, but the answer lost: the deploy cannot tell.
      if (fault) throw new Dropped();
      throw error;
    }
    this.recorded.push({ method, path, status, ...(fault && { fault: fault.spec.action }) });
    if (fault) {
      fault.reached();
      throw new Dropped();
    }
    return result;
  }

  /** One operation of the seam, failing as TwilioServerlessApi's does: `operation` names it in the error. */
  private async operation<T>(operation: string, body: () => T): Promise<T> {
    // Asynchronous as a network call is: a step's caller never sees a result in the same turn.
    await Promise.resolve();
    try {
      return body();
    } catch (error) {
      if (error instanceof Dropped) throw noAnswer(operation);
      if (error instanceof ApiRefusal) throw refusedBy(operation, error);
      throw error;
    }
  }

  /** A single-request operation: its error names the request, as the real client's `METHOD path` does. */
  private single<T>(method: string, path: string, apply: () => T): Promise<T> {
    return this.operation(`${method} ${path}`, () => this.request(method, path, apply));
  }

  private serviceRecord(service: Service): ServiceRecord {
    return { sid: service.sid, uniqueName: service.uniqueName, includeCredentials: service.includeCredentials };
  }

  private service(serviceSid: string, path: string): Service {
    const service = this.services.get(serviceSid);
    if (!service) throw notFound(path);
    return service;
  }

  private environment(serviceSid: string, environmentSid: string, path: string): Environment {
    this.service(serviceSid, path);
    const environment = this.environments.get(environmentSid);
    if (!environment || environment.serviceSid !== serviceSid) throw notFound(path);
    return environment;
  }

  fetchService(serviceSid: string): Promise<ServiceRecord> {
    const path = `Services/${serviceSid}`;
    return this.single('GET', path, () => this.serviceRecord(this.service(serviceSid, path)));
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.single('GET', 'Services', () => [...this.services.values()].map((service) => this.serviceRecord(service)));
  }

  listEnvironments(serviceSid: string): Promise<EnvironmentRecord[]> {
    const path = `Services/${serviceSid}/Environments`;
    return this.single('GET', path, () => {
      this.service(serviceSid, path);
      return this.state.environments(serviceSid);
    });
  }

  listVariables(serviceSid: string, environmentSid: string): Promise<VariableRecord[]> {
    const path = `Services/${serviceSid}/Environments/${environmentSid}/Variables`;
    return this.single('GET', path, () => {
      this.environment(serviceSid, environmentSid, path);
      return this.state.variables(environmentSid);
    });
  }

  fetchBuild(serviceSid: string, buildSid: string): Promise<BuildRecord> {
    const path = `Services/${serviceSid}/Builds/${buildSid}`;
    return this.single('GET', path, () => {
      const build = this.build(serviceSid, buildSid, path);
      const version = (item: Version) => ({
        sid: item.sid,
        path: item.path,
        visibility: item.visibility,
        ...(item.kind === 'function' && { functionSid: item.parentSid }),
      });
      return {
        sid: build.sid,
        runtime: build.runtime,
        dependencies: build.dependencies.map(({ name, version }) => ({ name, version })),
        functionVersions: build.functionVersions.map(version),
        assetVersions: build.assetVersions.map(version),
      };
    });
  }

  fetchBuildStatus(serviceSid: string, buildSid: string): Promise<string> {
    const path = `Services/${serviceSid}/Builds/${buildSid}/Status`;
    return this.single('GET', path, () => this.build(serviceSid, buildSid, path).status);
  }

  fetchFunctionVersionContent(serviceSid: string, functionSid: string, versionSid: string): Promise<string> {
    const path = `Services/${serviceSid}/Functions/${functionSid}/Versions/${versionSid}/Content`;
    return this.single('GET', path, () => {
      this.service(serviceSid, path);
      const version = this.versions.get(versionSid);
      if (!version || version.serviceSid !== serviceSid || version.parentSid !== functionSid) throw notFound(path);
      return version.content.toString('utf8');
    });
  }

  private build(serviceSid: string, buildSid: string, path: string): Build {
    this.service(serviceSid, path);
    const build = this.builds.get(buildSid);
    if (!build || build.serviceSid !== serviceSid) throw notFound(path);
    return build;
  }

  createService(uniqueName: string): Promise<{ sid: string }> {
    return this.single('POST', 'Services', () => {
      const all = [...this.services.values()];
      const problem = serviceProblem(uniqueName, uniqueName, {
        nameTaken: all.some((service) => service.uniqueName === uniqueName),
        serviceCount: all.length,
      });
      if (problem) throw new ApiRefusal(problem.kind, problem.message);
      const domainBase = newDomainBase(uniqueName, new Set(all.map((service) => service.domainBase)));
      const service: Service = { sid: newSid('ZS'), uniqueName, domainBase, includeCredentials: false };
      this.services.set(service.sid, service);
      return { sid: service.sid };
    });
  }

  excludeCredentials(serviceSid: string): Promise<void> {
    const path = `Services/${serviceSid}`;
    return this.single('POST', path, () => void (this.service(serviceSid, path).includeCredentials = false));
  }

  /** Test set-up: a Service that gives its functions the account's auth token, as one made by serverless-api. */
  setIncludeCredentials(serviceSid: string): void {
    this.service(serviceSid, `Services/${serviceSid}`).includeCredentials = true;
  }

  createEnvironment(serviceSid: string, domainSuffix: string): Promise<{ sid: string; domainName: string }> {
    const path = `Services/${serviceSid}/Environments`;
    return this.single('POST', path, () => {
      const service = this.service(serviceSid, path);
      // serverless-api's createEnvironmentFromSuffix: `production` without a suffix, `<suffix>-environment` with one.
      const uniqueName = domainSuffix === '' ? 'production' : `${domainSuffix}-environment`;
      const suffix = domainSuffix === '' ? null : domainSuffix;
      const problem = environmentProblem(
        uniqueName,
        suffix,
        this.state.environments(serviceSid).map(environmentSiblings(this.environments)),
      );
      if (problem) throw new ApiRefusal(problem.kind, problem.message);
      const environment: Environment = {
        sid: newSid('ZE'),
        serviceSid,
        uniqueName,
        domainSuffix: suffix,
        domainName: environmentDomain(service.domainBase, suffix),
        buildSid: null,
      };
      this.environments.set(environment.sid, environment);
      return { sid: environment.sid, domainName: environment.domainName };
    });
  }

  createVariable(serviceSid: string, environmentSid: string, key: string, value: string): Promise<void> {
    const path = `Services/${serviceSid}/Environments/${environmentSid}/Variables`;
    return this.single('POST', path, () => {
      this.environment(serviceSid, environmentSid, path);
      const problem = variableProblem(
        key,
        value,
        this.state.variables(environmentSid).map((variable) => variable.key),
      );
      if (problem) throw new ApiRefusal(problem.kind, problem.message);
      const variable: Variable = { sid: newSid('ZV'), environmentSid, key, value };
      this.variables.set(variable.sid, variable);
    });
  }

  updateVariable(serviceSid: string, environmentSid: string, variableSid: string, value: string): Promise<void> {
    const path = `Services/${serviceSid}/Environments/${environmentSid}/Variables/${variableSid}`;
    return this.single('POST', path, () => {
      const variable = this.variable(serviceSid, environmentSid, variableSid, path);
      const others = this.state.variables(environmentSid).filter((other) => other.sid !== variableSid);
      const problem = variableProblem(
        variable.key,
        value,
        others.map((other) => other.key),
      );
      if (problem) throw new ApiRefusal(problem.kind, problem.message);
      variable.value = value;
    });
  }

  deleteVariable(serviceSid: string, environmentSid: string, variableSid: string): Promise<void> {
    const path = `Services/${serviceSid}/Environments/${environmentSid}/Variables/${variableSid}`;
    return this.single('DELETE', path, () => {
      this.variable(serviceSid, environmentSid, variableSid, path);
      this.variables.delete(variableSid);
    });
  }

  private variable(serviceSid: string, environmentSid: string, variableSid: string, path: string): Variable {
    this.environment(serviceSid, environmentSid, path);
    const variable = this.variables.get(variableSid);
    if (!variable || variable.environmentSid !== environmentSid) throw notFound(path);
    return variable;
  }

  /** As serverless-api: the kind's resources listed, one created per new name, then a Version uploaded per file. */
  uploadFiles(serviceSid: string, uploads: readonly UploadFile[]): Promise<UploadedVersions> {
    return this.operation('upload', () => {
      const upload = (kind: 'function' | 'asset') => {
        const plural = kind === 'function' ? 'Functions' : 'Assets';
        const listPath = `Services/${serviceSid}/${plural}`;
        const existing = this.request('GET', listPath, () => {
          this.service(serviceSid, listPath);
          return [...this.resources.values()].filter((resource) => resource.serviceSid === serviceSid && resource.kind === kind);
        });
        return uploads
          .filter((file) => file.kind === kind)
          .map((file) => {
            const resource =
              existing.find((candidate) => candidate.friendlyName === file.name) ??
              this.request('POST', listPath, () => {
                const problem = resourceProblem(file.name);
                if (problem) throw new ApiRefusal(problem.kind, problem.message);
                const created: Resource = { sid: newSid('ZH'), serviceSid, kind, friendlyName: file.name };
                this.resources.set(created.sid, created);
                return created;
              });
            return this.request('POST', `${listPath}/${resource.sid}/Versions`, () => {
              const problem = uploadProblem(file.path, file.access, true);
              if (problem) throw new ApiRefusal(problem.kind, problem.message);
              const normalised = normalisePath(file.path);
              if ('problem' in normalised) throw new ApiRefusal(normalised.problem.kind, normalised.problem.message);
              const content = Buffer.from(file.content);
              const version: Version = {
                sid: newSid('ZN'),
                kind,
                parentSid: resource.sid,
                serviceSid,
                path: normalised.value,
                visibility: file.access,
                content,
                contentType: undefined,
                sha256: createHash('sha256').update(content).digest('hex'),
                created: new Date().toISOString(),
              };
              this.versions.set(version.sid, version);
              return version.sid;
            });
          });
      };
      const functionVersions = upload('function');
      const assetVersions = upload('asset');
      return { functionVersions, assetVersions };
    });
  }

  createBuild(serviceSid: string, build: NewBuild): Promise<{ sid: string }> {
    const path = `Services/${serviceSid}/Builds`;
    return this.operation('build', () =>
      this.request('POST', path, () => {
        this.service(serviceSid, path);
        const problem = buildProblem(
          { runtime: build.runtime, functionVersionSids: build.functionVersions, assetVersionSids: build.assetVersions },
          SUPPORTED_RUNTIMES,
          serviceSid,
          (sid) => this.versions.get(sid),
        );
        if (problem) throw new ApiRefusal(problem.kind, problem.message);
        const functionVersions = build.functionVersions.map((sid) => this.versions.get(sid)!);
        const made: Build = {
          sid: newSid('ZB'),
          serviceSid,
          runtime: build.runtime,
          dependencies: build.dependencies,
          functionVersions,
          assetVersions: build.assetVersions.map((sid) => this.versions.get(sid)!),
          status: buildFailureReasons(functionVersions, build.dependencies).length > 0 ? 'failed' : 'completed',
        };
        this.builds.set(made.sid, made);
        return { sid: made.sid };
      }),
    );
  }

  activateBuild(serviceSid: string, environmentSid: string, buildSid: string): Promise<void> {
    const path = `Services/${serviceSid}/Environments/${environmentSid}/Deployments`;
    return this.single('POST', path, () => {
      const environment = this.environment(serviceSid, environmentSid, path);
      const problem = deploymentProblem(environment, buildSid, this.builds.get(buildSid));
      if (problem) throw new ApiRefusal(problem.kind, problem.message);
      environment.buildSid = buildSid;
    });
  }
}

function environmentRecord(environment: Environment): EnvironmentRecord {
  const { sid, domainSuffix, domainName, buildSid } = environment;
  return { sid, domainSuffix, domainName, buildSid };
}

/** The fields environmentProblem compares a new Environment with. */
function environmentSiblings(environments: ReadonlyMap<string, Environment>) {
  return (record: EnvironmentRecord) => {
    const environment = environments.get(record.sid)!;
    return { uniqueName: environment.uniqueName, domainSuffix: environment.domainSuffix };
  };
}
