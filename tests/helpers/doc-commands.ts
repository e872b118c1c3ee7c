/**
 * The shell commands of this project's Markdown (every ```sh, ```bash and ```shell block), split the way a shell
 * would, and checked against the project: the npm script exists, each flag after `--` is one its tool reads, the
 * files named exist (or are ones a user makes and git ignores), a URL's path is one the service serves, and a
 * program is one the docs may assume. Anything the checker does not know is a finding, so a command added later
 * is checked too (or fails until a rule for it is added here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One command line of a block, with `\` continuations joined and the comment after it removed. */
export interface DocCommand {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Folders that hold no documentation of this project. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'test-artifacts', 'coverage', '.git']);

/** Every Markdown file of the project, relative to the root. */
export function markdownFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (SKIPPED_FOLDERS.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) found.push(relative(root, path));
    }
  };
  walk(root);
  return found.sort();
}

/** The command lines of the shell blocks of one Markdown text. */
export function commandsIn(file: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let inShell = false;
  let inFence = false;
  let pending: { line: number; text: string } | undefined;
  markdown.split('\n').forEach((raw, index) => {
    const fence = /^\s*```+\s*([\w-]*)/.exec(raw);
    if (fence) {
      inShell = !inFence && ['sh', 'bash', 'shell'].includes(fence[1]!.toLowerCase());
      inFence = !inFence;
      pending = undefined;
      return;
    }
    if (!inShell) return;
    const text = pending ? `${pending.text} ${raw.trim()}` : raw.trim();
    const line = pending?.line ?? index + 1;
    if (/\\$/.test(text)) {
      pending = { line, text: text.slice(0, -1).trim() };
      return;
    }
    pending = undefined;
    const command = withoutComment(text);
    if (command !== '') commands.push({ file, line, text: command });
  });
  return commands;
}

/** The line without a `#` comment (a `#` that starts a word outside quotes). */
function withoutComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trim();
  }
  return text.trim();
}

/** Words and operators as a shell splits them; `$(…)` stays one word, quotes are removed. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  const end = () => {
    if (started) words.push(word);
    word = '';
    started = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      word += text.slice(i + 1, close === -1 ? undefined : close);
      started = true;
      i = close === -1 ? text.length : close;
    } else if (c === '$' && text[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      word += text.slice(i, j + 1);
      started = true;
      i = j;
    } else if (c === '<' && /^<[\w-]+>/.test(text.slice(i))) {
      // A placeholder the reader replaces (https://<service>.twil.io), not a redirection.
      const placeholder = /^<[\w-]+>/.exec(text.slice(i))![0];
      word += placeholder;
      started = true;
      i += placeholder.length - 1;
    } else if (/\s/.test(c)) end();
    else if ('&|;()<>'.includes(c)) {
      end();
      const two = text.slice(i, i + 2);
      const operator = ['&&', '||', '>>'].includes(two) ? two : c;
      words.push(operator);
      i += operator.length - 1;
    } else {
      word += c;
      started = true;
    }
  }
  end();
  return words;
}

const OPERATORS = new Set(['&&', '||', '|', ';', '(', ')']);
const REDIRECTS = new Set(['>', '>>', '<']);

/** The simple commands of a line, each with the redirection targets it writes or reads. */
function simpleCommands(text: string): Array<{ readonly words: string[]; readonly redirects: string[] }> {
  const result: Array<{ words: string[]; redirects: string[] }> = [];
  let current = { words: [] as string[], redirects: [] as string[] };
  const words = shellWords(text);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (OPERATORS.has(word)) {
      if (current.words.length > 0) result.push(current);
      current = { words: [], redirects: [] };
    } else if (REDIRECTS.has(word)) current.redirects.push(words[++i] ?? '');
    else current.words.push(word);
  }
  if (current.words.length > 0) result.push(current);
  return result;
}

/** What the checks need to know about the project, read once. */
export interface ProjectFacts {
  readonly root: string;
  /** package.json scripts, by the folder (relative to the root) the package is in. */
  readonly scripts: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The tarball names `npm pack` makes of the packages under packages/. */
  readonly tarballs: readonly string[];
  /** The paths the service answers: its functions and its public assets. */
  readonly servedPaths: ReadonlySet<string>;
  /** Text in which a tool's flags must appear, by npm script name (its own source and what it forwards to). */
  flagSourcesFor(script: string): string;
  /** Whether git ignores a path (a file the user makes: .env, .env.production, the users file). */
  ignored(path: string): boolean;
}

