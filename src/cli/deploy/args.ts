/** npm run deploy's command line: its own flags, everything else kept for the twilio-run deploy options (deploy-flags.ts), and the help text. */
import { PRIVATE_CONFIG_FILES, type PrivateConfigFile } from './plan';
import { DeployStop } from './output';
import { classifyNames, DEPLOYED_SETTINGS } from '../project/setting-names';

export interface DeployArgs {
  /** Everything that is not ours: twilio-run deploy's options, parsed by deploy-flags.ts (which refuses the rest). */
  readonly forward: string[];
  /** --plan: stop after printing the plan. */
  readonly plan: boolean;
  /** false with --no-smoke: skip the checks of the deployed service. */
  readonly smoke: boolean;
  readonly help: boolean;
  /** Private configuration files the user allowed to be removed (--remove-users-file, --remove-policy). */
  readonly allowRemoval: Set<PrivateConfigFile>;
  /** Settings the user allowed to be removed from the service although that widens access (--remove NAME, repeatable). */
  readonly removeVariables: Set<string>;
}

/** --remove's NAME, checked: a setting npm run deploy manages, else a usage mistake naming the nearest setting. */
function settingToRemove(name: string | undefined): string {
  if (name === undefined || name === '' || name.startsWith('-')) {
    throw new DeployStop('--remove needs the name of a setting, e.g. --remove TOKEN_POLICY', { exitCode: 2 });
  }
  if (DEPLOYED_SETTINGS.includes(name)) return name;
  const near = classifyNames([name]).misspelled[0]?.settings;
  throw new DeployStop(
    `--remove ${name}: ${name} is not a setting of this service${near ? `; did you mean ${near.join(' or ')}?` : ' (the settings are listed in .env.example)'}`,
    { exitCode: 2 },
  );
}

/** @example parseDeployArgs(['--plan', '--environment', 'stage']) // { plan: true, forward: ['--environment', 'stage'], … } */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const forward: string[] = [];
  const allowRemoval = new Set<PrivateConfigFile>();
  const removeVariables = new Set<string>();
  const rest = [...argv];
  let smoke = true;
  let help = false;
  let plan = false;
  while (rest.length > 0) {
    const argument = rest.shift()!;
    if (argument === '--no-smoke') smoke = false;
    else if (argument === '--remove') removeVariables.add(settingToRemove(rest.shift()));
    else if (argument.startsWith('--remove=')) removeVariables.add(settingToRemove(argument.slice('--remove='.length)));
    else if (argument === '--plan') plan = true;
    else if (argument === PRIVATE_CONFIG_FILES.users.flag) allowRemoval.add('users');
    else if (argument === PRIVATE_CONFIG_FILES.policy.flag) allowRemoval.add('policy');
    else {
      if (argument === '--help' || argument === '-h') help = true;
      if (argument === '--cwd' || argument.startsWith('--cwd=')) {
        throw new DeployStop(
          '--cwd is not supported: npm run deploy checks, builds and deploys this project (run it from the project folder)',
          { exitCode: 2 },
        );
      }
      forward.push(argument);
    }
  }
  return { forward, plan, smoke, help, allowRemoval, removeVariables };
}

export const DEPLOY_HELP = `usage: npm run deploy [-- options]
  --plan               read the live service (GET requests only) and print what a deploy would change, by name;
                       exit 0 nothing to change, 2 changes, 1 a problem
  --remove-users-file  allow removing src/assets/basic-users.private.txt from the live build (else refused)
  --remove-policy      allow removing src/assets/policy.private.json from the live build (else refused)
  --remove NAME        allow removing setting NAME from the service when that widens access (else refused when
                       the env file lacks it); repeat for each; see docs/deploy-access.md
  --no-smoke           skip the checks of the deployed /health, demo page and /token
  --service-sid ZS…, --service-name NAME, --environment SUFFIX, --production, --env FILE, --load-system-env,
  --override-existing-project, --force, --runtime, --region, --edge, --functions-folder, --assets-folder,
  --config FILE: as twilio-run deploy (any other option is refused)
Credentials come from the environment: TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and
TWILIO_AUTH_TOKEN), or .env's ACCOUNT_SID/AUTH_TOKEN; never from the command line.`;
