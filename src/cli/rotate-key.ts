/**
 * npm run rotate-key [-- --plan] [--secret-out FILE | --secret-fd N] [<npm run deploy's target options>]: replaces the
 * service's signing key, the only way Twilio offers to end every Access Token already issued. In order: checks as
 * npm run deploy does, reads the live service and the account's keys (GETs only), prints the plan, then deletes keys a
 * cut run left, creates a Standard key, deploys it with the deploy's own apply step (the secret first, the SID last;
 * no new build), checks the live service holds it and Twilio accepts it, hands it over (the env file it came from, or
 * the operator's file or descriptor), and only then deletes the old key. Each run decides from what is on Twilio
 * (rotate-key-plan.ts), so a run cut at any request is finished by the next. Exit codes as npm run deploy.
 */
import { readFileSync } from 'node:fs';
import { applySteps } from './deploy/apply';
import { ApiKeys, type ApiKey } from './api-keys';
import { DeployProgress, stopOnSignals } from './deploy/interruption';
import { DeployJournal, type DeployStep } from './deploy/journal';
import { readLiveState } from './deploy/live';
import { DeployStop, say } from './deploy/output';
import { countChanges, planDeployment, renderPlan, type DeployPlan, type DesiredState, type LiveState } from './deploy/plan';
import { checkBeforeSending, type Preflight } from './deploy/preflight';
import { readLiveService } from './deploy/read-states';
import { describeTwilioError, TwilioRequestError, TwilioServerlessApi } from './deploy/serverless';
import { readEnvFile } from './project/env-file';
import { ROTATE_KEY_HELP, parseRotateKeyArgs, type RotateKeyArgs } from './rotate-key-args';
import { decideRotation, rotationKeyName, serviceLabel, type RotationStep } from './rotate-key-plan';
import {
  envFileDestination,
  secretFdDestination,
  secretFileDestination,
  type NewKey,
  type SecretDestination,
} from './rotate-key-secret-out';
import { HostLocationError } from './twilio/hosts';
import { matchesAnyDigest, secretDigest } from '../lib/base/constant-time';

const KEY_SID = 'TWILIO_API_KEY_SID';
const KEY_SECRET = 'TWILIO_API_KEY_SECRET';
/** Stands in for the new key's SID and secret in the plan printed before the key exists (values are compared, never shown). */
const NOT_YET_CREATED: NewKey = { sid: 'SK(to be created)', secret: '(to be created)' };

/** What a run will do, decided before anything changes. */
interface Work {
  readonly stale: readonly ApiKey[];
  /** The name of the key to create, or the key (with its secret) already made by a cut run. */
  readonly target: { readonly create: string } | { readonly existing: NewKey };
  readonly oldSid: string;
  /** Undefined when this checkout already names the new key. */
  readonly destination: SecretDestination | undefined;
}

function refuse(variable: string, message: string, fix: string): number {
  say('rotate-key: refused; nothing was changed on Twilio:');
  say(`✗ ${variable}: ${message}\n  fix: ${fix}`);
  return 1;
}

/** Where the key this checkout deploys was read from: the env file itself, or the environment through --load-system-env. */
function keySource(preflight: Preflight): 'file' | 'environment' {
  const inFile = readEnvFile(readFileSync(preflight.config.envPath, 'utf8')).values;
  const present = [KEY_SID, KEY_SECRET].filter((name) => Boolean(inFile[name]));
  if (present.length === 2) return 'file';
  if (present.length === 0) return 'environment';
  throw new DeployStop(
    `${preflight.config.envPath} sets ${present[0]} but takes the other half from the environment: keep ${KEY_SID} and ${KEY_SECRET} in one place, so the rotation can replace both`,
  );
}

function destinationFor(args: RotateKeyArgs, preflight: Preflight): SecretDestination {
  if (keySource(preflight) === 'file') {
    if (args.secretOut !== undefined || args.secretFd !== undefined) {
      throw new DeployStop(`the key comes from ${preflight.config.envPath}, which the rotation rewrites: drop --secret-out/--secret-fd`, {
        exitCode: 2,
      });
    }
    return envFileDestination(preflight.config.envPath, preflight.config.envPath.split('/').pop() ?? '.env');
  }
  if (args.secretOut !== undefined) return secretFileDestination(args.secretOut);
  if (args.secretFd !== undefined) return secretFdDestination(args.secretFd);
  throw new DeployStop(
    `the key comes from the environment (CI), so the rotation cannot rewrite it: say where the new secret goes, once\n  fix: add --secret-out FILE (a new file, created mode 600) or --secret-fd N (e.g. a pipe into your secret store); see docs/key-rotation.md`,
    { exitCode: 2 },
  );
}

