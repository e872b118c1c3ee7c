/**
 * The settings twilio-run takes from its config file for one command: the top level, overridden by
 * `commands.<command>`, then `environments.<suffix>` ("*" for production), then `projects.<AC…>` or
 * `projects.<AC…:region>` (twilio-run 5's readSpecializedConfig, rule for rule). Credentials never come from the file.
 */

/** Keys twilio-run drops from the file's settings, whichever section sets them. */
const EXCLUDED_KEYS: readonly string[] = ['username', 'password', 'config', 'key', 'value', 'show-values'];

export interface SectionChoice {
  /** The twilio-run command whose `commands` section applies (`deploy`). */
  readonly command: string;
  /** The environment's domain suffix; '' (production) picks the "*" section; undefined picks none. */
  readonly environmentSuffix?: string | undefined;
  /** The account (AC…) whose `projects` section applies; undefined picks none. */
  readonly accountSid?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * @example settingsForCommand({ runtime: 'node22', environments: { stage: { runtime: 'node24' } } }, { command: 'deploy', environmentSuffix: 'stage' }) // { runtime: 'node24' }
 */
export function settingsForCommand(content: Readonly<Record<string, unknown>>, choice: SectionChoice): Record<string, unknown> {
  const { projects, environments, commands, ...topLevel } = content;
  let settings: Record<string, unknown> = { ...topLevel };
  const commandSection = sectionOf(commands, choice.command);
  if (commandSection) settings = { ...settings, ...commandSection };
  const environmentKey = choice.environmentSuffix === '' ? '*' : choice.environmentSuffix;
  const environmentSection = environmentKey ? sectionOf(environments, environmentKey) : undefined;
  if (environmentSection) settings = { ...settings, ...environmentSection };
  if (choice.accountSid) {
    const byRegion = sectionOf(projects, `${choice.accountSid}:${choice.region}`);
    // A section named by the account alone is us1's (twilio-run keyed accounts without a region before regions).
    const byAccount = choice.region === 'us1' || choice.region === undefined ? sectionOf(projects, choice.accountSid) : undefined;
    if (byRegion ?? byAccount) settings = { ...settings, ...(byRegion ?? byAccount) };
  }
  for (const key of EXCLUDED_KEYS) delete settings[key];
  return settings;
}

/** `sections[name]` when both are objects; a section that is not an object adds nothing. */
function sectionOf(sections: unknown, name: string): Record<string, unknown> | undefined {
  if (typeof sections !== 'object' || sections === null || !Object.hasOwn(sections, name)) return undefined;
  const section = (sections as Record<string, unknown>)[name];
  return typeof section === 'object' && section !== null ? (section as Record<string, unknown>) : undefined;
}
