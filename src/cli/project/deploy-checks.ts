/** What `npm run deploy` checks before it sends anything to Twilio, and which service variables its plan removes. */
import { ConfigProblems, type Problem } from '../../lib/base/problems';
import { BASIC_USERS_ASSET_NAME } from '../../lib/auth/basic-users';
import { parseConfig, type ConfigSources } from '../../lib/config/service-config';
import { DEPLOYED_SETTINGS } from './setting-names';
import { POLICY_ASSET_NAME } from '../../lib/policy/settings';
import { isLoopbackHostname } from '../../lib/base/loopback';
import { misspelledSettingProblems, ownVariables, ownVariablesProblems, unknownNameProblems } from './setting-names';
import { placeholderProblems } from './placeholder-notice';
import { regionalProductProblems } from './regional-products';
import { splitList } from '../../lib/base/text';

/**
 * Twilio's limits on environment variables (Serverless API, Variable resource): a Key of at most 128
 * characters and a Value of at most 450 bytes. Error 82006: invocations fail when the context (account
 * metadata, domain name, path and every variable, as JSON) is over 3 KB.
 */
export const TWILIO_VARIABLE_LIMITS = Object.freeze({ keyCharacters: 128, valueBytes: 450, contextBytes: 3 * 1024 });

/** Where a variable too large for Twilio can go instead. */
const WAY_OUT: Readonly<Record<string, string>> = {
  AUTH_BASIC_USERS: `move the users to src/assets/${BASIC_USERS_ASSET_NAME}, one name:<hash> entry a line, and remove AUTH_BASIC_USERS`,
  TOKEN_POLICY: `move the policy to src/assets/${POLICY_ASSET_NAME} and remove TOKEN_POLICY`,
  AUTH_SHARED_SECRETS: 'keep fewer secrets (each is 43 characters from npm run new-secret): remove the ones clients no longer use',
};

export interface DeployTarget {
  /** The account deployed to, when known (an Account SID as the deploy user name): the platform's ACCOUNT_SID. */
  readonly accountSid?: string;
  /** Where accountSid came from, for the problem when .env names another account, e.g. 'TWILIO_ACCOUNT_SID in the environment'. */
  readonly accountSource?: string;
  /** The service's unique name and the environment's domain suffix: they make up DOMAIN_NAME in the context. */
  readonly serviceName?: string;
  readonly domainSuffix?: string;
}

/** Stands in for values the platform provides when they are not known before the deploy. */
const SAMPLE_ACCOUNT_SID = `AC${'f'.repeat(32)}`;

/**
 * The context a Function receives, as error 82006 measures it, with sample SIDs of the right length.
 * @example contextBytes({ AUTH_SHARED_SECRETS: '…' }, { serviceName: 'tokens', domainSuffix: 'dev' })
 */
export function contextBytes(variables: Readonly<Record<string, string>>, target: DeployTarget): number {
  const suffix = target.domainSuffix ? `-${target.domainSuffix}` : '';
  const context = {
    ACCOUNT_SID: target.accountSid ?? SAMPLE_ACCOUNT_SID,
    AUTH_TOKEN: 'f'.repeat(32),
    SERVICE_SID: `ZS${'f'.repeat(32)}`,
    ENVIRONMENT_SID: `ZE${'f'.repeat(32)}`,
    DOMAIN_NAME: `${target.serviceName ?? 'service'}-0000${suffix}.twil.io`,
    PATH: '/health',
    ...variables,
  };
  return Buffer.byteLength(JSON.stringify(context), 'utf8');
}

/** The items of a list that are URLs on this machine, as written. */
function loopbackUrls(value: string): string[] {
  return splitList(value).filter((item) => {
    try {
      return isLoopbackHostname(new URL(item).hostname);
    } catch {
      return false;
    }
  });
}

const loopbackUrlIn = (value: string): boolean => loopbackUrls(value).length > 0;

/**
 * Every reason not to deploy these variables (exactly what twilio-run would upload) with these private
 * assets: the service's own configuration checks (as /health and npm run doctor run them, with the
 * platform's ACCOUNT_SID), Twilio's limits, development placeholders, and settings that only work on
 * this machine. Problems name variables and files, never values.
 * @example checkDeployment({ TWILIO_API_KEY_SID: 'SK000…' }, {}, { serviceName: 'tokens' }) // [{ variable: 'TWILIO_API_KEY_SID', … }, …]
 */
