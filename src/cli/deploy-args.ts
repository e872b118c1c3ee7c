/** npm run deploy's command line: its own flags, everything else kept for twilio-run's parser, and the help text. */
import { PRIVATE_CONFIG_FILES, type PrivateConfigFile } from './deploy-plan';
import { DeployStop } from './deploy-output';

export interface DeployArgs {
  /** Everything that is not ours, parsed by twilio-run's own parser. */
  readonly forward: string[];
  /** --plan: stop after printing the plan. */
  readonly plan: boolean;
  /** false with --no-smoke: skip the checks of the deployed service. */
  readonly smoke: boolean;
  readonly help: boolean;
  /** Private configuration files the user allowed to be removed (--remove-users-file, --remove-policy). */
  readonly allowRemoval: Set<PrivateConfigFile>;
}

/** @example parseDeployArgs(['--plan', '--environment', 'stage']) // { plan: true, forward: ['--environment', 'stage'], … } */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const forward: string[] = [];
  const allowRemoval = new Set<PrivateConfigFile>();
  let smoke = true;
  let help = false;
  let plan = false;
  for (const argument of argv) {
    if (argument === '--no-smoke') smoke = false;
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
  return { forward, plan, smoke, help, allowRemoval };
}

export const DEPLOY_HELP = `usage: npm run deploy [-- options]
  --plan               read the live service (GET requests only) and print what a deploy would change, by name;
                       exit 0 nothing to change, 2 changes, 1 a problem
  --remove-users-file  allow removing src/assets/basic-users.private.txt from the live build (else refused)
  --remove-policy      allow removing src/assets/policy.private.json from the live build (else refused)
  --no-smoke           skip the checks of the deployed /health, demo page and /token
  --service-sid ZS…, --service-name NAME, --environment SUFFIX, --production, --env FILE, --load-system-env,
  --override-existing-project, --runtime, --region, --edge: as twilio-run deploy
Credentials come from the environment: TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and
TWILIO_AUTH_TOKEN), or .env's ACCOUNT_SID/AUTH_TOKEN; never from the command line.`;
