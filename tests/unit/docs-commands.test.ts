/**
 * Every shell command in the README and the docs (each ```sh, ```bash or ```shell block of every Markdown file) is
 * checked against the project: scripts, flags, files, URL paths and programs (tests/helpers/doc-commands.ts). The
 * ones that can run offline, run: the token decoding one-liner on a real token, npm run new-secret.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintAccessToken } from '../../src/lib/token/access-token';
import { parseConfig } from '../../src/lib/config/service-config';
import { commandsIn, findingsFor, markdownFiles, readProjectFacts, shellWords, type DocCommand } from '../helpers/doc-commands';
import { environmentFor, newCredentials } from '../helpers/fixtures';
import { PROJECT_ROOT } from '../helpers/run-cli';

const facts = readProjectFacts(PROJECT_ROOT);
const commands: DocCommand[] = markdownFiles(PROJECT_ROOT).flatMap((file) =>
  commandsIn(file, readFileSync(join(PROJECT_ROOT, file), 'utf8')),
);

describe('the shell commands of the README and the docs', () => {
  it('are found in the README and across the docs (the checker reads them all)', () => {
    const files = new Set(commands.map((command) => command.file));
    for (const file of ['README.md', 'docs/configuration.md', 'docs/deploy.md', 'docs/testing.md', 'docs/token-client.md'])
      expect(files).toContain(file);
    expect(commands.length).toBeGreaterThan(40);
  });

  it('name npm scripts that exist, flags their tools read, files that exist or git ignores, paths the service serves', () => {
    expect(commands.flatMap((command) => findingsFor(command, facts))).toEqual([]);
  });

  it('the README names the tarball npm pack makes, where it makes it', () => {
    const readme = commands.filter((command) => command.file === 'README.md').map((command) => command.text);
    expect(readme).toContain('(cd packages/token-client && npm pack --pack-destination /tmp)');
    expect(readme).toContain(`npm install /tmp/${facts.tarballs[0]}`);
  });
});

describe('the checker itself finds what is wrong', () => {
  const check = (text: string, file = 'README.md') => findingsFor({ file, line: 1, text }, facts);

  it.each([
    ['a script that does not exist', 'npm run deplyo', /no npm script "deplyo"/],
    ['a flag the tool does not read', 'npm run doctor -- --offline', /doctor does not read --offline/],
    ['a deploy flag twilio-run does not know either', 'npm run deploy -- --service-id ZS1', /deploy does not read --service-id/],
    ['a file that is not there', 'cp .env.sample .env', /cp \.env\.sample: no such file/],
    ['the tarball in the wrong folder', 'npm install ./twilio-token-service-token-client-0.1.0.tgz', /name --pack-destination/],
    ['a tarball npm pack does not make', 'npm install /tmp/token-client-9.9.9.tgz', /npm pack makes/],
    ['a path the service does not serve', 'curl -X POST http://localhost:3000/tokens', /serves no \/tokens/],
    ['a program it does not know', 'yarn start', /yarn is a program the docs checker does not know/],
    ['a project file that is not there', 'node scripts/nope.mjs', /no such file/],
  ])('%s', (_what, text, finding) => {
    expect(check(text).join('\n')).toMatch(finding);
  });

  it('accepts what is right: a forwarded twilio-run flag, a gitignored file, a package script in its folder, a comment', () => {
    expect(check('npm run deploy -- --env .env.production --service-sid ZS… --override-existing-project')).toEqual([]);
    expect(check('npm run --silent hash-password -- bob >> src/assets/basic-users.private.txt')).toEqual([]);
    expect(check('(cd packages/token-client && npm pack --pack-destination /tmp)')).toEqual([]);
    expect(commandsIn('x.md', '```sh\n# only a comment\nnpm test   # with # a comment\n```\n').map((command) => command.text)).toEqual([
      'npm test',
    ]);
  });

  it('splits like a shell: quotes, $(…), continuations and operators', () => {
    expect(shellWords(`curl -H "Authorization: Bearer $(grep ^A= .env | cut -d= -f2)" -d '{"a":1}' x && echo ok`)).toEqual([
      'curl',
      '-H',
      'Authorization: Bearer $(grep ^A= .env | cut -d= -f2)',
      '-d',
      '{"a":1}',
      'x',
      '&&',
      'echo',
      'ok',
    ]);
    expect(commandsIn('x.md', '```bash\ncurl -X POST \\\n  http://localhost:3000/token\n```\n')).toEqual([
      { file: 'x.md', line: 2, text: 'curl -X POST http://localhost:3000/token' },
    ]);
  });
});

describe('the commands that run offline, run as written', () => {
  it("the README's token decoding one-liner prints the header and the claims of a real token", async () => {
    const decode = commands.find((command) => command.file === 'README.md' && command.text.startsWith('node -e'));
    expect(decode).toBeDefined();
    const credentials = newCredentials(['alice']);
    const parsed = parseConfig(await environmentFor(credentials));
    if (!parsed.ok) throw new Error('fixture configuration refused');
    const { token } = mintAccessToken(parsed.config, { identity: 'alice', grants: ['video'], ttl: 600 }, Date.now());
    const run = spawnSync('sh', ['-c', decode!.text], { env: { PATH: process.env.PATH, TOKEN: token }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("cty: 'twilio-fpa;v=1'");
    expect(run.stdout).toContain(`iss: '${credentials.apiKeySid}'`);
    expect(run.stdout).toContain(`sub: '${credentials.accountSid}'`);
    expect(run.stdout).toMatch(/grants: \{ identity: 'alice', video: \{\} \}/);
  });

  it('npm run --silent new-secret prints one URL-safe secret, as the README says', () => {
    const documented = commands.find((command) => command.text === 'npm run --silent new-secret');
    expect(documented).toBeDefined();
    const run = spawnSync('sh', ['-c', documented!.text], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
  });
});
