/** Step 5 of npm run deploy: the plan printed before anything changes, the removals it refuses, and --plan's exit status. */
import {
  countChanges,
  planDeployment,
  PRIVATE_CONFIG_FILES,
  renderPlan,
  type DeployPlan,
  type DesiredState,
  type LiveState,
  type PlanOptions,
  type VariableChange,
} from './plan';
import { say } from './output';

/** "widens access (the policy's limits stop applying)". */
const refusalWords = (change: VariableChange) =>
  `${change.access.direction === 'both' ? 'changes access both ways' : 'widens access'} (${change.access.words})`;

/** --plan's exit statuses, as `terraform plan -detailed-exitcode`. */
const PLAN_NOTHING_TO_CHANGE = 0;
const PLAN_HAS_CHANGES = 2;

/** Plans the deploy and prints the plan, headed by where it goes and how many changes it makes. */
export function planAndPrint(options: PlanOptions & { readonly live: LiveState; readonly desired: DesiredState }): DeployPlan {
  const { live, desired } = options;
  const plan = planDeployment(live, desired, options);
  const where = `service ${desired.serviceName}${live.service ? ` (${live.service.sid})` : ''}, environment ${desired.environment || 'production'}`;
  const changes = countChanges(plan);
  say(changes === 0 ? `deploy: plan for ${where}: nothing to change` : `deploy: plan for ${where}: ${changes} change(s)`);
  for (const line of renderPlan(plan, desired)) say(line);
  return plan;
}

/** Whether the plan removes something that widens access without having been told to. */
export function hasRefusedRemovals(plan: DeployPlan): boolean {
  return plan.refusedRemovals.length > 0 || plan.refusedVariableRemovals.length > 0;
}

/** Prints why the plan's removals (private configuration files, variables) are refused; the deploy's exit status, 1. */
export function refuseRemovals(plan: DeployPlan): number {
  say(`deploy: refused; nothing was changed on Twilio:`);
  for (const change of plan.refusedVariableRemovals) {
    say(
      `✗ ${change.name}: the live service has it and this deploy does not set it (absent or empty): removing it ${refusalWords(change)}\n` +
        `  fix: set ${change.name} in the env file you deploy (in CI, from a secret or a variable of the job), or pass --remove ${change.name} to remove it on purpose`,
    );
  }
  for (const name of plan.refusedRemovals) {
    const file = PRIVATE_CONFIG_FILES[name];
    const what =
      name === 'users'
        ? 'every Basic user of the live service would be locked out'
        : 'the live policy would disappear and access would fall back to the variables alone (the grants, rooms and TTLs it restricted would widen)';
    const supply =
      name === 'users'
        ? `put ${file.source} in place (in CI, write it from a secret: see docs/deploy.md, "Deploying from CI")`
        : `commit ${file.source} (a policy holds no secret) or put it in place before deploying`;
    say(
      `✗ ${file.path}: the live build has it and this checkout has no ${file.source}: ${what}\n  fix: ${supply}, or pass ${file.flag} to remove it on purpose`,
    );
  }
  return 1;
}

/** `--remove NAME` for a setting the env file still sets: which one is meant cannot be guessed, so nothing is sent. */
export function refuseRemovalOfSetVariables(names: readonly string[]): number {
  say('deploy: refused; nothing was changed on Twilio:');
  for (const name of names) {
    say(
      `✗ ${name}: --remove ${name} was given, but the env file sets ${name}\n  fix: remove the ${name} line (or leave it empty) to remove it, or drop --remove ${name} to keep it`,
    );
  }
  return 1;
}

/** --plan's exit status: 0 when nothing would change, 2 when something would. */
export function planExitCode(plan: DeployPlan): number {
  return countChanges(plan) === 0 ? PLAN_NOTHING_TO_CHANGE : PLAN_HAS_CHANGES;
}
