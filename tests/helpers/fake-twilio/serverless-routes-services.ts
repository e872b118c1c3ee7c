/** Routes for Services, their Environments and the Environments' Variables: what a deploy configures before it uploads. */
import { listed, type RouteDeps } from './serverless-lookups';
import { deleted, ok, type Reply, type Route, type RouteContext } from './serverless-router';
import {
  booleanField,
  environmentDomain,
  environmentProblem,
  missing,
  newDomainBase,
  refusal,
  refuseOn,
  serviceFriendlyNameUpdateProblem,
  serviceProblem,
  valueOf,
  variableProblem,
} from './serverless-rules';
import { newSid, timestamp, type Environment, type Variable } from './serverless-store';

/** The path of one Environment, which Variables, Deployments and Logs hang from. */
export const ENVIRONMENT_PATH = ['Services', ':service', 'Environments', ':environment'];

function createService({ store, json }: RouteDeps, { form }: RouteContext): Reply {
  const summary = {
    UniqueName: form.get('UniqueName'),
    FriendlyName: form.get('FriendlyName'),
    IncludeCredentials: form.get('IncludeCredentials'),
    UiEditable: form.get('UiEditable'),
  };
  const uniqueName = form.get('UniqueName') ?? '';
  const friendlyName = form.get('FriendlyName') ?? '';
  const account = { nameTaken: store.findService(uniqueName) !== undefined, serviceCount: store.services.size };
  refuseOn(serviceProblem(uniqueName, friendlyName, account), summary);
  const domainBase = newDomainBase(uniqueName, new Set([...store.services.values()].map((service) => service.domainBase)));
  const now = timestamp();
  const service = {
    sid: newSid('ZS'),
    uniqueName,
    friendlyName,
    // Refused without the summary: the record of a malformed boolean has never carried one.
    includeCredentials: valueOf(booleanField(form, 'IncludeCredentials', true)),
    uiEditable: valueOf(booleanField(form, 'UiEditable', false)),
    domainBase,
    created: now,
    updated: now,
  };
  store.services.set(service.sid, service);
  return { status: 201, body: json.service(service), summary };
}

function updateService({ json, find }: RouteDeps, context: RouteContext): Reply {
  const service = find.service(context);
  const { form } = context;
  const friendlyName = form.get('FriendlyName');
  // Each field is applied as soon as it is read: a bad field after a good one leaves the good one changed.
  if (friendlyName !== null) {
    refuseOn(serviceFriendlyNameUpdateProblem(friendlyName));
    service.friendlyName = friendlyName;
  }
  service.includeCredentials = valueOf(booleanField(form, 'IncludeCredentials', service.includeCredentials));
  service.uiEditable = valueOf(booleanField(form, 'UiEditable', service.uiEditable));
  service.updated = timestamp();
  return {
    status: 200,
    body: json.service(service),
    summary: { fields: [...form.keys()], IncludeCredentials: form.get('IncludeCredentials') },
  };
}

function createEnvironment({ store, json, find }: RouteDeps, context: RouteContext): Reply {
  const service = find.service(context);
  const { form } = context;
  const summary = { UniqueName: form.get('UniqueName'), DomainSuffix: form.get('DomainSuffix') };
  const uniqueName = form.get('UniqueName') ?? '';
  const domainSuffix = form.get('DomainSuffix') || null;
  const siblings = [...store.environments.values()].filter((environment) => environment.serviceSid === service.sid);
  refuseOn(environmentProblem(uniqueName, domainSuffix, siblings), summary);
  const now = timestamp();
  const environment: Environment = {
    sid: newSid('ZE'),
    serviceSid: service.sid,
    uniqueName,
    domainSuffix,
    domainName: environmentDomain(service.domainBase, domainSuffix),
    buildSid: null,
    created: now,
    updated: now,
  };
  store.environments.set(environment.sid, environment);
  return { status: 201, body: json.environment(environment), summary };
}

