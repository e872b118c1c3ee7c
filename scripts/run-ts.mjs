// Runs a TypeScript command-line tool from src/cli without a separate compile step:
// bundles it with esbuild into node_modules/.cache, then runs it with the remaining arguments.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('..', import.meta.url));
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const outDir = join(root, 'node_modules', '.cache', 'token-service-cli');
mkdirSync(outDir, { recursive: true });
// One file per process: two runs of the same tool at once must not overwrite each other's bundle.
const outfile = join(outDir, `${basename(entry, '.ts')}-${process.pid}.cjs`);
await build({
  entryPoints: [join(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
process.on('exit', () => rmSync(outfile, { force: true }));
createRequire(pathToFileURL(outfile).href)(outfile);
