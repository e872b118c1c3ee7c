/** The layering docs/architecture.md describes, checked against every relative import in src/. */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const src = join(root, 'src');

/**
 * Each folder's layer: a file may import only from a lower layer or its own folder. Folders on one layer are
 * independent of each other. The order is the one docs/architecture.md draws.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['lib/base'],
  ['lib/token', 'lib/throttle', 'lib/oidc', 'lib/revocation'],
  ['lib/auth', 'lib/policy'],
  ['lib/http'],
  ['lib/config'],
  ['lib/endpoints'],
  ['runtime'],
  ['functions', 'cli'],
];
const layerOf = new Map(LAYERS.flatMap((folders, layer) => folders.map((folder) => [folder, layer] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `lib/auth` for src/lib/auth/x.ts, `cli` for src/cli/x.ts. */
function folderOf(file: string): string {
  const parts = relative(src, file).split('/');
  return parts[0] === 'lib' ? `lib/${parts[1]}` : parts[0]!;
}

interface ImportArrow {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly specifier: string;
}

function importArrows(): ImportArrow[] {
  const arrows: ImportArrow[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|require\(|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const specifier = match[1]!;
      const target = resolve(dirname(file), specifier);
      arrows.push({ from: folderOf(file), to: folderOf(target), file: relative(root, file), specifier });
    }
  }
  return arrows;
}

describe('the source tree is layered', () => {
  const arrows = importArrows();

  it('finds the imports it checks (a parser that saw none would pass anything)', () => {
    expect(arrows.length).toBeGreaterThan(150);
    expect(arrows.some((arrow) => arrow.from === 'lib/config' && arrow.to === 'lib/token')).toBe(true);
  });

  it('puts every folder of src/lib on a layer, so a new folder has to be placed deliberately', () => {
    const folders = new Set(sourceFiles(join(src, 'lib')).map(folderOf));
    expect([...folders].filter((folder) => !layerOf.has(folder))).toEqual([]);
  });

  it('imports only downward: no file imports from its own layer’s other folders or from a layer above', () => {
    const wrong = arrows
      .filter((arrow) => arrow.from !== arrow.to && arrow.from !== 'assets')
      .filter((arrow) => !(layerOf.get(arrow.to)! < layerOf.get(arrow.from)!))
      .map((arrow) => `${arrow.file} imports ${arrow.specifier} (${arrow.from} -> ${arrow.to})`);
    expect(wrong).toEqual([]);
  });

  it('keeps the browser assets apart: they import nothing from the server code, and it imports nothing of theirs', () => {
    const crossing = arrows.filter((arrow) => (arrow.from === 'assets') !== (arrow.to === 'assets'));
    expect(crossing.map((arrow) => `${arrow.file} imports ${arrow.specifier}`)).toEqual([]);
  });

  it('keeps twilio-node out of src/lib: the core gets Twilio’s services through interfaces that src/runtime implements', () => {
    const twilioImports = sourceFiles(join(src, 'lib')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:from|require\(|import\()\s*['"](twilio(?:\/[^'"]*)?)['"]/g)].map(
        (match) => `${relative(root, file)} imports ${match[1]}`,
      ),
    );
    expect(twilioImports).toEqual([]);
  });

  it('keeps the configuration reading (src/cli/project) apart from the deployer: project/ imports nothing of deploy/', () => {
    const inside = (arrow: ImportArrow, folder: string) =>
      resolve(root, dirname(arrow.file), arrow.specifier).startsWith(join(src, folder));
    const projectArrows = arrows.filter((arrow) => arrow.file.startsWith('src/cli/project/'));
    expect(projectArrows.length).toBeGreaterThan(5);
    expect(projectArrows.filter((arrow) => inside(arrow, 'cli/deploy')).map((arrow) => `${arrow.file} imports ${arrow.specifier}`)).toEqual(
      [],
    );
  });

  it('keeps the deployer (src/cli/deploy) below the commands: deploy/ imports no file at the top of src/cli', () => {
    const deployArrows = arrows.filter((arrow) => arrow.file.startsWith('src/cli/deploy/'));
    expect(deployArrows.length).toBeGreaterThan(20);
    const intoCommands = deployArrows.filter((arrow) => dirname(resolve(root, dirname(arrow.file), arrow.specifier)) === join(src, 'cli'));
    expect(intoCommands.map((arrow) => `${arrow.file} imports ${arrow.specifier}`)).toEqual([]);
  });

  it('reaches no private code of twilio-run: nothing in src/ requires twilio-run/dist, directly or through createRequire', () => {
    const direct = /(?:from|require(?:\.resolve)?\(|import\()\s*['"`]twilio-run\/dist/;
    // createRequire rooted in twilio-run's package reaches its dist/ with a relative specifier ('./dist/…').
    const throughCreateRequire = (text: string) => /\bcreateRequire\b/.test(text) && /['"`]twilio-run[/'"`]/.test(text);
    const reaching = sourceFiles(src)
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return direct.test(text) || throughCreateRequire(text);
      })
      .map((file) => relative(root, file));
    expect(reaching).toEqual([]);
  });

  it('imports the Functions runtime types only as types (the deployed bundle has no such module)', () => {
    const valueImports = sourceFiles(src)
      .filter((file) => /^import (?!type )[^;]*'@twilio-labs\/serverless-runtime-types/m.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(valueImports).toEqual([]);
  });
});
