/** The callers' credentials: AUTH_SHARED_SECRETS, and the Basic users from AUTH_BASIC_USERS or the users file. */
import { settingText, type AssetText, type ReadSetting } from '../base/setting-source';
import type { SettingsReader } from '../base/settings-reader';
import type { GrantName } from '../token/grant-names';
import { identityProblem } from '../token/identity';
import { BASIC_USERS_ASSET_NAME, parseBasicUsers, parseBasicUsersFile, type BasicUserTable } from './basic-users';
import { parseSharedSecrets, type SharedSecretSet } from './shared-secrets';

/** `bearer` is a shared secret; `oidc` is a bearer JWT from the app's identity provider. */
export type AuthScheme = 'basic' | 'bearer' | 'oidc';

/**
 * AUTH_SHARED_SECRETS, as digests.
 * @example readSharedSecretsSetting(settings).value?.digests.length
 */
export function readSharedSecretsSetting(settings: SettingsReader): ReadSetting<SharedSecretSet> {
  const raw = settings.text('AUTH_SHARED_SECRETS');
  if (raw === undefined) return { configured: false };
  const parsed = parseSharedSecrets(raw);
  if (!parsed.ok) {
    settings.problems.add(...parsed.problems);
    return { configured: true };
  }
  return { value: parsed.secrets, configured: true };
}

/**
 * The Basic users from AUTH_BASIC_USERS or the private users file (one entry a line). Each name must be usable
 * as an identity for every enabled grant, and hold no colon (Basic's separator).
 */
export function readBasicUsersSetting(
  settings: SettingsReader,
  asset: AssetText | undefined,
  grants: readonly GrantName[],
): ReadSetting<BasicUserTable> {
  const variableText = settings.text('AUTH_BASIC_USERS');
  const configured = variableText !== undefined || asset !== undefined;
  const setting = settingText(settings, {
    variable: 'AUTH_BASIC_USERS',
    variableText,
    assetFile: BASIC_USERS_ASSET_NAME,
    asset,
    one: 'list of users',
    file: 'users file',
  });
  if (!setting) return { configured };
  const checkName = (name: string) => (name.includes(':') ? 'it must not contain a colon' : identityProblem(name, grants));
  const parsed = setting.fromAsset ? parseBasicUsersFile(setting.text, checkName) : parseBasicUsers(setting.text, checkName);
  if (!parsed.ok) {
    settings.problems.add(...parsed.problems);
    return { configured };
  }
  return { value: parsed.table, configured };
}
