/**
 * Our deploy configuration reader (src/cli/deploy/deploy-config.ts) against twilio-run 5's own code, over a table of
 * command lines and project files: the same configuration, or both refusing. An upgrade of twilio-run that changes
 * one of its rules fails here, naming the case.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readDeployConfig } from '../../../src/cli/deploy/deploy-config';
import { twilioRunDeployConfig } from '../../helpers/twilio-run-deploy-config';

const hex = (digit: string) => digit.repeat(32);
const ACCOUNT = `AC${hex('a')}`;
const OTHER_ACCOUNT = `AC${hex('b')}`;
const SERVICE = `ZS${hex('1')}`;
const SERVICE_2 = `ZS${hex('2')}`;
const SERVICE_3 = `ZS${hex('3')}`;
const BUILD = `ZB${hex('9')}`;

const PACKAGE = JSON.stringify({ name: 'token-service', version: '1.0.0' });
/** The variables every case's .env has: a set value, an empty one, and twilio-run's credentials (not uploaded). */
const DOT_ENV = ['TOKEN_TTL=600', 'VIDEO_ROOM=', `ACCOUNT_SID=${ACCOUNT}`, 'AUTH_TOKEN=not-a-real-token', 'QUOTED="a b"'].join('\n');
const PROJECT_RC = `// as the project's own\n{\n  "functionsFolder": "dist/functions",\n  "assetsFolder": "dist/assets",\n  "runtime": "node22",\n}\n`;
const deployInfo = (entries: Record<string, unknown>) => JSON.stringify(entries, null, '\t');

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** Files of the project folder besides package.json and .env (a value of null leaves that file out). */
  readonly files?: Readonly<Record<string, string | null>>;
  /** The process environment for the run (--load-system-env). */
  readonly env?: Readonly<Record<string, string>>;
}

