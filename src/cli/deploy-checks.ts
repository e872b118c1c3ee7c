/** What `npm run deploy` checks before it sends anything to Twilio, and which service variables its plan removes. */
import { ConfigProblems, type Problem } from '../lib/base/problems';
import { BASIC_USERS_ASSET_NAME } from '../lib/auth/basic-users';
import { CONFIG_VARIABLES, parseConfig, type ConfigSources } from '../lib/config/service-config';
import { POLICY_ASSET_NAME } from '../lib/policy/settings';
import { isLoopbackHostname } from '../lib/base/loopback';
import { regionalProductProblems } from './regional-products';
import { misspelledSettingProblems } from './setting-names';
import { splitList } from '../lib/base/text';

/**
 * Twilio's limits on environment variables (Serverless API, Variable resource): a Key of at most 128
 * characters and a Value of at most 450 bytes. Error 82006: invocations fail when the context (account
 * metadata, domain name, path and every variable, as JSON) is over 3 KB.
 */
export const TWILIO_VARIABLE_LIMITS = Object.freeze({ keyCharacters: 128, valueBytes: 450, contextBytes: 3 * 1024 });

/** The placeholder SIDs `npm start` writes into a development .env: tokens signed with them are refused by Twilio. */
const PLACEHOLDER_SID = /^(AC|SK|AP|IS|CR)0{32}$/;

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

function loopbackUrlIn(value: string): boolean {
  return splitList(value).some((item) => {
    try {
      return isLoopbackHostname(new URL(item).hostname);
    } catch {
      return false;
    }
  });
}

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

  for (const [key, value] of Object.entries(variables)) {
    if (PLACEHOLDER_SID.test(value)) {
      add(
        key,
        `${key} is the development placeholder that npm start writes, which Twilio refuses`,
        `set ${key} to the real SID from the Twilio Console`,
      );
    }
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
  if (origins !== undefined && loopbackUrlIn(origins)) {
    add(
      'ALLOWED_ORIGINS',
      'ALLOWED_ORIGINS lists a loopback origin (localhost), which would let any local web page get tokens from the deployed service',
      'list only the origins of your deployed app; use npm start for local development',
    );
  }

  // A product the token's region does not offer cannot work there, however valid its settings are.
  for (const problem of regionalProductProblems(variables)) problems.add(problem);

  // A near miss of a setting's name leaves the setting it meant unset (and a redeploy would delete the real one).
  for (const problem of misspelledSettingProblems(Object.keys(variables))) problems.add(problem);

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
  /** Read by this service but absent or blank in .env: deleted, so that removing a setting revokes it. */
  readonly remove: readonly ServiceVariable[];
  /** Not read by this service (set by hand, or a typo): left alone, listed as a warning. */
  readonly unread: readonly string[];
}

/**
 * What the deploy deletes so that the service's variables this service reads equal the non-empty values of .env
 * (deploy-apply.ts decides when: revocations first, limits once the new build is live).
 * @example planVariableSync([{ key: 'VIDEO_ROOM', sid: 'ZV…' }], { TOKEN_TTL: '600' }) // { remove: [{ key: 'VIDEO_ROOM', … }], unread: [] }
 */
export function planVariableSync(existing: readonly ServiceVariable[], deployed: Readonly<Record<string, string>>): VariableSync {
  const readByService = new Set<string>(CONFIG_VARIABLES);
  return {
    remove: existing.filter((variable) => readByService.has(variable.key) && !(variable.key in deployed)),
    unread: existing.filter((variable) => !readByService.has(variable.key)).map((variable) => variable.key),
  };
}
