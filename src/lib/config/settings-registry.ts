/**
 * Every setting, declared once: its name, kind and format, whether it is required or its default, a one-line
 * description, and what changing it does to access. The config reader's list, the doctor, near-miss suggestions,
 * the deploy plan (its words and its order) and the checks of .env.example and the docs all derive from this table.
 * Adding a setting is one entry here plus its reader in its domain's settings file.
 */
import { DEFAULT_OIDC_ALGORITHMS, DEFAULT_OIDC_CLOCK_SKEW_SECONDS } from '../oidc/config';
import { DEFAULT_TTL_SECONDS } from '../token/limits';
import { enabler, entryList, eitherWay, noAccessEffect, restriction, switchOn, upperBound, type AccessComparison } from './access-effect';

const maxTokenAgeLimit = restriction({
  set: 'identity-provider tokens older than the maximum age are refused',
  removed: 'identity-provider tokens of any age are accepted until their exp',
  changed: 'the maximum age of identity-provider tokens changes',
});
const maxTokenAgeBound = upperBound({ what: 'the maximum age of identity-provider tokens', fallback: Number.POSITIVE_INFINITY });

/** What a value is, for people and tools; each domain's reader checks it (token/settings.ts, auth/settings.ts, …). */
export type SettingKind = 'sid' | 'secret' | 'secret-list' | 'user-list' | 'seconds' | 'list' | 'boolean' | 'text' | 'url' | 'json';

export interface SettingDeclaration {
  readonly name: string;
  readonly kind: SettingKind;
  /** One line, as .env.example's `# description:` says it. */
  readonly description: string;
  /** As .env.example's `# format:`. */
  readonly format: string;
  /** As .env.example's `# required:`: "true", "false (default …)", or when it is needed. */
  readonly required: string;
  /** The value in force when unset, if any. */
  readonly default?: string;
  /** What adding, removing or changing it does to who gets which token. Every setting has one (a test checks). */
  readonly access: AccessComparison;
  /** Its place in a private file: removing the variable while that file is deployed moves the setting, not away. */
  readonly movesTo?: 'policy' | 'users';
  /** Who reads it when not the service: `platform` (Twilio provides it; never uploaded), `deploy` (npm run deploy alone). */
  readonly readBy?: 'platform' | 'deploy';
}

/** The key SID and its secret: either half changed signs with another key, which changes no one's access. */
const signingKeyAccess = enabler({
  set: 'the service can sign tokens',
  removed: 'the service stops signing tokens',
  changed: 'tokens are signed with another API key',
  changedDirection: 'none',
});

/** The variable that lists a user's own variables: deployed as they are, never taken for a misspelled setting. */
export const OWN_VARIABLES_SETTING = 'DEPLOY_OWN_VARIABLES';

