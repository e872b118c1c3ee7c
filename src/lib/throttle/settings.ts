/** THROTTLE_SYNC_SERVICE_SID: where the failure counts every instance shares are kept. */
import { sidPattern, type SettingsReader } from '../base/settings-reader';

/**
 * The Sync Service (IS…, or `default`) holding the Basic failure counts; unset, each instance counts alone.
 * @example readThrottleSyncServiceSid(settings) // 'default'
 */
export function readThrottleSyncServiceSid(settings: SettingsReader): string | undefined {
  const value = settings.text('THROTTLE_SYNC_SERVICE_SID');
  if (value !== undefined && value !== 'default' && !sidPattern('IS').test(value)) {
    settings.report(
      'THROTTLE_SYNC_SERVICE_SID',
      'THROTTLE_SYNC_SERVICE_SID must be a Sync Service SID (IS followed by 32 hexadecimal digits) or default',
      'copy the SID of a Sync Service from the Twilio Console, write default for the account’s default Sync Service, or unset it',
    );
    return undefined;
  }
  return value;
}
