/**
 * The twilio-run deploy options npm run deploy and npm run rotate-key accept after their own, parsed as twilio-run 5's
 * yargs parses them (names, aliases, `--flag=value`, `--no-flag`, defaults). Anything else stops the command before it
 * reads or sends anything: an option twilio-run would take but the deployer would not honour is refused, saying why,
 * rather than ignored.
 */
import { refuseCredentialsOnCommandLine } from './credentials';
import { DeployStop } from './output';

interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** twilio-run's default: a flag left at it gives way to the config file's setting. */
  readonly default?: string | boolean;
  readonly aliases?: readonly string[];
}

/** twilio-run deploy's options that npm run deploy honours, by twilio-run's (kebab-case) name. */
const DEPLOY_FLAGS = {
  config: { type: 'string', aliases: ['-c'] },
  env: { type: 'string' },
  'load-system-env': { type: 'boolean', default: false },
  region: { type: 'string' },
  edge: { type: 'string' },
  'service-sid': { type: 'string' },
  'service-name': { type: 'string', aliases: ['-n'] },
  environment: { type: 'string', default: 'dev', aliases: ['--to'] },
  production: { type: 'boolean', default: false },
  'override-existing-project': { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  'functions-folder': { type: 'string' },
  'assets-folder': { type: 'string' },
  runtime: { type: 'string' },
} as const satisfies Record<string, FlagSpec>;

export type DeployFlagName = keyof typeof DEPLOY_FLAGS;

/** twilio-run deploy's other options, and why npm run deploy refuses each rather than ignore it. */
const REFUSED_FLAGS: ReadonlyArray<{ readonly names: readonly string[]; readonly why: string }> = [
  { names: ['--cwd'], why: 'npm run deploy checks, builds and deploys this project (run it from the project folder)' },
  {
    names: ['--functions', '--no-functions', '--assets', '--no-assets'],
    why: 'npm run deploy always deploys the functions and the assets together (its plan compares the whole build)',
  },
  { names: ['--log-level', '-l', '--output-format', '-o'], why: 'npm run deploy prints its own report' },
];

/** The options as given; an option not given is absent (its default is DEPLOY_FLAG_DEFAULTS'). */
export type DeployFlags = Partial<Record<DeployFlagName, string | boolean>>;

/** @example deployFlagDefault('environment') // 'dev' */
export function deployFlagDefault(name: DeployFlagName): string | boolean | undefined {
  const spec: FlagSpec = DEPLOY_FLAGS[name];
  return spec.default;
}

/** @example deployFlagType('force') // 'boolean' */
export function deployFlagType(name: DeployFlagName): 'string' | 'boolean' {
  return DEPLOY_FLAGS[name].type;
}

const usage = (message: string) => new DeployStop(`${message} (npm run deploy -- --help lists the options)`, { exitCode: 2 });

/** `--service-name`, `-n`, `--to` → the option's name. */
function flagNamed(written: string): DeployFlagName | undefined {
  for (const [name, spec] of Object.entries(DEPLOY_FLAGS) as [DeployFlagName, FlagSpec][]) {
    if (written === `--${name}` || spec.aliases?.includes(written)) return name;
  }
  return undefined;
}

/**
 * @example parseDeployFlags(['--environment=stage', '-n', 'tokens', '--force']) // { environment: 'stage', 'service-name': 'tokens', force: true }
 */
export function parseDeployFlags(argv: readonly string[]): DeployFlags {
  refuseCredentialsOnCommandLine(argv);
  const flags: DeployFlags = {};
  const rest = [...argv];
  while (rest.length > 0) {
    const position = argv.length - rest.length + 1;
    const argument = rest.shift()!;
    if (!argument.startsWith('-') || argument === '-' || argument === '--') {
      // Not echoed: a stray value may be a secret pasted on the command line.
      throw usage(`argument ${position} is a value without an option (not shown): npm run deploy takes options only`);
    }
    const equals = argument.indexOf('=');
    const written = equals > 0 ? argument.slice(0, equals) : argument;
    const inline = equals > 0 ? argument.slice(equals + 1) : undefined;
    const refused = REFUSED_FLAGS.find((entry) => entry.names.includes(written));
    if (refused) throw usage(`${written} is not supported: ${refused.why}`);
    const negated = written.startsWith('--no-') ? flagNamed(`--${written.slice('--no-'.length)}`) : undefined;
    const name = flagNamed(written) ?? negated;
    if (name === undefined || (negated && DEPLOY_FLAGS[negated].type !== 'boolean')) throw usage(`unknown option ${written}`);
    if (name in flags) throw usage(`${written} is given twice`);
    if (DEPLOY_FLAGS[name].type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false')
        throw usage(`${written} takes no value other than true or false`);
      if (negated && inline !== undefined) throw usage(`${written} takes no value`);
      flags[name] = negated ? false : inline !== 'false';
    } else {
      // yargs would read `--env --force` as an empty --env; a value that looks like an option is a mistake here.
      const value = inline ?? (rest[0]?.startsWith('-') ? undefined : rest.shift());
      if (value === undefined || value === '') throw usage(`${written} needs a value`);
      flags[name] = value;
    }
  }
  return flags;
}
