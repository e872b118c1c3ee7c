// Builds what Twilio deploys: dist/functions (one self-contained bundle per function) and dist/assets.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserModuleOptions } from './token-client-build.mjs';
import { typecheckDigest } from './typecheck-digest.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Only packages that Twilio installs on deploy may stay as require(); everything else is bundled,
// because deployed Functions cannot resolve relative requires between files.
export const runtimeDependencies = Object.keys(pkg.dependencies ?? {});
const external = runtimeDependencies.flatMap((name) => [name, `${name}/*`]);

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

// A stale dist/ keeps serving deleted functions, so every build starts from nothing.
rmSync(dist, { recursive: true, force: true });

// Type-checking is `npm run typecheck`'s job (CI runs it first). `npm run build` and the deploy ask for it with
// --typecheck; npm start's rebuilds skip it, so an edit is served in about two seconds instead of fifteen.
if (process.argv.includes('--typecheck')) {
  if (alreadyTypechecked())
    console.log('build: type check skipped: the test run checked these very sources (TOKEN_SERVICE_TEST_TYPECHECKED)');
  else await typecheckDeployedCode();
}

/**
 * Test-only: the jest run type-checks the checkout once (tests/helpers/global-setup.ts) and hands its digest to the
 * deploy suites' many `npm run deploy`s in throwaway copies, which would otherwise check the same sources again each
 * time. Only an exact match skips: an edited copy is checked, and a real deploy (the variable unset) always is.
 */
function alreadyTypechecked() {
  const checked = process.env.TOKEN_SERVICE_TEST_TYPECHECKED;
  return typeof checked === 'string' && /^[0-9a-f]{64}$/.test(checked) && checked === typecheckDigest(root);
}

/** The functions' code and the browser assets (DOM types, no Node types), checked side by side: two cores, one wait. */
async function typecheckDeployedCode() {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const check = (project) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [tsc, '--noEmit', '-p', join(root, project)], { stdio: 'inherit' });
      child.once('exit', (code) => resolve(code === 0));
      child.once('error', () => resolve(false));
    });
  const [source, assets] = await Promise.all([check('tsconfig.json'), check('tsconfig.assets.json')]);
  if (!source || !assets) {
    console.error(
      `build: type check failed (${[!source && 'tsconfig.json', !assets && 'tsconfig.assets.json'].filter(Boolean).join(', ')})`,
    );
    process.exit(1);
  }
}

const functionEntries = filesUnder(join(src, 'functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
await build({
  entryPoints: functionEntries,
  outdir: join(dist, 'functions'),
  outbase: join(src, 'functions'),
  bundle: true,
  platform: 'node',
  // The oldest Node the code meets: node22 when deployed (.twilioserverlessrc), the local Node (20 or later) under
  // twilio-run and in the tests. Output for node20 runs on both; a node22 target could emit what 20 cannot parse.
  target: 'node20',
  format: 'cjs',
  external,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});

// Assets: TypeScript sources become browser ES modules; everything else is copied as is.
const assetFiles = filesUnder(join(src, 'assets'));
const assetScripts = assetFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
for (const file of assetFiles) {
  if (file.endsWith('.ts')) continue;
  cpSync(file, join(dist, 'assets', relative(join(src, 'assets'), file)));
}
// The root URL: Twilio serves the asset at /assets/index.html for `/` (a legacy rule that twilio-run 5
// mimics locally; serverless-toolkit #371). /index.html alone is not served at `/`, so copy it there too.
if (existsSync(join(src, 'assets', 'index.html'))) {
  cpSync(join(src, 'assets', 'index.html'), join(dist, 'assets', 'assets', 'index.html'));
}
if (assetScripts.length > 0) {
  // The same options build the token client package (scripts/token-client-build.mjs), so both ship one output.
  await build({ ...browserModuleOptions, entryPoints: assetScripts, outdir: join(dist, 'assets'), outbase: join(src, 'assets') });
}

console.log(`build: ${functionEntries.length} function(s), ${assetFiles.length} asset file(s) -> ${relative(root, dist)}/`);
