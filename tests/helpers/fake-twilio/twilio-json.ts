/**
 * The JSON the fake answers with: field names, SID prefixes and `links` as in Twilio's OpenAPI for serverless v1
 * (twilio/twilio-oai, spec/json/twilio_serverless_v1.json), and list pages with Twilio's `meta` block.
 */
import { ApiRefusal } from './twilio-errors';
import type { Build, Deployment, Environment, Resource, ServerlessStore, Service, Variable, Version } from './serverless-store';

export const API_HOST = 'serverless.twilio.com';
export const UPLOAD_HOST = 'serverless-upload.twilio.com';
/**
 * The region-and-edge pairs whose hosts the fake serves (`{api,iam}.{edge}.{region}.twilio.com`): Twilio's pairs for
 * IE1 and AU1 (twilio-cli "Regional") and US1's Ashburn. The old `api.{region}.twilio.com` names stopped working on
 * 28 April 2026, so the fake's proxy refuses them like any unknown host.
 */
const REGIONAL_EDGES: Readonly<Record<string, string>> = { ie1: 'dublin', au1: 'sydney', us1: 'ashburn' };

/** Every core-API and IAM host the fake answers, with the product and the region each serves. */
export const KEY_HOSTS: ReadonlyMap<string, { readonly product: 'api' | 'iam'; readonly region: string }> = new Map([
  ['api.twilio.com', { product: 'api', region: 'us1' }],
  ['iam.twilio.com', { product: 'iam', region: 'us1' }],
  ...Object.entries(REGIONAL_EDGES).flatMap(([region, edge]) =>
    (['api', 'iam'] as const).map((product) => [`${product}.${edge}.${region}.twilio.com`, { product, region }] as const),
  ),
]);
/** "The default is 50, and the maximum is 1000" (PageSize, every list operation). */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

function url(path: string): string {
  return `https://${API_HOST}/v1${path}`;
}

/** Renders the store's records as Twilio does. */
export class TwilioJson {
  constructor(private readonly store: ServerlessStore) {}

  service(service: Service): object {
    const base = `/Services/${service.sid}`;
    return {
      sid: service.sid,
      account_sid: this.store.accountSid,
      friendly_name: service.friendlyName,
      unique_name: service.uniqueName,
      include_credentials: service.includeCredentials,
      ui_editable: service.uiEditable,
      domain_base: service.domainBase,
      date_created: service.created,
      date_updated: service.updated,
      url: url(base),
      links: {
        functions: url(`${base}/Functions`),
        assets: url(`${base}/Assets`),
        environments: url(`${base}/Environments`),
        builds: url(`${base}/Builds`),
      },
    };
  }

  environment(environment: Environment): object {
    const base = `/Services/${environment.serviceSid}/Environments/${environment.sid}`;
    return {
      sid: environment.sid,
      account_sid: this.store.accountSid,
      service_sid: environment.serviceSid,
      build_sid: environment.buildSid,
      unique_name: environment.uniqueName,
      domain_suffix: environment.domainSuffix,
      domain_name: environment.domainName,
      date_created: environment.created,
      date_updated: environment.updated,
      url: url(base),
      links: { variables: url(`${base}/Variables`), deployments: url(`${base}/Deployments`), logs: url(`${base}/Logs`) },
    };
  }

  resource(resource: Resource): object {
    const base = `/Services/${resource.serviceSid}/${resource.kind === 'function' ? 'Functions' : 'Assets'}/${resource.sid}`;
    return {
      sid: resource.sid,
      account_sid: this.store.accountSid,
      service_sid: resource.serviceSid,
      friendly_name: resource.friendlyName,
      date_created: resource.created,
      date_updated: resource.updated,
      url: url(base),
      links: { [`${resource.kind}_versions`]: url(`${base}/Versions`) },
    };
  }

  version(version: Version): object {
    const collection = version.kind === 'function' ? 'Functions' : 'Assets';
    const base = `/Services/${version.serviceSid}/${collection}/${version.parentSid}/Versions/${version.sid}`;
    return {
      sid: version.sid,
      account_sid: this.store.accountSid,
      service_sid: version.serviceSid,
      [`${version.kind}_sid`]: version.parentSid,
      path: version.path,
      visibility: version.visibility,
      date_created: version.created,
      url: url(base),
      ...(version.kind === 'function' ? { links: { function_version_content: url(`${base}/Content`) } } : {}),
    };
  }

  functionContent(version: Version): object {
    return {
      sid: version.sid,
      account_sid: this.store.accountSid,
      service_sid: version.serviceSid,
      function_sid: version.parentSid,
      content: version.content.toString('utf8'),
      url: url(`/Services/${version.serviceSid}/Functions/${version.parentSid}/Versions/${version.sid}/Content`),
    };
  }

