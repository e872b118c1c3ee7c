/** A setting that may be a variable or a private asset (a file in src/assets, with no size limit), never both. */
import type { SettingsReader } from './settings-reader';

/** A private asset's text, or `unreadable` when it exists but could not be read. */
export type AssetText = { readonly text: string } | { readonly unreadable: true };

/**
 * A domain's setting after reading: its value when usable, and whether it was there at all (a setting that is
 * there but wrong is a problem, reported to the reader).
 */
export interface ReadSetting<T> {
  readonly value?: T;
  readonly configured: boolean;
}

/** The text to parse and where it came from. */
export interface SettingText {
  /** The variable or the asset's name, for problems. */
  readonly source: string;
  readonly text: string;
  readonly fromAsset: boolean;
}

export interface SettingPlaces {
  readonly variable: string;
  /** The variable's text, as the reader gave it (read once, so a problem with it is reported once). */
  readonly variableText: string | undefined;
  readonly assetFile: string;
  readonly asset: AssetText | undefined;
  /** How problems name the setting: "only one <one> may be configured", "a readable <file>". */
  readonly one: string;
  readonly file: string;
}

/**
 * Both a variable and its asset at once is refused: which one counts would be a guess, and a guess about
 * who may sign in or what they get should fail closed. An asset that exists but cannot be read fails too.
 */
export function settingText(settings: SettingsReader, places: SettingPlaces): SettingText | undefined {
  const { variable: variableName, variableText: variable, assetFile, asset } = places;
  const assetName = `assets/${assetFile}`;
  if (variable !== undefined && asset !== undefined) {
    settings.report(
      variableName,
      `${variableName} is set and ${assetName} exists; only one ${places.one} may be configured`,
      `remove ${variableName} or delete ${assetName}`,
    );
    return undefined;
  }
  if (asset !== undefined && 'unreadable' in asset) {
    settings.report(assetName, `${assetName} exists but could not be read`, `redeploy the service with a readable ${places.file}`);
    return undefined;
  }
  if (variable !== undefined) return { source: variableName, text: variable, fromAsset: false };
  return asset === undefined ? undefined : { source: assetName, text: asset.text, fromAsset: true };
}
