/**
 * npm run deploy's own steps (read the live service, plan, apply with a journal) in one long-lived process, so that
 * deploy-access-cuts.test.ts can run dozens of deploys against the stand-in without paying a process start, a build
 * and an esbuild bundle for each. Started with the stand-in's HTTP_PROXY and NODE_EXTRA_CA_CERTS (read by Node only at
 * start); reads one JSON command a line on stdin (the credentials come that way, never in argv or a file), answers
 * one JSON line each on stdout. The test's `dist/` is copied once into a temp folder (no secret in it) and each
 * command writes its own demo.css there, so each deploy has a file to upload.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { applySteps } from '../../src/cli/deploy/apply';
import { findService, readLiveState } from '../../src/cli/deploy/live';
import { DeployJournal } from '../../src/cli/deploy/journal';
import { readLocalDeployment } from '../../src/cli/deploy/local';
import { countChanges, planDeployment, renderPlan } from '../../src/cli/deploy/plan';
import { ServerlessApi } from '../../src/cli/deploy/serverless';

export interface DriverCommand {
  readonly id: number;
  readonly credentials: { readonly username: string; readonly password: string };
  readonly serviceName: string;
  readonly variables: Readonly<Record<string, string>>;
  /** demo.css's text: a different text makes a new build. */
  readonly css: string;
  readonly removeVariables: readonly string[];
  /** Plan only (GETs), as --plan. */
  readonly planOnly: boolean;
}

export interface DriverAnswer {
  readonly id: number;
  /** applied: every step done; refused: the plan refused removals; failed: a request failed (a cut). */
  readonly outcome: 'applied' | 'refused' | 'failed' | 'planned';
  readonly changes: number;
  readonly plan: readonly string[];
  /** The journal's report after a failure: applied, unknown, not applied. */
  readonly report: readonly string[];
  readonly error?: string;
}

const project = mkdtempSync(join(tmpdir(), 'access-cuts-'));
// Started from the project folder (the bundle run-ts.mjs makes lives elsewhere, so __dirname is not this file's).
const root = process.cwd();
cpSync(join(root, 'dist'), join(project, 'dist'), { recursive: true });
cpSync(join(root, 'package.json'), join(project, 'package.json'));
process.on('exit', () => rmSync(project, { recursive: true, force: true }));

async function deploy(command: DriverCommand): Promise<DriverAnswer> {
  writeFileSync(join(project, 'dist/assets/demo.css'), command.css);
  const { desired, uploads } = await readLocalDeployment({
    cwd: project,
    env: command.variables,
    functionsFolderName: 'dist/functions',
    assetsFolderName: 'dist/assets',
    runtime: 'node22',
    serviceName: command.serviceName,
    environment: 'dev',
  });
  const api = new ServerlessApi({ ...command.credentials, source: 'the test' });
  const base = { id: command.id, report: [] as string[] };
  try {
    const found = await findService(api, { serviceName: command.serviceName, environment: 'dev' }, true);
    const live = await readLiveState(api, { serviceSid: found.sid, environment: 'dev' });
    const plan = planDeployment(live, desired, { allowRemoval: new Set(), removeVariables: new Set(command.removeVariables) });
    const answer = { ...base, changes: countChanges(plan), plan: renderPlan(plan, desired) };
    if (plan.refusedRemovals.length > 0 || plan.refusedVariableRemovals.length > 0) return { ...answer, outcome: 'refused' };
    if (command.planOnly) return { ...answer, outcome: 'planned' };
    const journal = new DeployJournal(applySteps({ api, plan, live, desired, uploads, onService: () => undefined }).steps);
    try {
      await journal.runAll();
      return { ...answer, outcome: 'applied' };
    } catch (error) {
      return { ...answer, outcome: 'failed', report: journal.report(), error: (error as Error).message };
    }
  } catch (error) {
    return { ...base, outcome: 'failed', changes: -1, plan: [], error: (error as Error).message };
  }
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  const command = JSON.parse(line) as DriverCommand;
  queue = queue.then(async () => {
    process.stdout.write(`${JSON.stringify(await deploy(command))}\n`);
  });
});
lines.on('close', () => void queue.then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