  build(build: Build): object {
    const base = `/Services/${build.serviceSid}/Builds/${build.sid}`;
    // A Build lists its versions as objects (path, visibility…): serverless-api's `list` reads them from here.
    const versions = (sids: string[]) => sids.map((sid) => this.version(this.store.versions.get(sid)!));
    return {
      sid: build.sid,
      account_sid: this.store.accountSid,
      service_sid: build.serviceSid,
      status: this.store.statusOf(build),
      asset_versions: versions(build.assetVersionSids),
      function_versions: versions(build.functionVersionSids),
      dependencies: build.dependencies.map((dependency) => ({ ...dependency })),
      runtime: build.runtime,
      date_created: build.created,
      date_updated: build.updated,
      url: url(base),
      links: { build_status: url(`${base}/Status`) },
    };
  }

  buildStatus(build: Build): object {
    return {
      sid: build.sid,
      account_sid: this.store.accountSid,
      service_sid: build.serviceSid,
      status: this.store.statusOf(build),
      url: url(`/Services/${build.serviceSid}/Builds/${build.sid}/Status`),
    };
  }

  variable(variable: Variable): object {
    return {
      sid: variable.sid,
      account_sid: this.store.accountSid,
      service_sid: variable.serviceSid,
      environment_sid: variable.environmentSid,
      key: variable.key,
      value: variable.value,
      date_created: variable.created,
      date_updated: variable.updated,
      url: url(`/Services/${variable.serviceSid}/Environments/${variable.environmentSid}/Variables/${variable.sid}`),
    };
  }

  deployment(deployment: Deployment): object {
    return {
      sid: deployment.sid,
      account_sid: this.store.accountSid,
      service_sid: deployment.serviceSid,
      environment_sid: deployment.environmentSid,
      build_sid: deployment.buildSid,
      date_created: deployment.created,
      date_updated: deployment.updated,
      url: url(`/Services/${deployment.serviceSid}/Environments/${deployment.environmentSid}/Deployments/${deployment.sid}`),
    };
  }
}

/**
 * One list page with Twilio's `meta` (key, page, page_size, first/previous/next_page_url, url). PageToken `PA<sid>`
 * continues after that SID, as Twilio's next_page_url does; `PB<sid>` goes back before it; without a token the offset
 * is Page × PageSize. `requestUrl` is the absolute URL of the request.
 */
export function listPage<T extends { sid: string }>(requestUrl: URL, key: string, items: T[], render: (item: T) => object): object {
  const query = requestUrl.searchParams;
  const pageSize = query.has('PageSize') ? Number(query.get('PageSize')) : DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ApiRefusal('invalidParameter', `PageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const page = query.has('Page') ? Number(query.get('Page')) : 0;
  if (!Number.isInteger(page) || page < 0) throw new ApiRefusal('invalidParameter', 'Page must be a non-negative integer');
  const token = query.get('PageToken');
  let start = page * pageSize;
  if (token) {
    const index = /^P[AB]/.test(token) ? items.findIndex((item) => item.sid === token.slice(2)) : -1;
    if (index < 0) throw new ApiRefusal('invalidParameter', 'Invalid PageToken');
    start = token.startsWith('PA') ? index + 1 : Math.max(0, index - pageSize);
  }
  const slice = items.slice(start, start + pageSize);
  // Twilio's page URLs keep the request's filters (Status=…, Identity=…): a client following next_page_url stays filtered.
  const filters = [...query.entries()].filter(([name]) => !['Page', 'PageSize', 'PageToken'].includes(name));
  const filterText = filters.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}&`).join('');
  const base = `${requestUrl.origin}${requestUrl.pathname}`;
  const pageUrl = (number: number, pageToken?: string) =>
    `${base}?${filterText}PageSize=${pageSize}&Page=${number}${pageToken ? `&PageToken=${pageToken}` : ''}`;
  const hasNext = slice.length > 0 && start + pageSize < items.length;
  const hasPrevious = slice.length > 0 && start > 0;
  return {
    [key]: slice.map(render),
    meta: {
      first_page_url: pageUrl(0),
      key,
      next_page_url: hasNext ? pageUrl(page + 1, `PA${slice[slice.length - 1].sid}`) : null,
      page,
      page_size: pageSize,
      previous_page_url: hasPrevious ? pageUrl(Math.max(0, page - 1), `PB${slice[0].sid}`) : null,
      url: pageUrl(page, token ?? undefined),
    },
  };
}
