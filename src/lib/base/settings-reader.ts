/** Reads settings from the environment (the Functions context, `.env` locally) into one problem list. */
import { looksLikePlaceholder } from './placeholders';
import { ConfigProblems } from './problems';

export type Environment = Readonly<Record<string, unknown>>;

/** A SID's form: a two-letter prefix and 32 hex characters. */
export const sidPattern = (prefix: string): RegExp => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);

/**
 * What every domain's settings reader gets: the environment's values, trimmed, and the one list its problems go to.
 * @example const settings = new SettingsReader(env); settings.sid('TWILIO_API_KEY_SID', 'SK', { required: true, what: 'a key SID' })
 */
export class SettingsReader {
  constructor(
    private readonly env: Environment,
    readonly problems = new ConfigProblems(),
  ) {}

  report(variable: string, message: string, fix: string): void {
    this.problems.report(variable, message, fix);
  }

  /** The trimmed text of a variable; undefined when unset or blank, and a problem when it is not text. */
  text(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      this.report(name, `${name} must be text`, `set ${name} as a plain string`);
      return undefined;
    }
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** A SID with the given prefix; a problem when malformed, or when unset and `required`. */
  sid(name: string, prefix: string, { required, what }: { readonly required: boolean; readonly what: string }): string | undefined {
    const value = this.text(name);
    if (value === undefined) {
      if (this.env[name] !== undefined && typeof this.env[name] !== 'string') return undefined; // already reported by text()
      if (required) this.report(name, `${name} is not set`, `set ${name} to ${what} (${prefix} followed by 32 hexadecimal digits)`);
      return undefined;
    }
    if (!sidPattern(prefix).test(value)) {
      // Say what a SID is made of: "34 characters" is true of ACxxxx… too, which is why it was pasted.
      const form = `${prefix} followed by 32 hexadecimal digits (0-9, a-f)`;
      this.report(
        name,
        looksLikePlaceholder(value) ? `${name} is a placeholder, not a real SID: it must be ${form}` : `${name} must be ${form}`,
        `copy ${what} from the Twilio Console`,
      );
      return undefined;
    }
    return value;
  }
}
