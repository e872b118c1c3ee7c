/** Which Twilio SIDs and secrets of a configuration are placeholders: what /health, the doctor and the deploy report. */
import type { Environment } from '../base/settings-reader';
import { looksLikePlaceholder } from '../base/placeholders';
import { CONFIG_VARIABLES } from './service-config';

/** The settings that hold Twilio SIDs and secrets: a placeholder there means Twilio refuses what it is used for. */
const TWILIO_VALUE_SETTINGS: readonly string[] = CONFIG_VARIABLES.filter((name) => /_(SID|SECRET)$/.test(name));

/** The settings whose signing role makes every token fail when they are placeholders. */
export const SIGNING_SETTINGS: readonly string[] = ['ACCOUNT_SID', 'TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY_SID', 'TWILIO_API_KEY_SECRET'];

/**
 * The names (never the values) of the Twilio SID and secret settings that hold a placeholder, in settings order.
 * @example placeholderSettings({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_API_KEY_SID: realSid }) // ['TWILIO_ACCOUNT_SID']
 */
export function placeholderSettings(env: Environment): string[] {
  return TWILIO_VALUE_SETTINGS.filter((name) => {
    const value = env[name];
    return typeof value === 'string' && looksLikePlaceholder(value);
  });
}
