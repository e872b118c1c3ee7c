/**
 * Which variable names this service does not read, and which of those are near misses of a setting
 * (ALLOWED_ORIGIN for ALLOWED_ORIGINS): a near miss leaves the real setting unset, so it is a problem, not a note.
 * Driven by CONFIG_VARIABLES alone, so a new setting is recognised (and its misspellings caught) by being listed there.
 */
import type { Problem } from '../lib/base/problems';
import { CONFIG_VARIABLES } from '../lib/config/service-config';

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
export function classifyNames(names: Iterable<string>, settings: readonly string[] = CONFIG_VARIABLES): UnknownNames {
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
export function misspelledSettingProblems(names: Iterable<string>): Problem[] {
  return classifyNames(names).misspelled.map(({ name, settings }) => ({
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

/** Each word without a plural S: ALLOWED_ORIGIN and ALLOWED_ORIGINS, OIDC_ALGORITHM and OIDC_ALGORITHMS. */
const singular = (name: string) =>
  name
    .split('_')
    .map((word) => (word.length > 3 ? word.replace(/E?S$/, '') : word))
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