const CASES: readonly Case[] = [
  { name: 'no options, no config file', args: [], files: { '.twilioserverlessrc': null } },
  { name: "the project's .twilioserverlessrc (JSON5 with a comment)", args: [] },
  { name: 'no .env at all', args: [], files: { '.env': null } },
  { name: '--environment stage', args: ['--environment', 'stage'] },
  { name: '--environment=stage', args: ['--environment=stage'] },
  { name: 'the alias --to', args: ['--to', 'stage'] },
  { name: 'an environment SID', args: ['--environment', `ZE${hex('4')}`] },
  { name: '--production', args: ['--production'] },
  { name: '--production wins over --environment', args: ['--production', '--environment', 'stage'] },
  { name: '--service-name', args: ['--service-name', 'other-name'] },
  { name: '-n', args: ['-n', 'other-name'] },
  { name: '--service-name=', args: ['--service-name=other-name'] },
  { name: '--service-sid', args: ['--service-sid', SERVICE] },
  { name: '--override-existing-project and --force', args: ['--override-existing-project', '--force'] },
  { name: '--region and --edge', args: ['--region', 'ie1', '--edge', 'dublin'] },
  { name: '--runtime over the file', args: ['--runtime', 'node20'] },
  { name: '--functions-folder and --assets-folder over the file', args: ['--functions-folder', 'build/fn', '--assets-folder=build/as'] },
  {
    name: 'commands.deploy over the top level; other commands ignored',
    args: [],
    files: {
      '.twilioserverlessrc': JSON.stringify({ runtime: 'node20', commands: { deploy: { runtime: 'node22' }, start: { runtime: 'x' } } }),
    },
  },
  {
    name: 'environments.<suffix> for --environment stage',
    args: ['--environment', 'stage'],
    files: {
      '.twilioserverlessrc': JSON.stringify({
        runtime: 'node22',
        environments: { stage: { runtime: 'node20', serviceName: 'staged' }, dev: { runtime: 'nodeDev' } },
      }),
    },
  },
  {
    name: 'environments.dev when no environment is given',
    args: [],
    files: { '.twilioserverlessrc': JSON.stringify({ environments: { dev: { runtime: 'node20', region: 'au1' } } }) },
  },
  {
    name: 'environments["*"] for --production',
    args: ['--production'],
    files: {
      '.twilioserverlessrc': JSON.stringify({ environments: { '*': { serviceName: 'prod-name' }, dev: { serviceName: 'dev-name' } } }),
    },
  },
  {
    name: "the file's environment when the option is left at its default (even when written out)",
    args: ['--environment', 'dev'],
    files: { '.twilioserverlessrc': JSON.stringify({ environment: 'stage', force: true, loadSystemEnv: false }) },
  },
  {
    name: "an option given away from its default wins over the file's",
    args: ['--environment', 'qa', '--service-name', 'flag-name', '--no-force'],
    files: { '.twilioserverlessrc': JSON.stringify({ environment: 'stage', serviceName: 'file-name', force: true }) },
  },
  {
    name: "projects.<AC…> gives the service for the .env's account; another account's is ignored",
    args: [],
    files: {
      '.twilioserverlessrc': JSON.stringify({
        projects: { [ACCOUNT]: { serviceSid: SERVICE }, [OTHER_ACCOUNT]: { serviceSid: SERVICE_2 } },
      }),
    },
  },
  {
    name: 'projects.<AC…:region> wins over projects.<AC…>',
    args: ['--region', 'ie1'],
    files: {
      '.twilioserverlessrc': JSON.stringify({
        projects: { [`${ACCOUNT}:ie1`]: { serviceSid: SERVICE_2 }, [ACCOUNT]: { serviceSid: SERVICE } },
      }),
    },
  },
  {
    name: "a serviceSid at the file's top level",
    args: [],
    files: { '.twilioserverlessrc': JSON.stringify({ serviceSid: SERVICE_3 }) },
  },
  {
    name: '.twiliodeployinfo under AC…:us1',
    args: [],
    files: { '.twiliodeployinfo': deployInfo({ [`${ACCOUNT}:us1`]: { serviceSid: SERVICE, latestBuild: BUILD } }) },
  },
  {
    name: '.twiliodeployinfo under the account alone (older files)',
    args: [],
    files: { '.twiliodeployinfo': deployInfo({ [ACCOUNT]: { serviceSid: SERVICE_2, latestBuild: BUILD } }) },
  },
  {
    name: '.twiliodeployinfo for another region is not this one',
    args: ['--region', 'ie1'],
    files: {
      '.twiliodeployinfo': deployInfo({
        [`${ACCOUNT}:us1`]: { serviceSid: SERVICE, latestBuild: BUILD },
        [`${ACCOUNT}:ie1`]: { serviceSid: SERVICE_3, latestBuild: BUILD },
      }),
    },
  },
  {
    name: '.twiliodeployinfo with one entry off the shape is ignored whole',
    args: [],
    files: {
      '.twiliodeployinfo': deployInfo({
        [`${ACCOUNT}:us1`]: { serviceSid: SERVICE, latestBuild: BUILD },
        [`${OTHER_ACCOUNT}:us1`]: { serviceSid: SERVICE_2 },
      }),
    },
  },
  { name: '.twiliodeployinfo that is not JSON', args: [], files: { '.twiliodeployinfo': '{ not json' } },
  {
    name: '--service-sid wins over .twiliodeployinfo',
    args: ['--service-sid', SERVICE_3],
    files: { '.twiliodeployinfo': deployInfo({ [`${ACCOUNT}:us1`]: { serviceSid: SERVICE, latestBuild: BUILD } }) },
  },
  {
    name: 'no account in .env: no record is looked up',
    args: [],
    files: {
      '.env': 'TOKEN_TTL=600',
      '.twiliodeployinfo': deployInfo({ [`${ACCOUNT}:us1`]: { serviceSid: SERVICE, latestBuild: BUILD } }),
    },
  },
  {
    name: '--env FILE --load-system-env fills empty lines from the environment, ACCOUNT_SID included',
    args: ['--env', '.env.ci', '--load-system-env'],
    files: {
      '.env.ci': ['TOKEN_TTL=600', 'VIDEO_ROOM=', 'TWILIO_API_KEY_SECRET=', 'ACCOUNT_SID=', 'AUTH_TOKEN=', 'EMPTY_EVERYWHERE='].join('\n'),
      '.twiliodeployinfo': deployInfo({ [`${ACCOUNT}:us1`]: { serviceSid: SERVICE, latestBuild: BUILD } }),
    },
    env: {
      TWILIO_API_KEY_SECRET: 'from-ci',
      VIDEO_ROOM: 'room-from-ci',
      ACCOUNT_SID: ACCOUNT,
      AUTH_TOKEN: 'ci-token',
      NOT_LISTED: 'x',
      TOKEN_TTL: '900',
    },
  },
  {
    name: '--env FILE without --load-system-env leaves empty lines empty',
    args: ['--env=.env.ci'],
    files: { '.env.ci': ['TOKEN_TTL=600', 'TWILIO_API_KEY_SECRET='].join('\n') },
    env: { TWILIO_API_KEY_SECRET: 'from-ci' },
  },
  {
    name: "the file's env and loadSystemEnv",
    args: [],
    files: {
      '.twilioserverlessrc': JSON.stringify({ env: '.env.ci', loadSystemEnv: true }),
      '.env.ci': 'TWILIO_API_KEY_SECRET=\nTOKEN_TTL=1',
    },
    env: { TWILIO_API_KEY_SECRET: 'from-ci' },
  },
  {
    name: '--config FILE',
    args: ['--config', 'deploy.json5'],
    files: { 'deploy.json5': "{ runtime: 'node20', serviceName: 'from-named-file' }" },
  },
  { name: '-c FILE', args: ['-c', 'deploy.json5'], files: { 'deploy.json5': "{ environment: 'stage' }" } },
  {
    name: "package.json's twilioserverless key",
    args: [],
    files: {
      '.twilioserverlessrc': null,
      'package.json': JSON.stringify({ name: 'token-service', twilioserverless: { runtime: 'node20' } }),
    },
  },
  { name: 'an empty .twilioserverlessrc is skipped', args: [], files: { '.twilioserverlessrc': '  \n' } },
  {
    name: '.config/twilioserverlessrc',
    args: [],
    files: { '.twilioserverlessrc': null, '.config/twilioserverlessrc': '{ runtime: "node20" }' },
  },
  {
    name: "the file's projectName names the service",
    args: [],
    files: { '.twilioserverlessrc': JSON.stringify({ projectName: 'legacy-name' }) },
  },
  { name: 'no name in package.json, but a service SID', args: ['--service-sid', SERVICE], files: { 'package.json': '{}' } },
  // Both refuse:
  { name: 'no name in package.json and no --service-name', args: [], files: { 'package.json': '{}' } },
  { name: 'no package.json', args: ['--service-name', 'x'], files: { 'package.json': null } },
  { name: '--load-system-env without --env', args: ['--load-system-env'] },
  { name: '--env naming a missing file', args: ['--env', '.env.missing'] },
  { name: '--config naming a missing file', args: ['--config', 'missing.json'] },
  { name: 'a .twilioserverlessrc that is not JSON5', args: [], files: { '.twilioserverlessrc': '{ runtime: ' } },
];

