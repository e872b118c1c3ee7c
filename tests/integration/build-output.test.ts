import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const builtFunctions = filesUnder(join(dist, 'functions')).filter((file) => file.endsWith('.js'));

function requiredSpecifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1]!);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('the build output that Twilio deploys', () => {
  it('has one bundle per function source', () => {
    const sources = filesUnder(join(root, 'src', 'functions')).filter((file) => file.endsWith('.ts'));
    expect(builtFunctions.map((file) => relative(join(dist, 'functions'), file)).sort()).toEqual(
      sources.map((file) => relative(join(root, 'src', 'functions'), file).replace(/\.ts$/, '.js')).sort(),
    );
  });

  it.each(builtFunctions.map((file) => [relative(root, file), file]))(
    '%s requires only Node built-ins and packages listed in dependencies',
    (_name, file) => {
      const specifiers = requiredSpecifiers(file);
      expect(specifiers.length).toBeGreaterThan(0);
      for (const specifier of specifiers) {
        const builtin = specifier.startsWith('node:') || builtinModules.includes(specifier);
        const dependency = Object.keys(pkg.dependencies).includes(packageName(specifier));
        expect({ specifier, allowed: builtin || dependency }).toEqual({ specifier, allowed: true });
      }
      expect(specifiers.some((specifier) => specifier.startsWith('.'))).toBe(false);
      expect(specifiers.some((specifier) => specifier.includes('serverless-runtime-types'))).toBe(false);
    },
  );

  it.each(builtFunctions.map((file) => [relative(root, file), file]))(
    '%s loads on its own from another folder and exports a handler',
    (_name, file) => {
      const alone = mkdtempSync(join(tmpdir(), 'deployed-function-'));
      try {
        const copy = join(alone, 'function.js');
        copyFileSync(file, copy);
        // Only the project's packages are resolvable, as on Twilio where dependencies are installed.
        const kind = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(copy)}).handler)`], {
          cwd: alone,
          env: { PATH: process.env.PATH ?? '', NODE_PATH: join(root, 'node_modules') },
        }).toString();
        expect(kind).toBe('function');
      } finally {
        rmSync(alone, { recursive: true, force: true });
      }
    },
  );

  it('ships no source maps and no TypeScript among the public assets', () => {
    const assets = filesUnder(join(dist, 'assets'));
    expect(assets.filter((file) => file.endsWith('.map') || file.endsWith('.ts'))).toEqual([]);
    expect(builtFunctions.some((file) => readFileSync(file, 'utf8').includes('sourceMappingURL'))).toBe(false);
  });
});