/** The keys of the Environment's Variables, but for the one being updated. */
function otherKeys({ store }: RouteDeps, environment: Environment, replacing: Variable | undefined): string[] {
  return [...store.variables.values()]
    .filter((variable) => variable.environmentSid === environment.sid && variable.sid !== replacing?.sid)
    .map((variable) => variable.key);
}

function createVariable(deps: RouteDeps, context: RouteContext): Reply {
  const { store, json, find } = deps;
  const environment = find.environment(context);
  const key = context.form.get('Key');
  const value = context.form.get('Value');
  // The value's length only: the value itself is a secret more often than not.
  const summary = { Key: key, valueBytes: value === null ? null : Buffer.byteLength(value) };
  if (!key) throw refusal(missing('Key'), summary);
  if (value === null) throw refusal(missing('Value'), summary);
  refuseOn(variableProblem(key, value, otherKeys(deps, environment, undefined)), summary);
  const now = timestamp();
  const variable: Variable = {
    sid: newSid('ZV'),
    serviceSid: environment.serviceSid,
    environmentSid: environment.sid,
    key,
    value,
    created: now,
    updated: now,
  };
  store.variables.set(variable.sid, variable);
  return { status: 201, body: json.variable(variable), summary };
}

function updateVariable(deps: RouteDeps, context: RouteContext): Reply {
  const { store, json, find } = deps;
  const variable = find.variable(context);
  const environment = store.environments.get(variable.environmentSid)!;
  const key = context.form.get('Key') ?? variable.key;
  const value = context.form.get('Value') ?? variable.value;
  const summary = { Key: context.form.get('Key'), valueBytes: context.form.has('Value') ? Buffer.byteLength(value) : null };
  if (!key) throw refusal({ kind: 'invalidParameter', message: 'Key cannot be empty' }, summary);
  refuseOn(variableProblem(key, value, otherKeys(deps, environment, variable)), summary);
  variable.key = key;
  variable.value = value;
  variable.updated = timestamp();
  return { status: 200, body: json.variable(variable), summary };
}

export function serviceRoutes(deps: RouteDeps): Route[] {
  const { store, json, find } = deps;
  return [
    {
      pattern: ['Services'],
      methods: {
        GET: (c) => listed(c, 'services', [...store.services.values()], (s) => json.service(s)),
        POST: (c) => createService(deps, c),
      },
    },
    {
      pattern: ['Services', ':service'],
      methods: {
        GET: (c) => ok(json.service(find.service(c))),
        POST: (c) => updateService(deps, c),
        DELETE: (c) => {
          store.deleteService(find.service(c).sid);
          return deleted();
        },
      },
    },
    {
      pattern: ['Services', ':service', 'Environments'],
      methods: {
        GET: (c) => listed(c, 'environments', find.inService(store.environments, c), (e) => json.environment(e)),
        POST: (c) => createEnvironment(deps, c),
      },
    },
    {
      pattern: ENVIRONMENT_PATH,
      methods: {
        GET: (c) => ok(json.environment(find.environment(c))),
        DELETE: (c) => {
          store.deleteEnvironment(find.environment(c).sid);
          return deleted();
        },
      },
    },
    {
      pattern: [...ENVIRONMENT_PATH, 'Variables'],
      methods: {
        GET: (c) => listed(c, 'variables', find.inEnvironment(store.variables, c), (v) => json.variable(v)),
        POST: (c) => createVariable(deps, c),
      },
    },
    {
      pattern: [...ENVIRONMENT_PATH, 'Variables', ':variable'],
      methods: {
        GET: (c) => ok(json.variable(find.variable(c))),
        POST: (c) => updateVariable(deps, c),
        DELETE: (c) => {
          const variable = find.variable(c);
          store.variables.delete(variable.sid);
          return { status: 204, summary: { Key: variable.key } };
        },
      },
    },
  ];
}
