/** Routes for Functions and Assets and their Versions, including the uploads that serverless-upload.twilio.com takes. */
import { createHash } from 'node:crypto';
import { parseMultipart } from './request-body';
import { listed, type RouteDeps } from './serverless-lookups';
import { deleted, ok, type Reply, type Route, type RouteContext } from './serverless-router';
import { missing, normalisePath, refusal, refuseOn, resourceProblem, uploadProblem, valueOf } from './serverless-rules';
import { newSid, timestamp, type Resource, type ResourceKind, type Version, type Visibility } from './serverless-store';

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function createResource({ store, json, find }: RouteDeps, context: RouteContext, kind: ResourceKind): Reply {
  const service = find.service(context);
  const friendlyName = context.form.get('FriendlyName') ?? '';
  const summary = { FriendlyName: friendlyName };
  refuseOn(resourceProblem(friendlyName), summary);
  const now = timestamp();
  const resource: Resource = { sid: newSid('ZH'), kind, serviceSid: service.sid, friendlyName, created: now, updated: now };
  store.resources.set(resource.sid, resource);
  return { status: 201, body: json.resource(resource), summary };
}

function updateResource({ json, find }: RouteDeps, context: RouteContext, kind: ResourceKind): Reply {
  const resource = find.resource(context, kind);
  const friendlyName = context.form.get('FriendlyName');
  if (!friendlyName) throw refusal(missing('FriendlyName'));
  resource.friendlyName = friendlyName;
  resource.updated = timestamp();
  return { status: 200, body: json.resource(resource), summary: { FriendlyName: friendlyName } };
}

/** POST serverless-upload…/{Functions|Assets}/{ZH}/Versions: multipart `Path`, `Visibility` and a `Content` file. */
function uploadVersion({ store, json, find }: RouteDeps, context: RouteContext, kind: ResourceKind): Reply {
  const resource = find.resource(context, kind);
  const parts = parseMultipart(context.body, context.contentType);
  if (!parts) throw refusal({ kind: 'invalidParameter', message: 'Expected a multipart/form-data body' });
  const field = (name: string) => parts.find((part) => part.name === name);
  const rawPath = field('Path')?.data.toString('utf8');
  const visibility = field('Visibility')?.data.toString('utf8');
  const content = field('Content');
  // The content's size and hash, never its bytes: they may hold anything.
  const summary: Record<string, unknown> = {
    Path: rawPath ?? null,
    Visibility: visibility ?? null,
    contentBytes: content ? content.data.length : null,
    contentSha256: content ? sha256(content.data) : null,
    contentType: content?.contentType ?? null,
  };
  refuseOn(uploadProblem(rawPath, visibility, content !== undefined), summary);
  const path = valueOf(normalisePath(rawPath!), summary);
  const version: Version = {
    sid: newSid('ZN'),
    kind,
    parentSid: resource.sid,
    serviceSid: resource.serviceSid,
    path,
    visibility: visibility as Visibility,
    content: Buffer.from(content!.data),
    contentType: content!.contentType,
    sha256: sha256(content!.data),
    created: timestamp(),
  };
  store.versions.set(version.sid, version);
  return { status: 201, body: json.version(version), summary };
}

/** One collection (Functions or Assets): its resources, each resource's Versions, and one Version. */
function resourceRoutes(deps: RouteDeps, collection: 'Functions' | 'Assets', kind: ResourceKind): Route[] {
  const { store, json, find } = deps;
  return [
    {
      pattern: ['Services', ':service', collection],
      methods: {
        GET: (c) => {
          const resources = find.inService(store.resources, c).filter((r) => r.kind === kind);
          return listed(c, collection.toLowerCase(), resources, (r) => json.resource(r));
        },
        POST: (c) => createResource(deps, c, kind),
      },
    },
    {
      pattern: ['Services', ':service', collection, ':resource'],
      methods: {
        GET: (c) => ok(json.resource(find.resource(c, kind))),
        POST: (c) => updateResource(deps, c, kind),
        DELETE: (c) => {
          store.resources.delete(find.resource(c, kind).sid);
          return deleted();
        },
      },
    },
    {
      pattern: ['Services', ':service', collection, ':resource', 'Versions'],
      methods: {
        GET: (c) => {
          const resource = find.resource(c, kind);
          const versions = [...store.versions.values()].filter((v) => v.parentSid === resource.sid);
          return listed(c, `${kind}_versions`, versions, (v) => json.version(v));
        },
      },
    },
    {
      pattern: ['Services', ':service', collection, ':resource', 'Versions', ':version'],
      methods: { GET: (c) => ok(json.version(find.version(c, kind))) },
    },
  ];
}

/** On serverless.twilio.com: Functions, Assets, their Versions, and a Function Version's Content. */
export function functionAndAssetRoutes(deps: RouteDeps): Route[] {
  const { json, find } = deps;
  return [
    ...resourceRoutes(deps, 'Functions', 'function'),
    ...resourceRoutes(deps, 'Assets', 'asset'),
    {
      pattern: ['Services', ':service', 'Functions', ':resource', 'Versions', ':version', 'Content'],
      methods: { GET: (c) => ok(json.functionContent(find.version(c, 'function'))) },
    },
  ];
}

/** On serverless-upload.twilio.com: a new Version is created by uploading it, and only there. */
export function uploadRoutes(deps: RouteDeps): Route[] {
  return [
    {
      pattern: ['Services', ':service', 'Functions', ':resource', 'Versions'],
      methods: { POST: (c) => uploadVersion(deps, c, 'function') },
    },
    {
      pattern: ['Services', ':service', 'Assets', ':resource', 'Versions'],
      methods: { POST: (c) => uploadVersion(deps, c, 'asset') },
    },
  ];
}
