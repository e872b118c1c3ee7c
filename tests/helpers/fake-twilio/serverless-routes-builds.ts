/** Routes for Builds and their Status, and for an Environment's Deployments and Logs: what a deploy does after it uploads. */
import { listed, type RouteDeps } from './serverless-lookups';
import { ENVIRONMENT_PATH } from './serverless-routes-services';
import { deleted, ok, type Reply, type Route, type RouteContext } from './serverless-router';
import {
  buildFailureReasons,
  buildProblem,
  DEFAULT_RUNTIME,
  deploymentProblem,
  missing,
  parseDependencies,
  refusal,
  refuseOn,
  valueOf,
} from './serverless-rules';
import { newSid, timestamp, type Build } from './serverless-store';
import { notFound } from './twilio-errors';

function createBuild({ store, json, find }: RouteDeps, runtimes: readonly string[], context: RouteContext): Reply {
  const service = find.service(context);
  const { form } = context;
  const functionVersionSids = form.getAll('FunctionVersions');
  const assetVersionSids = form.getAll('AssetVersions');
  const runtime = form.get('Runtime') || DEFAULT_RUNTIME;
  const summary: Record<string, unknown> = {
    FunctionVersions: functionVersionSids,
    AssetVersions: assetVersionSids,
    Runtime: form.get('Runtime'),
  };
  const dependencies = valueOf(parseDependencies(form.get('Dependencies')), summary);
  // Recorded from here on, refused or not: the parsed list, as the build will hold it.
  summary.Dependencies = Object.fromEntries(dependencies.map(({ name, version }) => [name, version]));
  refuseOn(
    buildProblem({ runtime, functionVersionSids, assetVersionSids }, runtimes, service.sid, (sid) => store.versions.get(sid)),
    summary,
  );
  const failureReasons = buildFailureReasons(
    functionVersionSids.map((sid) => store.versions.get(sid)!),
    dependencies,
  );
  const now = timestamp();
  const build: Build = {
    sid: newSid('ZB'),
    serviceSid: service.sid,
    functionVersionSids,
    assetVersionSids,
    dependencies,
    runtime,
    outcome: failureReasons.length > 0 ? 'failed' : 'completed',
    failureReasons,
    statusPolls: 0,
    created: now,
    updated: now,
  };
  store.builds.set(build.sid, build);
  return { status: 201, body: json.build(build), summary };
}

function pollBuildStatus({ store, json, find }: RouteDeps, context: RouteContext): Reply {
  const build = find.build(context);
  build.statusPolls += 1;
  return { status: 200, body: json.buildStatus(build), summary: { status: store.statusOf(build) } };
}

function createDeployment({ store, json, find }: RouteDeps, context: RouteContext): Reply {
  const environment = find.environment(context);
  const buildSid = context.form.get('BuildSid');
  const summary = { BuildSid: buildSid };
  if (!buildSid) throw refusal(missing('BuildSid'), summary);
  const build = store.builds.get(buildSid);
  refuseOn(deploymentProblem(environment, buildSid, build && { serviceSid: build.serviceSid, status: store.statusOf(build) }), summary);
  const now = timestamp();
  const deployment = {
    sid: newSid('ZD'),
    serviceSid: environment.serviceSid,
    environmentSid: environment.sid,
    buildSid,
    created: now,
    updated: now,
  };
  store.deployments.set(deployment.sid, deployment);
  environment.buildSid = buildSid;
  environment.updated = now;
  return { status: 201, body: json.deployment(deployment), summary };
}

/** An Environment's Deployments and Logs. */
export function deploymentRoutes(deps: RouteDeps): Route[] {
  const { store, json, find } = deps;
  return [
    {
      pattern: [...ENVIRONMENT_PATH, 'Deployments'],
      methods: {
        GET: (c) => listed(c, 'deployments', find.inEnvironment(store.deployments, c), (d) => json.deployment(d)),
        POST: (c) => createDeployment(deps, c),
      },
    },
    {
      pattern: [...ENVIRONMENT_PATH, 'Deployments', ':deployment'],
      methods: {
        GET: (c) => {
          const deployment = find.inEnvironment(store.deployments, c).find((d) => d.sid === c.params.deployment);
          if (!deployment) throw notFound(c.url.pathname);
          return ok(json.deployment(deployment));
        },
      },
    },
    {
      // The fake runs no functions of its own, so there is never a log line.
      pattern: [...ENVIRONMENT_PATH, 'Logs'],
      methods: {
        GET: (c) => {
          find.environment(c); // an unknown environment still answers 404
          return listed(c, 'logs', [] as { sid: string }[], () => ({}));
        },
      },
    },
  ];
}

/** A Service's Builds, one Build, and the Status that clients poll; `runtimes` are the ones a Build accepts. */
export function buildRoutes(deps: RouteDeps, runtimes: readonly string[]): Route[] {
  const { store, json, find } = deps;
  return [
    {
      pattern: ['Services', ':service', 'Builds'],
      methods: {
        GET: (c) => listed(c, 'builds', find.inService(store.builds, c), (b) => json.build(b)),
        POST: (c) => createBuild(deps, runtimes, c),
      },
    },
    {
      pattern: ['Services', ':service', 'Builds', ':build'],
      methods: {
        GET: (c) => ok(json.build(find.build(c))),
        DELETE: (c) => {
          store.builds.delete(find.build(c).sid);
          return deleted();
        },
      },
    },
    { pattern: ['Services', ':service', 'Builds', ':build', 'Status'], methods: { GET: (c) => pollBuildStatus(deps, c) } },
  ];
}
