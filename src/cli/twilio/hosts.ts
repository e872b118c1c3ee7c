/**
 * Which Twilio REST host the command-line tools ask about an API key: a key belongs to one region and is refused by
 * every other, so the host follows the region (TWILIO_REGION) and an edge.
 *
 * Twilio's regional hosts are `{product}.{edge}.{region}.twilio.com` (e.g. api.dublin.ie1.twilio.com); the older
 * `api.{region}.twilio.com` names stopped working on 28 April 2026 (twilio.com/docs/global-infrastructure/edge-locations,
 * "Action required by April 28, 2026"). US1 without an edge stays `{product}.twilio.com`.
 */

/** The edge each region is reached through when none is named: Twilio's pairs (twilio-cli "Regional", twilio-java's region map). */
const DEFAULT_EDGE: Readonly<Record<string, string>> = Object.freeze({
  au1: 'sydney',
  br1: 'sao-paulo',
  de1: 'frankfurt',
  ie1: 'dublin',
  jp1: 'tokyo',
  jp2: 'osaka',
  sg1: 'singapore',
  us2: 'umatilla',
});

/** Twilio's edge IDs are lower-case words joined by dashes (sao-paulo). */
const EDGE_ID = /^[a-z]+(-[a-z]+)*$/;
/** As TWILIO_REGION is checked by the service (lib/token/settings). */
const REGION_ID = /^[a-z]{2}[0-9]$/;

/** The REST products the tools call: the core API (Balance, Keys v2010) and IAM (Keys v1, which tells a key's type). */
type Product = 'api' | 'iam';

export interface KeyLocation {
  /** TWILIO_REGION; unset means us1. */
  readonly region?: string | undefined;
  /** TWILIO_EDGE from the environment (as twilio-node and the Twilio CLI read it); unset means the region's default edge. */
  readonly edge?: string | undefined;
}

/** A region or edge the host cannot be made from: the message names the setting and the fix. */
export class HostLocationError extends Error {
  constructor(
    readonly variable: 'TWILIO_REGION' | 'TWILIO_EDGE',
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** The region and the edge to reach it through; no edge: us1 on its default hosts. Throws HostLocationError. */
function placement(location: KeyLocation): { region: string; edge?: string } {
  const region = location.region?.trim() || 'us1';
  const edge = location.edge?.trim() || undefined;
  if (!REGION_ID.test(region)) {
    throw new HostLocationError(
      'TWILIO_REGION',
      'TWILIO_REGION must be a Twilio region code such as us1, ie1 or au1',
      'set TWILIO_REGION to a region code such as ie1, or unset it',
    );
  }
  if (edge !== undefined && !EDGE_ID.test(edge)) {
    throw new HostLocationError(
      'TWILIO_EDGE',
      'TWILIO_EDGE must be a Twilio edge ID such as dublin, sydney or ashburn',
      'set TWILIO_EDGE to the edge paired with your region (twilio.com/docs/global-infrastructure/edge-locations), or unset it',
    );
  }
  if (region === 'us1' && edge === undefined) return { region };
  const chosen = edge ?? DEFAULT_EDGE[region];
  if (chosen === undefined) {
    throw new HostLocationError(
      'TWILIO_EDGE',
      `no default edge is known for region ${region}, so its API host cannot be named`,
      `set TWILIO_EDGE in the environment to the edge paired with ${region} (twilio.com/docs/global-infrastructure/edge-locations)`,
    );
  }
  return { region, edge: chosen };
}

/**
 * @example regionalHost('api', { region: 'ie1' }) // 'api.dublin.ie1.twilio.com'
 * @example regionalHost('api', {}) // 'api.twilio.com'
 */
export function regionalHost(product: Product, location: KeyLocation): string {
  const { region, edge } = placement(location);
  return edge === undefined ? `${product}.twilio.com` : `${product}.${edge}.${region}.twilio.com`;
}

export interface ClientLocation {
  readonly region: string;
  readonly edge: string;
}

/**
 * twilio-node's `region` and `edge` options that make a client ask the hosts regionalHost names, for every product
 * (sync.dublin.ie1.twilio.com, video.…). For us1 on its default hosts both are '': twilio-node falls back to
 * TWILIO_REGION and TWILIO_EDGE of the process only for a missing option (`??`), and the region is the project's
 * TWILIO_REGION, not the shell's.
 * @example twilio(user, password, { accountSid, ...clientLocation({ region: 'ie1' }) }) // asks sync.dublin.ie1.twilio.com
 */
export function clientLocation(location: KeyLocation): ClientLocation {
  const { region, edge } = placement(location);
  return edge === undefined ? { region: '', edge: '' } : { region, edge };
}