/** What this checkout deploys for a rotation: the live service as it is, with the new key; no file, runtime or package changes. */
function desiredFromLive(live: LiveState, serviceName: string, environment: string, key: NewKey): DesiredState {
  const variables = Object.fromEntries(live.variables.map(({ key: name, value }) => [name, value]));
  return {
    serviceName,
    environment,
    variables: { ...variables, [KEY_SECRET]: key.secret, [KEY_SID]: key.sid },
    files: (live.build?.files ?? []).map((file) => ({
      kind: file.kind,
      path: file.path,
      visibility: file.visibility,
      sha256: file.sha256 ?? '',
    })),
    runtime: live.build?.runtime ?? '',
    dependencies: live.build?.dependencies ?? [],
  };
}

/** The deploy's plan for the new key, refused when it would change more than the two key variables. */
function keyPlan(live: LiveState, desired: DesiredState): DeployPlan {
  const plan = planDeployment(live, desired, { allowRemoval: new Set() });
  const onlyKey = !plan.newBuild && plan.variables.every((change) => change.name === KEY_SID || change.name === KEY_SECRET);
  if (!onlyKey || countChanges(plan) !== plan.variables.length) {
    throw new DeployStop(
      'the live build carries no fingerprints of its files (it was not deployed by npm run deploy), so the key cannot be deployed without a new build\n  fix: run npm run deploy once, then rotate',
    );
  }
  return plan;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseRotateKeyArgs(argv);
  if (args.help) {
    say(ROTATE_KEY_HELP);
    return 0;
  }
  const progress = new DeployProgress('rotate-key');
  stopOnSignals(progress);
  const preflight = await checkBeforeSending({ forward: args.forward, command: 'rotate-key' });
  if (!preflight.ok) return 1;
  const { config, credentials, accountSid, environmentName } = preflight;
  const configuredSid = config.env[KEY_SID];
  if (!configuredSid || !config.env[KEY_SECRET]) {
    return refuse(
      KEY_SID,
      `${KEY_SID} and ${KEY_SECRET} are not both set: there is no signing key to replace`,
      'set them to the key the live service signs with (or run npm run deploy first)',
    );
  }
  // Checked now, before any request, but only demanded when this run hands a key over.
  const destination = () => destinationFor(args, preflight);

  const api = new TwilioServerlessApi(credentials, { region: config.region, edge: config.edge });
  const live = await readLiveService({ api, preflight, cwd: process.cwd() });
  if (!live.service || !live.environment?.buildSid || !live.build) {
    return refuse(
      'service',
      `${preflight.serviceName} (environment ${environmentName || 'production'}) was never deployed: there is no live key to replace`,
      'run npm run deploy first',
    );
  }
  const liveValue = (name: string) => live.variables.find((variable) => variable.key === name)?.value;
  let keys: ApiKeys;
  try {
    keys = new ApiKeys(credentials, accountSid, { region: config.env['TWILIO_REGION'], edge: process.env['TWILIO_EDGE'] });
  } catch (error) {
    if (error instanceof HostLocationError) return refuse(error.variable, error.message, error.fix);
    throw error;
  }
  let existing: ApiKey[];
  try {
    existing = await keys.list();
  } catch (error) {
    if (error instanceof TwilioRequestError && (error.status === 401 || error.status === 403)) {
      return refuse(
        credentials.source,
        `Twilio refused to list the account's API keys with ${credentials.source}${error.code ? ` (error ${error.code})` : ''}: only the account's credentials or a Main key may manage keys (a Standard or Restricted key may not)`,
        'set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment (or a Main key as TWILIO_API_KEY and TWILIO_API_SECRET), never on the command line',
      );
    }
    throw error;
  }

  const label = serviceLabel(live.service.uniqueName, environmentName);
  const step = decideRotation({ label, configuredSid, liveSid: liveValue(KEY_SID), keys: existing });
  const work = await workFor(step, { keys, liveSecret: liveValue(KEY_SECRET), configuredSid, label, destination });
  if ('refused' in work) return refuse(work.refused.variable, work.refused.message, work.refused.fix);

  const preview = 'existing' in work.target ? work.target.existing : NOT_YET_CREATED;
  const previewDesired = desiredFromLive(live, live.service.uniqueName, environmentName, preview);
  const previewPlan = keyPlan(live, previewDesired);
  const lines = [
    ...work.stale.map(
      (key) => `  - API key ${key.sid} deleted (made by a run that was cut before deploying it; its secret was never kept)`,
    ),
    ...('create' in work.target ? [`  + API key "${work.target.create}" created (Standard, on ${keys.host})`] : []),
    ...renderPlan(previewPlan, previewDesired),
    ...(work.destination ? [`  ~ ${work.destination.label}`] : []),
    `  - API key ${work.oldSid} deleted (every token it signed stops working; sessions already connected are not cut)`,
  ];
  say(
    `rotate-key: plan for service ${live.service.uniqueName} (${live.service.sid}), environment ${environmentName || 'production'}: ${lines.filter((line) => /^ {2}[-+~]/.test(line)).length} change(s)`,
  );
  for (const line of lines) say(line);
  if (args.plan) return 2;

  const target = work.target;
  // Known from the start when a cut run already made the key; otherwise once its step has made it.
  let newKey: NewKey | undefined = 'existing' in target ? target.existing : undefined;
  const made = (): NewKey => newKey!;
  const deploy = applySteps({
    api,
    plan: previewPlan,
    live,
    desired: previewDesired,
    uploads: [],
    onService: () => undefined,
    valuesWhenRun: () => {
      const desired = desiredFromLive(live, live.service!.uniqueName, environmentName, made());
      return { plan: keyPlan(live, desired), desired };
    },
  });
  const steps: DeployStep[] = [
    ...work.stale.map((key) => ({ label: `delete API key ${key.sid}`, run: () => keys.remove(key.sid) })),
    ...('create' in target
      ? [
          {
            label: `create API key "${target.create}"`,
            run: async () => {
              newKey = await keys.create(target.create);
            },
          },
        ]
      : []),
    ...deploy.steps,
    {
      label: 'verify: the live service holds the new key and Twilio accepts it',
      run: async () => {
        const after = await readLiveState(api, { serviceSid: live.service!.sid, environment: environmentName });
        const value = (name: string) => after.variables.find((variable) => variable.key === name)?.value ?? '';
        const key = made();
        const holds = value(KEY_SID) === key.sid && matchesAnyDigest(value(KEY_SECRET), [secretDigest(key.secret)]);
        if (!holds) throw new Error('the live service read back does not hold the new key (someone changed it meanwhile?)');
        if (!(await keys.accepts(key.sid, key.secret))) throw new Error(`Twilio does not accept the new key ${key.sid} with its secret`);
      },
    },
    ...(work.destination ? [{ label: work.destination.label, run: async () => work.destination!.write(made()) }] : []),
    { label: `delete API key ${work.oldSid}`, run: () => keys.remove(work.oldSid) },
  ];
  const journal = new DeployJournal(steps);
  progress.journal = journal;
  try {
    await journal.runAll();
    const key = made();
    say(`rotate-key: done; the live service signs with ${key.sid}, and ${work.oldSid} is deleted: every token it signed is refused now`);
    for (const line of work.destination?.afterwards ?? []) say(line);
    return 0;
  } catch (error) {
    const cause = error instanceof TwilioRequestError ? describeTwilioError(error, credentials) : (error as Error).message;
    progress.reportInterruption(`failed (${cause})`);
    return 1;
  }
}

