/** Twilio's documented rules for Serverless resources, as pure checks: each gives the refusal Twilio answers with, or nothing. */
import { randomInt } from 'node:crypto';
import { unresolvableRequires } from './require-scan';
import type { Dependency, Version, Visibility } from './serverless-store';
import { ApiRefusal, type TwilioErrorKind } from './twilio-errors';

/** Runtimes a Build accepts in 2026: node22 is the default, node24 came in July 2026, node18 ended November 2025. */
export const SUPPORTED_RUNTIMES: readonly string[] = ['node20', 'node22', 'node24'];
export const DEFAULT_RUNTIME = 'node22';
/** Variable resource page: Key "a maximum of 128 characters", Value "a maximum of 450 bytes". */
const MAX_VARIABLE_KEY_CHARACTERS = 128;
const MAX_VARIABLE_VALUE_BYTES = 450;
/** Service UniqueName: "50 characters or less"; the Console adds "letters, numbers, and dashes". */
const MAX_SERVICE_UNIQUE_NAME = 50;
/** Error 20001 seen in twilio-labs/dev-phone #178: "Services are limited to less than or equal to 50". */
const MAX_SERVICES = 50;
/** Environment UniqueName "a maximum of 100 characters", DomainSuffix "a maximum of 16 characters". */
const MAX_ENVIRONMENT_UNIQUE_NAME = 100;
const MAX_DOMAIN_SUFFIX = 16;
const MAX_FRIENDLY_NAME = 255;
/** Version paths: "a maximum of 255 characters" (Twilio) = "shorter than 256" (serverless-api). */
const MAX_PATH_CHARACTERS = 255;
/** Characters serverless-api's checkForValidPath refuses in a path (the client's rule, enforced here too). */
const FORBIDDEN_PATH_CHARACTERS = /[#;,?:@+&$()' "]/;
const VISIBILITIES: readonly Visibility[] = ['public', 'protected', 'private'];

/** A rule a request broke: Twilio's kind of error and its message. */
interface Problem {
  readonly kind: TwilioErrorKind;
  readonly message: string;
}

/** A field read by a rule: its value, or the rule it broke. */
type Checked<T> = { readonly value: T } | { readonly problem: Problem };

const invalid = (message: string): Problem => ({ kind: 'invalidParameter', message });

export const missing = (field: string): Problem => invalid(`Missing required parameter ${field} in the post body`);

/** The handlers' way out: a problem becomes the refusal the router answers, with the request's secret-free summary. */
export function refusal(problem: Problem, summary?: Record<string, unknown>): ApiRefusal {
  return new ApiRefusal(problem.kind, problem.message, summary);
}

export function refuseOn(problem: Problem | undefined, summary?: Record<string, unknown>): void {
  if (problem) throw refusal(problem, summary);
}

/** The value of a checked field, or its refusal (with the request's summary) thrown. */
export function valueOf<T>(checked: Checked<T>, summary?: Record<string, unknown>): T {
  if ('problem' in checked) throw refusal(checked.problem, summary);
  return checked.value;
}

export function booleanField(form: URLSearchParams, name: string, fallback: boolean): Checked<boolean> {
  const value = form.get(name);
  if (value === null) return { value: fallback };
  if (value === 'true' || value === 'false') return { value: value === 'true' };
  return { problem: invalid(`Invalid value for ${name}: expected true or false`) };
}

// ---- Services and Environments -------------------------------------------------------------------------------------

/** A new Service's fields, then the account's limits: `nameTaken` when a Service answers to this name already. */
export function serviceProblem(
  uniqueName: string,
  friendlyName: string,
  account: { readonly nameTaken: boolean; readonly serviceCount: number },
): Problem | undefined {
  if (!uniqueName) return missing('UniqueName');
  if (!friendlyName) return missing('FriendlyName');
  if (uniqueName.length > MAX_SERVICE_UNIQUE_NAME) return invalid(`UniqueName must be ${MAX_SERVICE_UNIQUE_NAME} characters or less`);
  // The unique name becomes the first label of every domain, hence the Console's letters/digits/dashes rule.
  if (!/^[A-Za-z0-9-]+$/.test(uniqueName)) return invalid('UniqueName may only contain letters, numbers, and dashes');
  if (friendlyName.length > MAX_FRIENDLY_NAME) return invalid(`FriendlyName must be at most ${MAX_FRIENDLY_NAME} characters`);
  if (account.nameTaken) return { kind: 'conflict', message: `Service with UniqueName ${uniqueName} already exists` };
  if (account.serviceCount >= MAX_SERVICES) return invalid(`Services are limited to less than or equal to ${MAX_SERVICES}`);
  return undefined;
}

/** An update words the same limit differently from a create. */
export function serviceFriendlyNameUpdateProblem(friendlyName: string): Problem | undefined {
  return friendlyName.length > MAX_FRIENDLY_NAME ? invalid('FriendlyName is too long') : undefined;
}

/** `<unique name>-<4 random digits>`, lower-case, and not the base of another Service. */
export function newDomainBase(uniqueName: string, taken: ReadonlySet<string>): string {
  let domainBase: string;
  do domainBase = `${uniqueName.toLowerCase()}-${randomInt(1000, 10000)}`;
  while (taken.has(domainBase));
  return domainBase;
}

/** A new Environment's fields; `siblings` are the Service's other Environments. */
export function environmentProblem(
  uniqueName: string,
  domainSuffix: string | null,
  siblings: readonly { readonly uniqueName: string; readonly domainSuffix: string | null }[],
): Problem | undefined {
  if (!uniqueName) return missing('UniqueName');
  if (uniqueName.length > MAX_ENVIRONMENT_UNIQUE_NAME)
    return invalid(`UniqueName must be at most ${MAX_ENVIRONMENT_UNIQUE_NAME} characters`);
  if (domainSuffix !== null && (domainSuffix.length > MAX_DOMAIN_SUFFIX || !/^[A-Za-z0-9-]+$/.test(domainSuffix))) {
    return invalid(`DomainSuffix must be letters, numbers or dashes, at most ${MAX_DOMAIN_SUFFIX} characters`);
  }
  // Two environments without a suffix clash too: both would be the Service's bare domain.
  if (siblings.some((environment) => environment.uniqueName === uniqueName || environment.domainSuffix === domainSuffix)) {
    // Wording reported in RJPearson94/terraform-provider-twilio #78.
    return { kind: 'conflict', message: 'Environment with this UniqueName or DomainSuffix already exists.' };
  }
  return undefined;
}

/** "<service unique name>-<random digits>[-<suffix>].twil.io"; production has no suffix. */
export function environmentDomain(domainBase: string, domainSuffix: string | null): string {
  return `${domainBase}${domainSuffix ? `-${domainSuffix.toLowerCase()}` : ''}.twil.io`;
}

// ---- Variables -----------------------------------------------------------------------------------------------------

/** The Variable rules, checked on create and update; `otherKeys` are the keys of the Environment's other Variables. */
export function variableProblem(key: string, value: string, otherKeys: readonly string[]): Problem | undefined {
  if (key.length > MAX_VARIABLE_KEY_CHARACTERS) return invalid(`Key must be at most ${MAX_VARIABLE_KEY_CHARACTERS} characters`);
  // Bytes, not characters: "é" counts twice.
  if (Buffer.byteLength(value) > MAX_VARIABLE_VALUE_BYTES) return invalid(`Value must be at most ${MAX_VARIABLE_VALUE_BYTES} bytes`);
  if (otherKeys.includes(key)) return { kind: 'conflict', message: `Variable with Key ${key} already exists` };
  // The 3 KB context limit (82006) is not checked here: Twilio accepts the Variable and fails invocations (function-context.ts).
  return undefined;
}

// ---- Functions, Assets and their Versions --------------------------------------------------------------------------

export function resourceProblem(friendlyName: string): Problem | undefined {
  if (!friendlyName) return missing('FriendlyName');
  if (friendlyName.length > MAX_FRIENDLY_NAME) return invalid(`FriendlyName must be at most ${MAX_FRIENDLY_NAME} characters`);
  return undefined;
}

/** An upload's multipart fields: `Path`, `Visibility` and a `Content` file, all required. */
export function uploadProblem(path: string | undefined, visibility: string | undefined, hasContent: boolean): Problem | undefined {
  if (!path) return missing('Path');
  if (!visibility) return missing('Visibility');
  if (!hasContent) return missing('Content');
  if (!(VISIBILITIES as readonly string[]).includes(visibility)) return invalid(`Visibility must be one of ${VISIBILITIES.join(', ')}`);
  return undefined;
}

/** A Version path as Twilio stores it: a leading '/' is added when missing (Function Version resource page). */
export function normalisePath(path: string): Checked<string> {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  if (withSlash.length > MAX_PATH_CHARACTERS) return { problem: invalid(`Path must be at most ${MAX_PATH_CHARACTERS} characters`) };
  if (FORBIDDEN_PATH_CHARACTERS.test(withSlash)) {
    return { problem: invalid(`Path cannot contain any of the characters #;,?:@+&$()' " (got ${withSlash})`) };
  }
  return { value: withSlash };
}

// ---- Builds and Deployments ----------------------------------------------------------------------------------------

/** Parses the Build's Dependencies as Twilio does: a JSON array, also when wrapped in one more pair of quotes. */
export function parseDependencies(raw: string | null): Checked<Dependency[]> {
  if (raw === null || raw.trim() === '') return { value: [] };
  const attempts = [raw];
  // serverless-api sends `"${JSON.stringify(deps)}"`: the quotes are not JSON escapes, so strip them before parsing.
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) attempts.push(raw.slice(1, -1));
  for (const attempt of attempts) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(attempt);
      if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    } catch {
      continue;
    }
    if (!Array.isArray(parsed)) break;
    const dependencies: Dependency[] = [];
    for (const entry of parsed as unknown[]) {
      const { name, version } = (entry ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
        return { problem: invalid('Dependencies entries need a non-empty name and version') };
      }
      dependencies.push({ name, version });
    }
    return { value: dependencies };
  }
  return { problem: invalid('Dependencies must be a JSON array of {name, version} objects') };
}

