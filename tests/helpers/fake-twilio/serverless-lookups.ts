/** The records a Serverless URL names, found in the store for the route handlers: one record (404 otherwise) or a page of them. */
import type { Reply, RouteContext } from './serverless-router';
import type { Build, Environment, Resource, ResourceKind, ServerlessStore, Service, Variable, Version } from './serverless-store';
import { notFound } from './twilio-errors';
import { listPage, type TwilioJson } from './twilio-json';

/** What every group of routes works on: the records, their JSON, and the lookups by URL. */
export interface RouteDeps {
  readonly store: ServerlessStore;
  readonly json: TwilioJson;
  readonly find: ServerlessLookups;
}

/** A page of `items` under `key`, with Twilio's paging read from the request's query. */
export function listed<T extends { sid: string }>(context: RouteContext, key: string, items: T[], render: (item: T) => object): Reply {
  return { status: 200, body: listPage(context.url, key, items, render) };
}

/** Each lookup checks the whole chain of parents: a SID from another Service answers 404, as an unknown one does. */
export class ServerlessLookups {
  constructor(private readonly store: ServerlessStore) {}

  service(context: RouteContext): Service {
    const service = this.store.findService(context.params.service);
    if (!service) throw notFound(context.url.pathname);
    return service;
  }

  environment(context: RouteContext): Environment {
    const service = this.service(context);
    const environment = this.store.environments.get(context.params.environment);
    if (!environment || environment.serviceSid !== service.sid) throw notFound(context.url.pathname);
    return environment;
  }

  resource(context: RouteContext, kind: ResourceKind): Resource {
    const service = this.service(context);
    const resource = this.store.resources.get(context.params.resource);
    if (!resource || resource.kind !== kind || resource.serviceSid !== service.sid) throw notFound(context.url.pathname);
    return resource;
  }

  version(context: RouteContext, kind: ResourceKind): Version {
    const resource = this.resource(context, kind);
    const version = this.store.versions.get(context.params.version);
    if (!version || version.parentSid !== resource.sid) throw notFound(context.url.pathname);
    return version;
  }

  build(context: RouteContext): Build {
    const service = this.service(context);
    const build = this.store.builds.get(context.params.build);
    if (!build || build.serviceSid !== service.sid) throw notFound(context.url.pathname);
    return build;
  }

  variable(context: RouteContext): Variable {
    const environment = this.environment(context);
    const variable = this.store.variables.get(context.params.variable);
    if (!variable || variable.environmentSid !== environment.sid) throw notFound(context.url.pathname);
    return variable;
  }

  /** The items of the Service the URL names (404 for an unknown one). */
  inService<T extends { serviceSid: string }>(map: Map<string, T>, context: RouteContext): T[] {
    const service = this.service(context);
    return [...map.values()].filter((item) => item.serviceSid === service.sid);
  }

  /** The items of the Environment the URL names (404 for an unknown one). */
  inEnvironment<T extends { environmentSid: string }>(map: Map<string, T>, context: RouteContext): T[] {
    const environment = this.environment(context);
    return [...map.values()].filter((item) => item.environmentSid === environment.sid);
  }
}