/** The step, made concrete: which cut-run key matches the live secret (Balance reads), and whether a hand-over is due. */
async function workFor(
  step: RotationStep,
  context: {
    readonly keys: ApiKeys;
    readonly liveSecret: string | undefined;
    readonly configuredSid: string;
    readonly label: string;
    readonly destination: () => SecretDestination;
  },
): Promise<Work | { readonly refused: Extract<RotationStep, { kind: 'refused' }> }> {
  const { keys, liveSecret, configuredSid, label, destination } = context;
  const create = (oldSid: string) => ({ create: rotationKeyName(label, new Date().toISOString().slice(0, 10), oldSid) });
  switch (step.kind) {
    case 'refused':
      return { refused: step };
    case 'rotate':
      return { stale: step.stale, target: create(step.oldSid), oldSid: step.oldSid, destination: destination() };
    case 'finish':
      return {
        stale: [],
        target: { existing: { sid: step.key.sid, secret: liveSecret ?? '' } },
        oldSid: step.oldSid,
        destination: configuredSid === step.key.sid ? undefined : destination(),
      };
    case 'resume': {
      let matched: ApiKey | undefined;
      for (const candidate of step.candidates) {
        if (!matched && liveSecret && (await keys.accepts(candidate.sid, liveSecret))) matched = candidate;
      }
      const others = step.candidates.filter((candidate) => candidate !== matched);
      return matched && liveSecret
        ? { stale: others, target: { existing: { sid: matched.sid, secret: liveSecret } }, oldSid: step.oldSid, destination: destination() }
        : { stale: others, target: create(step.oldSid), oldSid: step.oldSid, destination: destination() };
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof DeployStop) {
      process.stderr.write(`rotate-key: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const { message } = error as { message?: unknown };
    process.stderr.write(`rotate-key: ${typeof message === 'string' ? message : String(error)}\n`);
    process.exitCode = 1;
  },
);
