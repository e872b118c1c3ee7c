/**
 * Before the deploy suites: type-checks this checkout's deployed code once (what `npm run deploy` checks) and hands its
 * digest to every `npm run deploy` the suites run in throwaway copies (TOKEN_SERVICE_TEST_TYPECHECKED, read by
 * scripts/build.mjs): a copy whose sources are these very ones skips the repeat, an edited one is checked again.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default async function deployGlobalSetup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  const digest = () => execFileSync(process.execPath, [join(root, 'scripts', 'typecheck-digest.mjs')], { encoding: 'utf8' }).trim();
  const before = digest();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--typecheck'], { stdio: 'inherit', env: withoutSwitch() });
  // Only sources that stayed the same while checked count as checked.
  if (digest() === before) process.env.TOKEN_SERVICE_TEST_TYPECHECKED = before;
}

function withoutSwitch(): NodeJS.ProcessEnv {
  const { TOKEN_SERVICE_TEST_TYPECHECKED: _ignored, ...env } = process.env;
  return env;
}