/** In the order the doctor lists them and the deploy plan prints them. */
export const SETTINGS: readonly SettingDeclaration[] = [
  {
    name: 'ACCOUNT_SID',
    kind: 'sid',
    description: 'Your Twilio Account SID, provided by Twilio when deployed (npm run deploy never uploads it).',
    format: 'AC followed by 32 hex characters',
    required: 'this or TWILIO_ACCOUNT_SID',
    readBy: 'platform',
    access: noAccessEffect('provided by Twilio'),
  },
  {
    name: 'TWILIO_ACCOUNT_SID',
    kind: 'sid',
    description: 'Your Twilio Account SID. When deployed, Twilio provides ACCOUNT_SID itself; locally set either name.',
    format: 'AC followed by 32 hex characters',
    required: 'true',
    access: enabler({
      set: 'the service can sign tokens for this account',
      removed: 'the account SID is gone unless Twilio provides it',
      changed: 'tokens are for another account',
    }),
  },
  {
    name: 'TWILIO_API_KEY_SID',
    kind: 'sid',
    description: 'SID of a Standard API key that signs the tokens (Console > Account > API keys). Must be a US1 key for Video.',
    format: 'SK followed by 32 hex characters',
    required: 'true',
    access: signingKeyAccess,
  },
  {
    name: 'TWILIO_API_KEY_SECRET',
    kind: 'secret',
    description: "The API key's secret, shown once when the key was created. Never commit it.",
    format: 'the 32-character secret',
    required: 'true',
    access: signingKeyAccess,
  },
  {
    name: 'AUTH_SHARED_SECRETS',
    kind: 'secret-list',
    description:
      'Shared secrets accepted as `Authorization: Bearer <secret>`. List several to rotate without downtime. Make one with `npm run new-secret`.',
    format: 'secrets separated by commas or spaces; each at least 128 bits of entropy',
    required: 'one of AUTH_SHARED_SECRETS or AUTH_BASIC_USERS',
    access: entryList({ noun: { one: 'secret', many: 'secrets' }, removed: 'revoked', added: 'added' }),
  },
  {
    name: 'AUTH_BASIC_USERS',
    kind: 'user-list',
    description:
      'Users accepted with HTTP Basic (or the JSON body {"username","password"}). The user name becomes the token identity. Make each entry with `npm run --silent hash-password -- NAME`; plaintext passwords are refused. Twilio stores at most 450 bytes per variable (about four users): for more, put one entry a line in src/assets/basic-users.private.txt instead (not both).',
    format: 'entries separated by spaces, each NAME:$scrypt$ln=15,r=8,p=3$<salt>$<hash>',
    required: 'one of AUTH_SHARED_SECRETS or AUTH_BASIC_USERS (or the users file)',
    movesTo: 'users',
    access: entryList(
      { noun: { one: 'user', many: 'users' }, removed: 'removed', added: 'added', changed: 'with a new password' },
      { split: (value) => value.split(/\s+/).filter(Boolean), keyOf: (entry) => entry.split(':')[0]! },
    ),
  },
  {
    name: 'TOKEN_TTL',
    kind: 'seconds',
    description: 'Token lifetime in seconds when the request does not ask for one.',
    format: 'whole seconds, 60 to 86400; at most TOKEN_MAX_TTL',
    required: 'false (default 3600)',
    default: String(DEFAULT_TTL_SECONDS),
    access: upperBound({ what: 'the default token lifetime', fallback: DEFAULT_TTL_SECONDS }),
  },
  {
    name: 'TOKEN_MAX_TTL',
    kind: 'seconds',
    description: 'Longest lifetime a request may ask for; requests are clamped to 60..TOKEN_MAX_TTL.',
    format: "whole seconds, 60 to 86400 (Twilio's limit is 24 hours)",
    required: 'false (default 3600)',
    default: String(DEFAULT_TTL_SECONDS),
    access: upperBound({ what: 'the longest token lifetime', fallback: DEFAULT_TTL_SECONDS }),
  },
  {
    name: 'TOKEN_GRANTS',
    kind: 'list',
    description: 'The products tokens carry; a request may ask for a subset.',
    format: 'comma-separated list of video, voice, chat (Conversations (classic); also Programmable Chat, deprecated), sync, taskrouter',
    required: 'false (default video)',
    default: 'video',
    access: entryList({ noun: { one: 'grant', many: 'grants' }, removed: 'no longer issued', added: 'issued' }, { fallback: 'video' }),
  },
  {
    name: 'VIDEO_ROOM',
    kind: 'text',
    description: 'Pins video tokens to one room; requests for another room get 403. Unset: any room the request names, or all rooms.',
    format: '1 to 128 characters',
    required: 'false',
    access: restriction({
      set: 'video tokens are pinned to one room',
      removed: 'video tokens are no longer pinned to one room',
      changed: 'video tokens are pinned to another room',
    }),
  },
  {
    name: 'VOICE_OUTGOING_APPLICATION_SID',
    kind: 'sid',
    description: 'TwiML App SID for outgoing calls from the Voice SDK (voice grant).',
    format: 'AP followed by 32 hex characters',
    required: 'with the voice grant, this or VOICE_INCOMING_ALLOW=true',
    access: enabler({
      set: 'voice tokens may make outgoing calls',
      removed: 'voice tokens may no longer make outgoing calls',
      changed: 'outgoing calls go to another TwiML App',
    }),
  },
  {
    name: 'VOICE_INCOMING_ALLOW',
    kind: 'boolean',
    description: 'Whether Voice SDK clients may receive incoming calls (voice grant).',
    format: 'true or false',
    required: 'false (default false)',
    default: 'false',
    access: switchOn({ on: 'voice tokens may receive calls', off: 'voice tokens may no longer receive calls', fallback: false }),
  },
  {
    name: 'VOICE_PUSH_CREDENTIAL_SID',
    kind: 'sid',
    description: 'Push Credential SID for mobile Voice SDK notifications (voice grant).',
    format: 'CR followed by 32 hex characters',
    required: 'false',
    access: enabler({
      set: 'voice tokens may register for push notifications',
      removed: 'voice tokens no longer register for push notifications',
      changed: 'push notifications use another credential',
    }),
  },
  {
    name: 'CONVERSATIONS_SERVICE_SID',
    kind: 'sid',
    description: 'Conversations Service SID (chat grant).',
    format: 'IS followed by 32 hex characters',
    required: 'with the chat grant',
    access: enabler({
      set: 'chat tokens reach a Conversations service',
      removed: 'chat tokens reach no Conversations service',
      changed: 'chat tokens reach another Conversations service',
    }),
  },
  {
    name: 'SYNC_SERVICE_SID',
    kind: 'sid',
    description: "Sync Service SID (sync grant). Unset: the account's default Sync service.",
    format: 'IS followed by 32 hex characters',
    required: 'false',
    access: eitherWay('sync tokens reach another Sync service'),
  },
  {
    name: 'TASKROUTER_WORKSPACE_SID',
    kind: 'sid',
    description:
      "TaskRouter Workspace SID (taskrouter grant, for the twilio-taskrouter Worker SDK). Each token is bound to the Worker of this Workspace whose FriendlyName equals the token's identity, looked up with the API key above; the caller never names the Worker.",
    format: 'WS followed by 32 hex characters',
    required: 'with the taskrouter grant',
    access: enabler({
      set: 'taskrouter tokens reach a Workspace',
      removed: 'taskrouter tokens reach no Workspace',
      changed: 'taskrouter tokens reach another Workspace',
    }),
  },
  {
    name: 'ALLOWED_ORIGINS',
    kind: 'list',
    description: "Browser origins, other than the service's own, that may call /token. Others get 403.",
    format: 'origins such as https://app.example.com separated by commas; no paths, no wildcards',
    required: 'false',
    access: entryList({ noun: { one: 'origin', many: 'origins' }, removed: 'no longer allowed', added: 'allowed' }),
  },
  {
    name: 'TWILIO_REGION',
    kind: 'text',
    description: 'Twilio region the tokens are for (adds the twr header). Unset for the default (US1).',
    format: 'a region code such as us1, ie1, au1',
    required: 'false',
    access: eitherWay('tokens are for another region'),
  },
  {
    name: 'OIDC_ISSUER',
    kind: 'url',
    description:
      "Issuer of the app's identity provider, exactly as in the tokens' iss claim. A bearer value that is a JWT is then verified against this provider's keys.",
    format: 'https URL (http only for 127.0.0.1, localhost or [::1]); no query or fragment; a trailing / matters',
    required: 'with OIDC_AUDIENCE, to accept identity-provider tokens',
    access: enabler({
      set: 'callers may sign in with an identity provider',
      removed: 'callers may no longer sign in with the identity provider',
      changed: 'another identity provider is trusted',
    }),
  },
  {
    name: 'OIDC_AUDIENCE',
    kind: 'list',
    description: "Audiences a token must be meant for: your app's client ID (ID tokens) or API identifier (access tokens).",
    format: 'one or more values separated by commas or spaces',
    required: 'with OIDC_ISSUER',
    access: entryList({ noun: { one: 'audience', many: 'audiences' }, removed: 'no longer accepted', added: 'accepted' }),
  },
  {
    name: 'OIDC_JWKS_URL',
    kind: 'url',
    description: "Where the provider's signing keys (JWKS) are. Unset: read from the issuer's /.well-known/openid-configuration.",
    format: 'https URL (http only for loopback)',
    required: 'false',
    access: eitherWay("the identity provider's keys are read from elsewhere"),
  },
  {
    name: 'OIDC_IDENTITY_CLAIM',
    kind: 'text',
    description: 'Claim that becomes the Twilio identity.',
    format: 'a claim name or a dotted path such as user.id',
    required: 'false (default sub)',
    default: 'sub',
    access: eitherWay('identities are read from another claim'),
  },
  {
    name: 'OIDC_ROLES_CLAIM',
    kind: 'text',
    description: "Claim holding the caller's roles, used by the token policy's role rules.",
    format: 'a claim name or a dotted path such as realm_access.roles; an array of strings or one space-separated string in the token',
    required: 'false (default roles)',
    default: 'roles',
    access: eitherWay('roles are read from another claim'),
  },
  {
    name: 'OIDC_ALGORITHMS',
    kind: 'list',
    description: 'Signature algorithms accepted for identity-provider tokens. none and HS* are always refused.',
    format: 'comma-separated list of RS256, PS256, ES256, ES384, EdDSA',
    required: 'false (default RS256,ES256,EdDSA)',
    default: DEFAULT_OIDC_ALGORITHMS.join(','),
    access: entryList(
      { noun: { one: 'signature algorithm', many: 'signature algorithms' }, removed: 'no longer accepted', added: 'accepted' },
      { fallback: DEFAULT_OIDC_ALGORITHMS.join(',') },
    ),
  },
  {
    name: 'OIDC_CLOCK_SKEW_SECONDS',
    kind: 'seconds',
    description: 'Tolerance for the exp, nbf and iat claims, for clocks that are slightly off (an iat further in the future is refused).',
    format: 'whole seconds, 0 to 300',
    required: 'false (default 60)',
    default: String(DEFAULT_OIDC_CLOCK_SKEW_SECONDS),
    access: upperBound({ what: 'the clock tolerance for identity-provider tokens', fallback: DEFAULT_OIDC_CLOCK_SKEW_SECONDS }),
  },
  {
    name: 'OIDC_MAX_TOKEN_AGE_SECONDS',
    kind: 'seconds',
    description: 'Refuse identity-provider tokens issued (iat) longer ago than this, whatever their exp; iat is then required.',
    format: 'whole seconds, 1 to 86400',
    required: 'false (default: no limit, exp alone decides)',
    // Unset is no limit at all: setting it narrows, removing it widens, and between two values the shorter narrows.
    access: (before, after) =>
      before === undefined || after === undefined ? maxTokenAgeLimit(before, after) : maxTokenAgeBound(before, after),
  },
  {
    name: 'OIDC_IDENTITY_PREFIX',
    kind: 'text',
    description:
      "Put before the identity claim to make an identity-provider user's Twilio identity (idp: makes idp:alice), so it never equals a Basic user's or one a shared-secret caller names; shared-secret callers may not name identities that start with it. Required when OIDC is on beside AUTH_BASIC_USERS or AUTH_SHARED_SECRETS.",
    format: '1 to 31 letters, digits, ".", "_" or "-", then ":" (e.g. idp:)',
    required: 'when OIDC is on beside Basic users or shared secrets',
    // Every identity-provider user gets another Twilio identity: they leave the Video rooms, Conversations, Sync
    // documents and TaskRouter Workers their old identity had, and may meet ones the new identity already has.
    access: eitherWay("identity-provider users' Twilio identities change (Conversations, Sync and TaskRouter Workers follow the identity)"),
  },
  {
    name: 'TOKEN_POLICY',
    kind: 'json',
    description:
      'The token policy as JSON on one line: which users and roles get which grants, rooms and lifetimes. Or put it in src/assets/policy.private.json (not both). Unset and no file: the settings above apply to every caller.',
    format:
      '{"rules":[{"match":{"user":NAME,"signIn":"basic"|"oidc"}|{"role":NAME}|{"any":true},"grants":[...],"rooms":[...],"maxTtl":SECONDS,"voiceIncoming":BOOL,"deny":BOOL}],"default":"deny"|"allow"} on one line',
    required: 'false',
    movesTo: 'policy',
    access: restriction({
      set: 'a policy limits callers',
      removed: "the policy's limits stop applying",
      changed: 'the policy changes (review it)',
    }),
  },
  {
    name: 'THROTTLE_SYNC_SERVICE_SID',
    kind: 'sid',
    description:
      'Twilio Sync Service that holds what every instance of the Function shares: the Basic sign-in failure counts, so 5 wrong passwords for a name lock it on every instance (not 5 per instance), and the revocation list of npm run revoke, refused by every instance within 5 s. Reached with the API key above; costs Sync reads and writes (one read per Basic check that is not cached, one write per failure, one list read per instance every 2.5 to 4.5 s while it serves). When Sync is slow or failing, each request falls back to its instance\'s own counts and last revocation list read, and /health says "degraded". Unset: each instance counts alone and nothing can be revoked.',
    format: "a Sync Service SID (IS followed by 32 hex characters), or default for the account's default Sync Service",
    required: 'false',
    // One Service for both: the revocations reach every instance that already shares the throttle, with no new setting.
    access: restriction({
      set: 'password failures are counted across instances, and revoked identities are refused',
      removed: 'each instance counts password failures alone (more guesses pass), and revocations are no longer honoured',
      changed: 'password failures and revocations are read from another Sync service (revocations made in the old one stop applying)',
    }),
  },
  {
    name: OWN_VARIABLES_SETTING,
    kind: 'list',
    description:
      'Variables your own functions read: npm run deploy uploads them as they are (and deletes them when they are removed here), instead of refusing them as unknown names. The service itself never reads them.',
    format: 'variable names separated by commas; none may be a setting of this service',
    required: 'false',
    readBy: 'deploy',
    access: noAccessEffect('the list of your own variables changes'),
  },
];
