/** Reads the private assets that hold configuration (the policy, the users file) from src/assets, as the build copies them. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASIC_USERS_ASSET_NAME } from '../../lib/auth/basic-users';
import type { AssetText } from '../../lib/base/setting-source';
import type { ConfigSources } from '../../lib/config/service-config';
import { POLICY_ASSET_NAME } from '../../lib/policy/settings';

export const POLICY_ASSET_PATH = join('src', 'assets', POLICY_ASSET_NAME);
export const BASIC_USERS_ASSET_PATH = join('src', 'assets', BASIC_USERS_ASSET_NAME);

/** The file's text, `unreadable` when it exists but cannot be read, or undefined when there is none. */
function readAssetFile(path: string): AssetText | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch {
    return { unreadable: true };
  }
}

/**
 * @example readPrivateAssets() // { policyAsset: { text: '{"rules":[…]}' } } when src/assets/policy.private.json exists
 */
export function readPrivateAssets(paths: { policy?: string; users?: string } = {}): ConfigSources {
  const policyAsset = readAssetFile(paths.policy ?? POLICY_ASSET_PATH);
  const basicUsersAsset = readAssetFile(paths.users ?? BASIC_USERS_ASSET_PATH);
  return { ...(policyAsset && { policyAsset }), ...(basicUsersAsset && { basicUsersAsset }) };
}
