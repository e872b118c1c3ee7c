/** How every command says that tokens are signed with placeholder credentials: one wording, from one check. */
import type { Problem } from '../../lib/base/problems';
import { placeholderSettings, SIGNING_SETTINGS } from '../../lib/config/placeholder-settings';

const WHERE_REAL_VALUES_ARE =
  'paste the real values from the Twilio Console (README, "Real Twilio credentials": Account SID on the Console home page, a Standard API key under Admin > Account management > API keys & tokens)';

/**
 * One warning per configuration, naming the settings (never their values), or none.
 * @example placeholderWarning({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })?.message // 'tokens are signed with placeholder …'
 */
export function placeholderWarning(values: Readonly<Record<string, string>>): Problem | undefined {
  const names = placeholderSettings(values);
  if (names.length === 0) return undefined;
  const signing = names.some((name) => SIGNING_SETTINGS.includes(name));
  return {
    variable: names[0]!,
    message: signing
      ? `tokens are signed with placeholder credentials (${names.join(', ')}): they decode, but Twilio refuses them`
      : `${names.join(', ')} ${names.length === 1 ? 'holds a placeholder' : 'hold placeholders'}: Twilio refuses what ${names.length === 1 ? 'it names' : 'they name'}`,
    fix: WHERE_REAL_VALUES_ARE,
  };
}

/** The problem npm run deploy (and doctor --deploy) reports for each placeholder: a deployed service must not sign with them. */
export function placeholderProblems(values: Readonly<Record<string, string>>): Problem[] {
  return placeholderSettings(values).map((name) => ({
    variable: name,
    message: `${name} is a placeholder (a sample value, or the development .env that npm start writes), which Twilio refuses`,
    fix: `set ${name} to the real value from the Twilio Console`,
  }));
}

/** The signing settings that are placeholders: doctor --online sends nothing to Twilio while any is. */
export function signingPlaceholders(values: Readonly<Record<string, string>>): string[] {
  return placeholderSettings(values).filter((name) => SIGNING_SETTINGS.includes(name));
}
