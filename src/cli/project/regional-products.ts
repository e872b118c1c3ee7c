/**
 * Which of the service's products a Twilio Region offers. Regions are isolated: a product missing from the region a
 * token or key belongs to does not work there. Twilio's "Regional product availability" page
 * (twilio.com/docs/global-infrastructure/regional-product-and-feature-availability, read 2026) lists Voice, Conversations
 * (chat) and Functions for IE1, Voice for AU1, and neither Sync nor Video outside US1.
 */
import type { Problem } from '../../lib/base/problems';
import { splitList } from '../../lib/base/text';

/** Products this service touches that only US1 offers, with the settings that use them. */
const US1_ONLY = [
  {
    product: 'Sync',
    settings: (variables: Readonly<Record<string, string>>) => [
      ...(variables['THROTTLE_SYNC_SERVICE_SID']?.trim() ? ['THROTTLE_SYNC_SERVICE_SID'] : []),
      ...(grantsOf(variables).includes('sync') ? ['TOKEN_GRANTS'] : []),
    ],
  },
  {
    product: 'Video',
    settings: (variables: Readonly<Record<string, string>>) => (grantsOf(variables).includes('video') ? ['TOKEN_GRANTS'] : []),
  },
] as const;

/** TOKEN_GRANTS as the service reads it: video when unset (lib/token/settings). */
function grantsOf(variables: Readonly<Record<string, string>>): string[] {
  return splitList(variables['TOKEN_GRANTS']?.trim() || 'video').map((grant) => grant.toLowerCase());
}

/**
 * One problem per setting that uses a product TWILIO_REGION does not offer.
 * @example regionalProductProblems({ TWILIO_REGION: 'ie1', THROTTLE_SYNC_SERVICE_SID: 'default' })[0].variable // 'THROTTLE_SYNC_SERVICE_SID'
 */
export function regionalProductProblems(variables: Readonly<Record<string, string>>): Problem[] {
  const region = variables['TWILIO_REGION']?.trim();
  // A malformed region is the service's own problem (lib/token/settings), reported once there.
  if (!region || region === 'us1' || !/^[a-z]{2}[0-9]$/.test(region)) return [];
  return US1_ONLY.flatMap(({ product, settings }) =>
    settings(variables).map((variable) => ({
      variable,
      message:
        variable === 'THROTTLE_SYNC_SERVICE_SID'
          ? `THROTTLE_SYNC_SERVICE_SID keeps the shared failure counts in Sync, and Twilio offers no Sync in region ${region} (TWILIO_REGION): every count would fail`
          : `TOKEN_GRANTS gives ${product.toLowerCase()} tokens (video is the default), and Twilio offers no ${product} in region ${region} (TWILIO_REGION): such tokens would not work`,
      fix:
        variable === 'THROTTLE_SYNC_SERVICE_SID'
          ? `unset THROTTLE_SYNC_SERVICE_SID (each instance then counts alone), or run the service for region us1`
          : `set TOKEN_GRANTS to grants ${region} offers (voice, chat), or unset TWILIO_REGION to issue tokens for us1`,
    })),
  );
}
