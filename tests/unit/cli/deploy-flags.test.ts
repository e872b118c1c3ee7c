/** npm run deploy's twilio-run options: the forms twilio-run accepts, and a clear refusal (exit 2) for anything else. */
import { describe, expect, it } from '@jest/globals';
import { parseDeployFlags } from '../../../src/cli/deploy/deploy-flags';
import { DeployStop } from '../../../src/cli/deploy/output';

const refusal = (argv: string[]) => {
  try {
    parseDeployFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployStop);
    expect((error as DeployStop).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
};

describe('parseDeployFlags', () => {
  it('reads names, aliases, --flag=value, --no-flag and --flag=false as twilio-run does', () => {
    expect(
      parseDeployFlags([
        '--to',
        'stage',
        '-n=tokens',
        '--service-sid',
        'ZS1',
        '--force',
        '--no-override-existing-project',
        '--production=false',
        '-c',
        'rc.json',
      ]),
    ).toEqual({
      environment: 'stage',
      'service-name': 'tokens',
      'service-sid': 'ZS1',
      force: true,
      'override-existing-project': false,
      production: false,
      config: 'rc.json',
    });
  });

  it('refuses an unknown option, a positional argument, a repeated option and a missing value, naming each', () => {
    expect(refusal(['--servce-name', 'x'])).toMatch(/^unknown option --servce-name/);
    expect(refusal(['--serviceName', 'x'])).toMatch(/^unknown option --serviceName/);
    expect(refusal(['stage'])).toMatch(/^argument 1 is a value without an option \(not shown\)/);
    // A stray value may be a pasted secret: it is never echoed.
    const stray = refusal(['--force', 'a-pasted-auth-token-value']);
    expect(stray).toMatch(/^argument 2 is a value without an option/);
    expect(stray).not.toContain('a-pasted-auth-token-value');
    expect(refusal(['--env', 'a', '--env=b'])).toMatch(/^--env is given twice/);
    expect(refusal(['--env', '--load-system-env'])).toMatch(/^--env needs a value/);
    expect(refusal(['--no-env'])).toMatch(/^unknown option --no-env/);
    expect(refusal(['--force=yes'])).toMatch(/--force takes no value other than true or false/);
  });

  it('refuses twilio-run options the deployer would not honour, saying why, rather than ignore them', () => {
    expect(refusal(['--no-assets'])).toMatch(
      /--no-assets is not supported: npm run deploy always deploys the functions and the assets together/,
    );
    expect(refusal(['--cwd=/tmp'])).toMatch(/--cwd is not supported/);
    expect(refusal(['-o', 'json'])).toMatch(/-o is not supported: npm run deploy prints its own report/);
    expect(refusal(['-u', 'AC1'])).toMatch(/visible to every user of this machine in `ps`/);
  });
});
