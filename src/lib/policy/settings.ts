/** The token policy setting: TOKEN_POLICY or the private policy file, checked against the global settings. */
import { settingText, type AssetText } from '../base/setting-source';
import type { SettingsReader } from '../base/settings-reader';
import { policyConflicts } from './conflicts';
import { parseTokenPolicy } from './parse';
import type { GlobalLimits, TokenPolicy } from './types';

/** How the policy asset is named in problems: the file a user adds to src/assets. */
export const POLICY_ASSET_NAME = 'policy.private.json';

/**
 * The policy, when one is configured and valid. Each entry's problem names its path in the document; conflicts
 * with the global settings are checked only when those could be read (`limits`).
 */
export function readPolicySetting(
  settings: SettingsReader,
  asset: AssetText | undefined,
  limits: GlobalLimits | undefined,
): TokenPolicy | undefined {
  const setting = settingText(settings, {
    variable: 'TOKEN_POLICY',
    variableText: settings.text('TOKEN_POLICY'),
    assetFile: POLICY_ASSET_NAME,
    asset,
    one: 'policy',
    file: 'policy file',
  });
  if (!setting) return undefined;
  const parsed = parseTokenPolicy(setting.text);
  const found = parsed.ok ? (limits ? policyConflicts(parsed.policy, limits) : []) : parsed.problems;
  for (const entry of found) {
    settings.report(
      setting.source,
      `${setting.source} ${entry.path}: ${entry.message}`,
      'correct that entry; the policy format is described in docs/policy.md',
    );
  }
  return parsed.ok && found.length === 0 ? parsed.policy : undefined;
}