export function checkDeployment(variables: Readonly<Record<string, string>>, sources: ConfigSources, target: DeployTarget): Problem[] {
  const problems = new ConfigProblems();
  const add = problems.report.bind(problems);

  // Placeholders (AC000… from npm start's .env, ACxxxx…, your_…_goes_here): every token would be refused.
  for (const problem of placeholderProblems(variables)) problems.add(problem);
  for (const [key, value] of Object.entries(variables)) {
    if (key.length > TWILIO_VARIABLE_LIMITS.keyCharacters) {
      add(
        key.slice(0, 40),
        `a variable name is longer than Twilio's ${TWILIO_VARIABLE_LIMITS.keyCharacters} characters`,
        'shorten or remove it',
      );
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > TWILIO_VARIABLE_LIMITS.valueBytes) {
      add(
        key,
        `${key} is ${bytes} bytes; Twilio refuses a value over ${TWILIO_VARIABLE_LIMITS.valueBytes}`,
        WAY_OUT[key] ?? `shorten ${key}`,
      );
    }
  }
  const context = contextBytes(variables, target);
  if (context > TWILIO_VARIABLE_LIMITS.contextBytes) {
    const largest = Object.entries(variables).sort((a, b) => b[1].length - a[1].length)[0]?.[0] ?? 'the variables';
    add(
      largest,
      `the variables make a context of about ${context} bytes; Twilio fails every request when it is over ${TWILIO_VARIABLE_LIMITS.contextBytes} (error 82006)`,
      WAY_OUT[largest] ?? 'remove variables the service does not need',
    );
  }
  for (const key of ['OIDC_ISSUER', 'OIDC_JWKS_URL']) {
    const value = variables[key];
    if (value !== undefined && loopbackUrlIn(value)) {
      add(
        key,
        `${key} points at this machine (loopback), which a deployed service cannot reach`,
        `set ${key} to your identity provider's https URL`,
      );
    }
  }
  const origins = variables['ALLOWED_ORIGINS'];
  const loopbackOrigins = origins === undefined ? [] : loopbackUrls(origins);
  if (loopbackOrigins.length > 0) {
    // Named as written: an origin is not a secret, and "localhost" would be wrong for http://127.0.0.1:4917.
    add(
      'ALLOWED_ORIGINS',
      `ALLOWED_ORIGINS lists ${loopbackOrigins.join(', ')}, on this machine (loopback), which would let any local web page get tokens from the deployed service`,
      'list only the origins of your deployed app; use npm start for local development',
    );
  }

  // A product the token's region does not offer cannot work there, however valid its settings are.
  for (const problem of regionalProductProblems(variables)) problems.add(problem);

  // A near miss of a setting's name leaves the setting it meant unset (and a redeploy would delete the real one); so
  // does a rename to any other name, so every name must be a setting or listed as the user's own.
  const own = ownVariables(variables);
  problems.add(
    ...ownVariablesProblems(variables),
    ...misspelledSettingProblems(Object.keys(variables), own),
    ...unknownNameProblems(Object.keys(variables), own),
  );

  // The service's own checks, on what it will see: the platform adds ACCOUNT_SID. When .env names another
  // account, the cause is where the deploy goes, not an ACCOUNT_SID the user set: say that, once.
  const { TWILIO_ACCOUNT_SID: fileAccountSid, ...others } = variables;
  const otherAccount =
    target.accountSid !== undefined &&
    fileAccountSid !== undefined &&
    fileAccountSid.trim() !== '' &&
    fileAccountSid.trim() !== target.accountSid;
  if (otherAccount) {
    add(
      'TWILIO_ACCOUNT_SID',
      `TWILIO_ACCOUNT_SID names another account than the one npm run deploy deploys to (${target.accountSource ?? 'the account of the deploy credentials'})`,
      "deploy with credentials of the account TWILIO_ACCOUNT_SID names, or set TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to the target account's (an API key signs tokens only for the account that made it)",
    );
  }
  const deployed = { ...(otherAccount ? others : variables), ACCOUNT_SID: target.accountSid ?? fileAccountSid ?? SAMPLE_ACCOUNT_SID };
  const parsed = parseConfig(deployed, sources);
  if (!parsed.ok) problems.add(...parsed.problems);
  return problems.all;
}

/** Variables of the environment (from Twilio's Variables list) as the sync needs them. */
export interface ServiceVariable {
  readonly key: string;
  readonly sid: string;
}

export interface VariableSync {
  /** Read by this service (or the user's own, listed in DEPLOY_OWN_VARIABLES) but absent or blank in .env. */
  readonly remove: readonly ServiceVariable[];
  /** Not read by this service nor declared the user's own (set by hand, or a typo): left alone, listed as a warning. */
  readonly unread: readonly string[];
}

/**
 * Which live variables .env no longer sets (the plan decides whether removing each may happen, and when), and which
 * the deploy leaves alone. `own` is the user's own variables (DEPLOY_OWN_VARIABLES, live and local together, so
 * that a name dropped from the list and from .env is still removed).
 * @example planVariableSync([{ key: 'VIDEO_ROOM', sid: 'ZV…' }], { TOKEN_TTL: '600' }) // { remove: [{ key: 'VIDEO_ROOM', … }], unread: [] }
 */
export function planVariableSync(
  existing: readonly ServiceVariable[],
  deployed: Readonly<Record<string, string>>,
  own: readonly string[] = [],
): VariableSync {
  const managed = new Set<string>([...DEPLOYED_SETTINGS, ...own]);
  return {
    remove: existing.filter((variable) => managed.has(variable.key) && !(variable.key in deployed)),
    unread: existing.filter((variable) => !managed.has(variable.key)).map((variable) => variable.key),
  };
}
