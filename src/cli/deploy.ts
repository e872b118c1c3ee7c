/**
 * npm run deploy [-- --plan] [--remove-users-file] [--remove-policy] [--remove NAME…] [--no-smoke] [<twilio-run deploy options>]:
 * checks what would be deployed and refuses before sending anything, builds, reads the live service (GETs only),
 * checks the signing key with Twilio, prints the plan, applies it in an order that never widens access (see
 * deploy/apply.ts), reads the service back to confirm it matches, prints the URLs and checks the deployed service.
 * With THROTTLE_SYNC_SERVICE_SID, it checks the Sync Service exists and creates the Maps the service uses (sync-maps.ts).
 * `--plan` stops after printing the plan: exit 0 when nothing would change, 2 when something would, 1 on a problem.
 */
import { DEPLOY_HELP, parseDeployArgs } from './deploy/args';
import { applyWithJournal } from './deploy/apply-step';
import { buildForDeploy } from './deploy/build';
import { DeployProgress, stopOnSignals } from './deploy/interruption';
import { signingKeyAccepted } from './deploy/key-check';
import { DeployStop, say } from './deploy/output';
import { hasRefusedRemovals, planAndPrint, planExitCode, refuseRemovalOfSetVariables, refuseRemovals } from './deploy/plan-report';
import { checkBeforeSending } from './deploy/preflight';
import { confirmReadBack } from './deploy/read-back';
import { readDesiredState, readLiveService } from './deploy/read-states';
import { reportDeployedService } from './deploy/result';
import { TwilioServerlessApi } from './deploy/serverless';
import { createSyncMaps, describeSyncPlan, inspectSync } from './sync-maps';
import { clientLocation } from './twilio/hosts';

async function main(argv: readonly string[]): Promise<number> {
  const args = parseDeployArgs(argv);
  if (args.help) {
    say(DEPLOY_HELP);
    return 0;
  }
  const progress = new DeployProgress();
  stopOnSignals(progress);

  const preflight = await checkBeforeSending({ forward: args.forward });
  if (!preflight.ok) return 1;
  // --plan sends nothing, so it skips the type check (a few seconds of the wait); a deploy that uploads runs it.
  await buildForDeploy({ progress, typecheck: !args.plan });

  const cwd = process.cwd();
  const { config, accountSid } = preflight;
  const api = new TwilioServerlessApi(preflight.credentials, { region: config.region, edge: config.edge });
  const live = await readLiveService({ api, preflight, cwd });
  const { desired, uploads } = await readDesiredState({ preflight, cwd, live });
  if (!(await signingKeyAccepted({ accountSid, variables: config.env, say, manager: preflight.credentials }))) return 1;

  const planOptions = { allowRemoval: args.allowRemoval, removeVariables: args.removeVariables };
  const removedButSet = [...args.removeVariables].filter((name) => name in desired.variables);
  if (removedButSet.length > 0) return refuseRemovalOfSetVariables(removedButSet);
  // The Sync Service the throttle and the revocation list use: it must exist before instances are told to use it.
  const syncServiceSid = config.env['THROTTLE_SYNC_SERVICE_SID'];
  // Asked where the key check asked (it refused a malformed TWILIO_EDGE already): the project's region, the operator's edge.
  const location = clientLocation({ region: config.env['TWILIO_REGION'], edge: process.env['TWILIO_EDGE'] });
  const syncTarget = syncServiceSid ? { ...preflight.credentials, accountSid, serviceSid: syncServiceSid, location } : undefined;
  const sync = syncTarget ? await inspectSync(syncTarget) : undefined;
  if (sync && !sync.ok) {
    say('deploy: refused; nothing was changed on Twilio:');
    say(
      `✗ THROTTLE_SYNC_SERVICE_SID: ${sync.message}\n  fix: create a Sync Service (Console > Sync > Services) and copy its SID, or write default`,
    );
    return 1;
  }
  const plan = planAndPrint({ live, desired, ...planOptions });
  if (sync) say(describeSyncPlan(sync));
  if (hasRefusedRemovals(plan)) return refuseRemovals(plan);
  const syncChanges = sync?.ok && sync.missing.length > 0;
  // Maps to create count as a change for --plan's exit code (2), like any other.
  if (args.plan) return syncChanges ? 2 : planExitCode(plan);
  if (syncTarget && sync?.ok && syncChanges) {
    await createSyncMaps(syncTarget, sync.missing);
    say(`deploy: created ${sync.missing.length} Sync Map(s) in ${sync.serviceSid}`);
  }

  const applied = await applyWithJournal({ api, preflight, cwd, progress, plan, live, desired, uploads, ...planOptions });
  if (!applied) return 1;
  if (!(await confirmReadBack({ api, desired, applied, plan, ...planOptions }))) return 1;
  return reportDeployedService({ domainName: applied.domainName, smoke: args.smoke });
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof DeployStop) {
      process.stderr.write(`deploy: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    // Twilio API errors carry a code and a message without secrets; anything else is shown by its kind.
    const { message } = error as { message?: unknown };
    process.stderr.write(`deploy: ${typeof message === 'string' ? message : String(error)}\n`);
    process.exitCode = 1;
  },
);
