// The browser token client, built from src/assets/token-client.ts in one way for both places it ships:
// the public asset /token-client.js (scripts/build.mjs) and the installable package packages/token-client.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const TOKEN_CLIENT_SOURCE = join(root, 'src', 'assets', 'token-client.ts');
export const PACKAGE_DIR = join(root, 'packages', 'token-client');

/**
 * esbuild options of every browser asset, the token client included: dependency-free ES2020 modules, no source maps.
 * @type {import('esbuild').BuildOptions}
 */
export const browserModuleOptions = {
  // Paths in esbuild's comments are relative to this, so the output is the same from any working directory.
  absWorkingDir: root,
  bundle: true,
  platform: 'browser',
  target: 'es2020',
  format: 'esm',
  sourcemap: false, // source maps would be uploaded as public assets
  logLevel: 'warning',
};

/**
 * packages/token-client/dist: token-client.js (the same esbuild output as dist/assets/token-client.js) and
 * token-client.d.ts (declarations from the same source, by tsc with the asset type-check's settings).
 */
export async function buildTokenClientPackage() {
  const out = join(PACKAGE_DIR, 'dist');
  rmSync(out, { recursive: true, force: true });
  await build({ ...browserModuleOptions, entryPoints: [TOKEN_CLIENT_SOURCE], outfile: join(out, 'token-client.js') });
  const declarations = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.token-client.json')],
    { stdio: 'inherit' },
  );
  if (declarations.status !== 0) throw new Error('token client package: tsc could not write the declarations');
}

// As a script (the package's prepack): build the package.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildTokenClientPackage();
  console.log('token client package: packages/token-client/dist/');
}