function readPackage(dir: string): { name?: string; version?: string; scripts?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name?: string;
    version?: string;
    scripts?: Record<string, string>;
  };
}

function textOfFiles(dir: string, pattern: RegExp): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => pattern.test(name))
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

export function readProjectFacts(root: string): ProjectFacts {
  const scripts = new Map<string, Record<string, string>>([['', readPackage(root).scripts ?? {}]]);
  const tarballs: string[] = [];
  for (const name of existsSync(join(root, 'packages')) ? readdirSync(join(root, 'packages')) : []) {
    const pkg = readPackage(join(root, 'packages', name));
    scripts.set(`packages/${name}`, pkg.scripts ?? {});
    tarballs.push(`${pkg.name!.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
  }
  const functionNames = readdirSync(join(root, 'src', 'functions'))
    .filter((name) => name.endsWith('.ts') && !/\.(private|protected)\.ts$/.test(name))
    .map((name) => `/${name.replace(/\.ts$/, '')}`);
  const assetNames = readdirSync(join(root, 'src', 'assets'))
    .filter((name) => !name.includes('.private.'))
    .map((name) => `/${name.replace(/\.ts$/, '.js')}`);
  const servedPaths = new Set(['/', ...functionNames, ...assetNames]);
  const cliSource = textOfFiles(join(root, 'src', 'cli'), /\.ts$/);
  const twilioRunSource = textOfFiles(join(root, 'node_modules', 'twilio-run', 'dist'), /(^|\/)(flags|commands\/[\w-]+)\.js$/);
  const rootScripts = scripts.get('')!;
  return {
    root,
    scripts,
    tarballs,
    servedPaths,
    flagSourcesFor(script) {
      const command = rootScripts[script] ?? '';
      // Our TypeScript tools: their own flags are in src/cli, and npm run deploy forwards the rest to twilio-run.
      if (command.includes('src/cli/')) return `${cliSource}\n${script === 'deploy' ? twilioRunSource : ''}`;
      const file = /\b((?:bench|scripts|tests)\/[\w/.-]+\.(?:mjs|ts))\b/.exec(command)?.[1];
      return file ? textOfFiles(join(root, file, '..'), /\.(mjs|ts)$/) : command;
    },
    ignored(path) {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: root, stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Programs the docs may name without further checks: standard tools and shell builtins, Twilio's CLI (installed by the
 * command before it), and GitHub's CLI (the CI recipes' secret store).
 */
const KNOWN_PROGRAMS = new Set([
  'apt-get',
  'base64',
  'cat',
  'cut',
  'echo',
  'export',
  'gh',
  'git',
  'grep',
  'jq',
  'printf',
  'python3',
  'read',
  '/usr/bin/python3',
  'rm',
  'set',
  'tr',
  'twilio',
  'wrk',
]);

/** A word that names a file of this project: a relative path with a folder or an extension, not a URL, option or variable. */
function looksLikeProjectPath(word: string): boolean {
  if (/^(-|\$|~|\/|<|[a-z]+:\/\/|path\/to\/)/.test(word) || word.includes('…') || word.includes('=')) return false;
  return /^\.?[\w.-]+(\/[\w.-]+)+$/.test(word) || /^\.[\w-]+(\.[\w-]+)*$/.test(word) || /^[\w-]+\.(md|json|ts|mjs|txt|tgz)$/.test(word);
}

/** The path of a URL word (http://localhost:3000/token, https://<service>.twil.io/health), or undefined. */
function urlPath(word: string): string | undefined {
  const match = /^https?:\/\/[^/\s]+(\/[^\s?#]*)?/.exec(word);
  return match ? (match[1] ?? '/') : undefined;
}

/**
 * Every finding for one command line, as `file:line: command: what is wrong`; empty when it checks out.
 * @example findingsFor({ file: 'README.md', line: 3, text: 'npm run nope' }, facts) // ['README.md:3: npm run nope: no npm script "nope" …']
 */
export function findingsFor(command: DocCommand, facts: ProjectFacts): string[] {
  const findings: string[] = [];
  const say = (what: string) => findings.push(`${command.file}:${command.line}: ${command.text}: ${what}`);
  let cwd = '';
  let outsideProject = false;
  for (const { words: all, redirects } of simpleCommands(command.text)) {
    const words = all.slice(all.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)));
    if (all.every((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word))) continue; // only assignments (TOKEN=…)
    const [program, ...args] = words;
    if (program === undefined) continue;
    if (program === 'cd') {
      const target = args[0] ?? '';
      if (target.startsWith('~') || target.startsWith('/')) outsideProject = true;
      else if (!existsSync(join(facts.root, cwd, target))) say(`cd into ${target}, which does not exist`);
      else cwd = join(cwd, target);
      continue;
    }
    if (outsideProject && program !== 'npm') continue;
    for (const target of redirects) {
      if (looksLikeProjectPath(target) && !existsSync(join(facts.root, cwd, target)) && !facts.ignored(join(cwd, target)))
        say(`writes ${target}, which is neither in the project nor a file git ignores`);
    }
    if (program === 'npm') findings.push(...npmFindings(args, { cwd, outsideProject, facts, say }));
    else if (program === 'npx') {
      if (!existsSync(join(facts.root, 'node_modules', '.bin', args[0] ?? ''))) say(`npx ${args[0]}: not installed by npm install`);
    } else if (program === 'node') {
      const file = args[0];
      if (file && !file.startsWith('-') && !existsSync(join(facts.root, cwd, file))) say(`node ${file}: no such file`);
    } else if (program === 'curl' || program === 'http') {
      const urls = args.filter((word) => urlPath(word) !== undefined);
      if (urls.length === 0) say(`${program} without a URL`);
      for (const url of urls) {
        if (!facts.servedPaths.has(urlPath(url)!)) say(`${url}: the service serves no ${urlPath(url)}`);
      }
    } else if (program === 'cp') {
      const source = args.find((word) => !word.startsWith('-'));
      if (source && !existsSync(join(facts.root, cwd, source))) say(`cp ${source}: no such file`);
    } else if (!KNOWN_PROGRAMS.has(program)) {
      say(`${program} is a program the docs checker does not know: add a rule for it in tests/helpers/doc-commands.ts`);
    }
    if (program !== 'npm' && program !== 'cp' && program !== 'cd') {
      for (const word of args) {
        if (looksLikeProjectPath(word) && !existsSync(join(facts.root, cwd, word)) && !facts.ignored(join(cwd, word)))
          say(`names ${word}, which is neither in the project nor a file git ignores`);
      }
    }
  }
  return findings;
}

function npmFindings(
  args: readonly string[],
  context: { cwd: string; outsideProject: boolean; facts: ProjectFacts; say: (what: string) => void },
): string[] {
  const { cwd, outsideProject, facts, say } = context;
  const [subcommand, ...rest] = args.filter((word, index) => index > 0 || !word.startsWith('-'));
  const options = rest.filter((word) => word !== '--silent' && word !== '-s');
  if (subcommand === 'install' || subcommand === 'i' || subcommand === 'ci') {
    for (const target of options.filter((word) => word.endsWith('.tgz'))) {
      const name = target.split('/').pop()!;
      if (!facts.tarballs.includes(name)) say(`npm install ${target}: npm pack makes ${facts.tarballs.join(', ')}, not ${name}`);
      if (target.startsWith('./') && !outsideProject)
        say(`npm install ${target}: npm pack writes the tarball in the package's folder; name --pack-destination`);
    }
    return [];
  }
  if (outsideProject || ['pack', 'view', 'audit', 'cache'].includes(subcommand ?? '')) return [];
  const scripts = facts.scripts.get(cwd);
  if (!scripts) {
    say(`npm ${subcommand} in ${cwd || 'the project'}, which has no package.json`);
    return [];
  }
  const lifecycle = subcommand === 'start' || subcommand === 'test';
  const script = lifecycle ? subcommand : subcommand === 'run' || subcommand === 'run-script' ? options[0] : undefined;
  if (script === undefined) {
    say(`npm ${subcommand}: the docs checker knows npm install, ci, pack, start, test and run`);
    return [];
  }
  if (!(script in scripts) && !(lifecycle && script === 'test' && 'test' in scripts)) {
    say(`no npm script "${script}" in ${cwd ? `${cwd}/` : ''}package.json`);
    return [];
  }
  const separator = options.indexOf('--');
  if (separator === -1) return [];
  const source = facts.flagSourcesFor(script);
  for (const flag of options.slice(separator + 1).filter((word) => /^--?[a-z]/.test(word))) {
    const name = flag.split('=')[0]!;
    const bare = name.replace(/^-+/, '');
    // As our tools spell them ('--plan', in a usage text) or as yargs options are declared ('service-sid': {…}).
    const spellings = [`'${name}'`, `"${name}"`, `${name} `, `${name}\``, `${name}]`, `'${bare}'`, `"${bare}"`];
    if (!spellings.some((spelling) => source.includes(spelling))) say(`npm run ${script} -- ${name}: ${script} does not read ${name}`);
  }
  return [];
}
