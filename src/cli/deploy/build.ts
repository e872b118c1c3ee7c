/** Step 2 of npm run deploy: builds dist/ (the plan compares the built files with the live build's). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DeployProgress } from './interruption';
import { DeployStop } from './output';

function runBuildScript(progress: DeployProgress, typecheck: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join('scripts', 'build.mjs'), ...(typecheck ? ['--typecheck'] : [])], { stdio: 'inherit' });
    progress.child = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs the build (type-checked when asked: a deploy that uploads) as a child (a signal stops it with the deploy); a failed build stops the deploy before any request. */
export async function buildForDeploy(options: { readonly progress: DeployProgress; readonly typecheck: boolean }): Promise<void> {
  if ((await runBuildScript(options.progress, options.typecheck)) !== 0)
    throw new DeployStop('the build failed; nothing was sent to Twilio');
  options.progress.child = undefined;
}
