// The digest of everything the deploy's type check reads from the project: both tsconfigs, every .ts under src/ (the
// two projects include nothing else and import no JSON) and package-lock.json (the installed types). Equal digests mean
// the type check would see the same input. Run alone, it prints the digest of the project it sits in.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function tsFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFilesUnder(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

export function typecheckDigest(root) {
  const inputs = [
    ...['tsconfig.json', 'tsconfig.assets.json', 'package-lock.json'].map((name) => join(root, name)),
    ...tsFilesUnder(join(root, 'src')).sort(),
  ];
  const hash = createHash('sha256');
  for (const file of inputs) {
    const content = existsSync(file) ? readFileSync(file) : Buffer.from('(missing)');
    hash.update(`${relative(root, file).split(sep).join('/')}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(typecheckDigest(fileURLToPath(new URL('..', import.meta.url))));
}
