/** new-secret: prints one strong shared secret per run. */
import { parseSharedSecrets } from '../../../src/lib/auth/shared-secrets';
import { runCli } from '../../helpers/run-cli';

describe('new-secret', () => {
  it('prints a 43-character URL-safe secret that AUTH_SHARED_SECRETS accepts, different on each run', () => {
    const runs = [runCli('new-secret', []), runCli('new-secret', [])];
    const secrets = runs.map((run) => {
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
      return run.stdout.trim();
    });
    expect(secrets[0]).not.toBe(secrets[1]);
    const parsed = parseSharedSecrets(secrets.join(','));
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.secrets.digests).toHaveLength(2);
  });
});