/** The fields npm run deploy uses, with unset ones dropped. */
const COMPARED = [
  'env',
  'envPath',
  'username',
  'password',
  'serviceSid',
  'serviceName',
  'functionsEnv',
  'region',
  'edge',
  'overrideExistingService',
  'force',
  'functionsFolderName',
  'assetsFolderName',
  'runtime',
] as const;
const comparable = (config: object) => {
  const fields = config as Readonly<Record<string, unknown>>;
  return Object.fromEntries(COMPARED.filter((key) => fields[key] !== undefined).map((key) => [key, fields[key]]));
};

type Outcome = { readonly config: Record<string, unknown> } | { readonly refused: string };

async function outcomeOf(read: () => Promise<object>): Promise<Outcome> {
  try {
    return { config: comparable(await read()) };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

let root: string;
const savedCwd = process.cwd();
const savedEnv = { ...process.env };
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'deploy-config-agreement-'));
});
afterEach(() => {
  process.chdir(savedCwd);
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function projectFor(testCase: Case, index: number): string {
  const dir = join(root, `case-${index}`);
  const files: Record<string, string | null> = {
    'package.json': PACKAGE,
    '.env': DOT_ENV,
    '.twilioserverlessrc': PROJECT_RC,
    ...testCase.files,
  };
  for (const [name, content] of Object.entries(files)) {
    if (content === null) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('readDeployConfig agrees with twilio-run deploy’s own configuration', () => {
  it.each(CASES.map((testCase, index) => [testCase.name, testCase, index] as const))('%s', async (_name, testCase, index) => {
    const dir = projectFor(testCase, index);
    for (const key of ['ACCOUNT_SID', 'AUTH_TOKEN', 'TWILIO_API_KEY_SECRET', 'VIDEO_ROOM', 'TOKEN_TTL']) delete process.env[key];
    Object.assign(process.env, testCase.env);
    process.chdir(dir); // twilio-run resolves --config from the process's folder, as npm run deploy runs in the project's
    const theirs = await outcomeOf(() => twilioRunDeployConfig(testCase.args, dir));
    const ours = await outcomeOf(() => Promise.resolve(readDeployConfig(testCase.args, { cwd: dir, systemEnv: process.env })));
    if ('refused' in theirs || 'refused' in ours) {
      // Messages differ on purpose (ours name the option or file); refusing or not must not.
      expect({ ours: 'refused' in ours, theirs: 'refused' in theirs, messages: [ours, theirs] }).toMatchObject({
        ours: 'refused' in theirs,
        theirs: 'refused' in theirs,
      });
      return;
    }
    expect(ours.config).toEqual(theirs.config);
  });

  it('covers cases where the configuration differs from the defaults (a table of identical results would prove little)', async () => {
    const dir = projectFor({ name: 'defaults', args: [] }, CASES.length);
    process.chdir(dir);
    const defaults = comparable(readDeployConfig([], { cwd: dir, systemEnv: {} }));
    expect(defaults).toMatchObject({ functionsEnv: 'dev', serviceName: 'token-service', runtime: 'node22', username: ACCOUNT });
    expect(defaults['env']).toEqual({ TOKEN_TTL: '600', QUOTED: 'a b' });
  });
});
