/** Step 7 of npm run deploy: prints where the deployed service is and checks that it answers. */
import { say } from './output';
import { runSmokeChecks } from './smoke-checks';

/** How long the smoke checks wait for a new deployment to answer. */
const SMOKE_WAIT_SECONDS = 60;

/** The service's URLs, then (unless --no-smoke) the smoke checks; the deploy's exit status, 1 when a check failed. */
export async function reportDeployedService(options: { readonly domainName: string; readonly smoke: boolean }): Promise<number> {
  const base = `https://${options.domainName}`;
  say('');
  say(`  token endpoint  ${base}/token`);
  say(`  health          ${base}/health`);
  say(`  demo page       ${base}/`);
  say(`  OpenAPI         ${base}/openapi.json`);
  say('');
  if (!options.smoke) return 0;
  const result = await runSmokeChecks(base, { waitSeconds: SMOKE_WAIT_SECONDS });
  say(`deploy: checking ${base}`);
  say(result.lines.join('\n'));
  say(result.ok ? 'deploy: done; the deployed service answers as it should' : 'deploy: deployed, but the checks above FAILED');
  return result.ok ? 0 : 1;
}
