/**
 * Which variable names this service does not read, and which of those are near misses of a setting
 * (ALLOWED_ORIGIN for ALLOWED_ORIGINS): a near miss leaves the real setting unset, so it is a problem, not a note.
 * Driven by the settings registry alone, so a new setting is recognised (and its misspellings caught) by its entry.
 * A user's own variables are named in DEPLOY_OWN_VARIABLES: then they are neither unknown nor near misses.
 */
import type { Problem } from '../../lib/base/problems';
import { splitList } from '../../lib/base/text';
import { OWN_VARIABLES_SETTING, SETTINGS } from '../../lib/config/settings-registry';

/** Every setting's name (the service's and the deploy's own DEPLOY_OWN_VARIABLES). */
const SETTING_NAMES: readonly string[] = SETTINGS.map((setting) => setting.name);

/** The settings npm run deploy keeps equal to .env on the service: all but those Twilio provides (ACCOUNT_SID). */
export const DEPLOYED_SETTINGS: readonly string[] = SETTINGS.filter((setting) => setting.readBy !== 'platform').map(
  (setting) => setting.name,
);

/** The names DEPLOY_OWN_VARIABLES lists (none when unset). @example ownVariables({ DEPLOY_OWN_VARIABLES: 'CRM_URL, CRM_TEAM' }) // ['CRM_URL', 'CRM_TEAM'] */
export function ownVariables(variables: Readonly<Record<string, string | undefined>>): string[] {
  return splitList(variables[OWN_VARIABLES_SETTING] ?? '');
}

/** A name dotenv reads and Twilio accepts as a Variable key. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with DEPLOY_OWN_VARIABLES: a name that is not a variable name, or one that is a setting. */
export function ownVariablesProblems(variables: Readonly<Record<string, string | undefined>>): Problem[] {
  return ownVariables(variables).flatMap((name): Problem[] => {
    if (!VARIABLE_NAME.test(name)) {
      return [
        {
          variable: OWN_VARIABLES_SETTING,
          message: `${OWN_VARIABLES_SETTING} lists a name that is not a variable name (letters, digits and _, not starting with a digit)`,
          fix: `list names separated by commas, e.g. ${OWN_VARIABLES_SETTING}=CRM_URL,CRM_TEAM`,
        },
      ];
    }
    if (SETTING_NAMES.includes(name) || TWILIO_RUN_VARIABLES.includes(name)) {
      return [
        {
          variable: OWN_VARIABLES_SETTING,
          message: `${OWN_VARIABLES_SETTING} lists ${name}, which is a setting of this service, not a variable of your own`,
          fix: `remove ${name} from ${OWN_VARIABLES_SETTING} (the deploy already knows it)`,
        },
      ];
    }
    return [];
  });
}

/**
 * npm run deploy refuses every name that is neither a setting nor listed in DEPLOY_OWN_VARIABLES: an unknown name is a
 * rename or a typo as often as it is the user's own (and a rename would delete the real setting). Near misses are
 * misspelledSettingProblems'; this names the far ones.
 * @example unknownNameProblems(['TWILIO_TOKEN_POLICY'], []) // [{ variable: 'TWILIO_TOKEN_POLICY', … }]
 */
export function unknownNameProblems(names: Iterable<string>, own: readonly string[]): Problem[] {
  const owned = new Set(own);
  return classifyNames(names)
    .unread.filter((name) => !owned.has(name))
    .map((name) => ({
      variable: name,
      message: `${name} is not a setting of this service, and ${OWN_VARIABLES_SETTING} does not list it as one of your own`,
      fix: `if it is a setting renamed by mistake, give it its name again (the settings are listed in .env.example); if your own functions read it, add it to ${OWN_VARIABLES_SETTING} (docs/deploy-access.md); else remove it`,
    }));
}

/**
 * Read from .env by twilio-run itself, not by the service: the deploy credentials (never uploaded).
 * ACCOUNT_SID is also a setting (the platform provides it).
 */
export const TWILIO_RUN_VARIABLES: readonly string[] = ['ACCOUNT_SID', 'AUTH_TOKEN'];
/** The Twilio CLI's (and npm run deploy's) credential variables: never taken for a misspelled setting. */
const CLI_VARIABLES: readonly string[] = ['TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET'];

/** How far a name may be from a setting (insertions, deletions, substitutions, swaps of neighbours) to count as a near miss. */
const MAX_MISSPELLING_DISTANCE = 2;

export interface UnknownNames {
  /** Near misses, each with the settings it is nearest to (usually one). */
  readonly misspelled: ReadonlyArray<{ readonly name: string; readonly settings: readonly string[] }>;
  /** Far from every setting: probably the user's own, uploaded as they are. */
  readonly unread: readonly string[];
}

/**
 * @example classifyNames(['ALLOWED_ORIGIN', 'MY_NOTE', 'TOKEN_TTL'])
 * // { misspelled: [{ name: 'ALLOWED_ORIGIN', settings: ['ALLOWED_ORIGINS'] }], unread: ['MY_NOTE'] }
 */
export function classifyNames(names: Iterable<string>, settings: readonly string[] = SETTING_NAMES): UnknownNames {
  const known = new Set([...settings, ...TWILIO_RUN_VARIABLES, ...CLI_VARIABLES]);
  const misspelled: Array<{ name: string; settings: string[] }> = [];
  const unread: string[] = [];
  for (const name of new Set(names)) {
    if (known.has(name)) continue;
    const nearest = nearestSettings(name, settings);
    if (nearest.length > 0) misspelled.push({ name, settings: nearest });
    else unread.push(name);
  }
  return { misspelled, unread };
}

/** One problem per near miss: the deploy checks and the doctor refuse them. */
export function misspelledSettingProblems(names: Iterable<string>, own: readonly string[] = []): Problem[] {
  const owned = new Set(own);
  return classifyNames([...names].filter((name) => !owned.has(name))).misspelled.map(({ name, settings }) => ({
    variable: name,
    message: `${name} is not a setting; did you mean ${settings.join(' or ')}?`,
    fix: `rename ${name} to ${settings.join(' or ')} (this service reads no ${name}, so the setting you meant is not set)`,
  }));
}

/** The settings within reach of a name, nearest first; ties are all kept. */
function nearestSettings(name: string, settings: readonly string[]): string[] {
  const normalised = normalise(name);
  let best = MAX_MISSPELLING_DISTANCE + 1;
  let found: string[] = [];
  for (const setting of settings) {
    const target = normalise(setting);
    const distance = singular(normalised) === singular(target) ? 0 : editDistance(normalised, target);
    if (distance < best) [best, found] = [distance, [setting]];
    else if (distance === best) found.push(setting);
  }
  return best <= MAX_MISSPELLING_DISTANCE ? found : [];
}

/** Case and the separators dotenv allows in names (`.`, `-`, `_`) are not what a user means to change. */
const normalise = (name: string) => name.toUpperCase().replace(/[.-]/g, '_');

/** Each word without a plural S: ALLOWED_ORIGIN and ALLOWED_ORIGINS, OIDC_ALGORITHM and OIDC_ALGORITHMS, TOKEN_POLICIES and TOKEN_POLICY. */
const singular = (name: string) =>
  name
    .split('_')
    .map((word) => (word.length > 3 ? word.replace(/IES$/, 'Y').replace(/E?S$/, '') : word))
    .join('_');

/** Optimal string alignment distance (Levenshtein plus swaps of neighbouring characters). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