/** A new Build: a runtime the platform offers, and at least one version, each of the right kind and from this Service. */
export function buildProblem(
  build: { readonly runtime: string; readonly functionVersionSids: readonly string[]; readonly assetVersionSids: readonly string[] },
  runtimes: readonly string[],
  serviceSid: string,
  versionOf: (sid: string) => Version | undefined,
): Problem | undefined {
  const { runtime, functionVersionSids, assetVersionSids } = build;
  if (!runtimes.includes(runtime)) {
    return { kind: 'unsupportedRuntime', message: `The runtime ${runtime} is not supported. Supported runtimes: ${runtimes.join(', ')}` };
  }
  if (functionVersionSids.length + assetVersionSids.length === 0)
    return invalid('At least one function version or asset version is required');
  for (const [sids, kind] of [
    [functionVersionSids, 'function'],
    [assetVersionSids, 'asset'],
  ] as const) {
    for (const sid of sids) {
      const version = versionOf(sid);
      if (!version || version.kind !== kind || version.serviceSid !== serviceSid) {
        return invalid(`${kind === 'function' ? 'Function' : 'Asset'} Version ${sid} was not found in this Service`);
      }
    }
  }
  return undefined;
}

/** Twilio's build loads every function; one that requires what the build does not hold fails the build. */
export function buildFailureReasons(functionVersions: readonly Version[], dependencies: readonly Dependency[]): string[] {
  const dependencyNames = new Set(dependencies.map((dependency) => dependency.name));
  return functionVersions.flatMap((version) =>
    unresolvableRequires(version.content.toString('utf8'), dependencyNames).map((reason) => `${version.path}: ${reason}`),
  );
}

/** A Deployment of `buildSid` to an Environment: a completed Build of the same Service, not the one already active. */
export function deploymentProblem(
  environment: { readonly serviceSid: string; readonly buildSid: string | null },
  buildSid: string,
  build: { readonly serviceSid: string; readonly status: string } | undefined,
): Problem | undefined {
  if (!build || build.serviceSid !== environment.serviceSid) return invalid(`Build ${buildSid} was not found in this Service`);
  if (build.status !== 'completed') return invalid(`Build ${buildSid} is ${build.status}, not completed`);
  // 409 on re-activating the active build: twilio-labs/serverless-api #27.
  if (environment.buildSid === buildSid) return { kind: 'conflict', message: 'Environment has already requested deployment' };
  return undefined;
}
