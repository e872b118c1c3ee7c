/**
 * What the deploy suites share: one stand-in for Twilio per suite, throwaway project copies removed afterwards,
 * signing keys registered with the stand-in, a CI job's environment, and the check that nothing printed a secret.
 */
import { startFakeTwilio, type FakeTwilio } from './fake-twilio';
import { newCredentials, type TestCredentials } from './fixtures';
import { copyProject, type ProjectCopy } from './project-copy';

export interface DeployHarness {
  /** The suite's stand-in (started in beforeAll). */
  readonly fake: FakeTwilio;
  /** A throwaway copy of the project, removed after the suite. */
  readonly newCopy: () => ProjectCopy;
  /** Test credentials whose signing key the stand-in knows (the deploy checks the key with Twilio). */
  readonly registeredCredentials: (userNames?: string[]) => TestCredentials;
  /** What a CI job gives npm run deploy: the stand-in's proxy and CA, and credentials from its secrets. */
  readonly ciEnvironment: (kind?: 'account' | 'apiKey') => NodeJS.ProcessEnv;
  /** Fails if `text` holds any of `secrets` or the stand-in's own. */
  readonly expectNoSecretIn: (text: string, secrets: readonly string[]) => void;
}

/** Call once at the top of a deploy suite: it registers the suite's beforeAll and afterAll. */
export function useDeployHarness(): DeployHarness {
  let fake: FakeTwilio | undefined;
  const copies: ProjectCopy[] = [];
  beforeAll(async () => {
    fake = await startFakeTwilio();
  }, 60_000);
  afterAll(async () => {
    for (const copy of copies) copy.remove();
    await fake?.stop();
  }, 60_000);
  const started = (): FakeTwilio => {
    if (!fake) throw new Error('the stand-in starts in beforeAll');
    return fake;
  };
  return {
    get fake() {
      return started();
    },
    newCopy: () => {
      const copy = copyProject();
      copies.push(copy);
      return copy;
    },
    registeredCredentials: (userNames) => {
      const credentials = newCredentials(userNames);
      started().addApiKey(credentials.apiKeySid, credentials.apiKeySecret);
      return credentials;
    },
    ciEnvironment: (kind = 'account') => {
      const { accountSid, authToken, apiKeySid, apiKeySecret } = started().credentials;
      const credentials =
        kind === 'account'
          ? { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken }
          : { TWILIO_ACCOUNT_SID: accountSid, TWILIO_API_KEY: apiKeySid, TWILIO_API_SECRET: apiKeySecret };
      return { ...started().env, ...credentials };
    },
    expectNoSecretIn: (text, secrets) => {
      for (const secret of [...secrets, started().credentials.authToken, started().credentials.apiKeySecret]) {
        expect(text.includes(secret)).toBe(false);
      }
    },
  };
}
