/** Builds dist/ once before the suites: integration tests serve it, and the build test inspects it. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
