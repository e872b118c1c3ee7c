/** policyWarnings: valid policy rules that can match no caller, named by path, never by the name in them. */
import { parseConfig, type ServiceConfig } from '../../src/lib/config/service-config';
import { policyWarnings } from '../../src/cli/project/policy-warnings';
import { newCredentials } from '../helpers/fixtures';

const credentials = newCredentials([]);
// A fixed scrypt PHC string of the right cost (the password does not matter here).
const PHC = '$scrypt$ln=15,r=8,p=3$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(86);

function configWith(policy: object, extra: Record<string, string> = {}): ServiceConfig {
  const result = parseConfig({
    TWILIO_ACCOUNT_SID: credentials.accountSid,
    TWILIO_API_KEY_SID: credentials.apiKeySid,
    TWILIO_API_KEY_SECRET: credentials.apiKeySecret,
    AUTH_SHARED_SECRETS: credentials.sharedSecret,
    TOKEN_POLICY: JSON.stringify(policy),
    ...extra,
  });
  if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
  return result.config;
}

describe('policyWarnings', () => {
  it('says nothing about a rule for a Basic user or an any rule', () => {
    const config = configWith({ rules: [{ match: { user: 'josé' } }, { match: { any: true } }] }, { AUTH_BASIC_USERS: `jos\u00e9:${PHC}` });
    expect(policyWarnings(config)).toEqual([]);
  });

  it('with only shared secrets every user rule matches nobody (their identities are not proven), and roles need OIDC', () => {
    const config = configWith({ rules: [{ match: { user: 'kiosk-7' } }, { match: { role: 'staff' } }] });
    expect(policyWarnings(config)).toEqual([
      { path: 'rules[0].match.user', message: expect.stringMatching(/names no Basic user/) },
      { path: 'rules[1].match.role', message: expect.stringMatching(/roles come only from OIDC/) },
    ]);
    expect(JSON.stringify(policyWarnings(config))).not.toMatch(/kiosk|staff/);
  });

  it('compares names as the policy matches them (NFC): a decomposed name in the rule names the composed user', () => {
    const config = configWith(
      { rules: [{ match: { user: 'jose\u0301' } }, { match: { user: 'josef' } }] },
      { AUTH_BASIC_USERS: `jos\u00e9:${PHC}` },
    );
    expect(policyWarnings(config).map((warning) => warning.path)).toEqual(['rules[1].match.user']);
  });

  it('with OIDC on it warns about no identity-provider rule (any name may be an identity there) and no role rule', () => {
    const config = configWith(
      { rules: [{ match: { user: 'someone-at-the-idp', signIn: 'oidc' } }, { match: { role: 'staff' } }] },
      { OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'app', OIDC_IDENTITY_PREFIX: 'idp:' },
    );
    expect(policyWarnings(config)).toEqual([]);
  });

  it('with OIDC on too, a rule for a Basic user that does not exist still matches no caller', () => {
    const config = configWith(
      { rules: [{ match: { user: 'josé', signIn: 'basic' } }, { match: { user: 'nobody', signIn: 'basic' } }] },
      { AUTH_BASIC_USERS: `jos\u00e9:${PHC}`, OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'app', OIDC_IDENTITY_PREFIX: 'idp:' },
    );
    expect(policyWarnings(config).map((warning) => warning.path)).toEqual(['rules[1].match.user']);
  });
});
