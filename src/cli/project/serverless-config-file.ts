/**
 * twilio-run's config file (`.twilioserverlessrc`, JSON5), found where twilio-run 5 (cosmiconfig 8) finds it: the file
 * --config names, else the first of cosmiconfig's places in the project folder, then in each parent up to the home folder.
 * Only the JSON5 forms are read; a YAML or script config file that twilio-run would use is refused, not skipped, so the
 * deploy never works from other settings than twilio-run would.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import JSON5 from 'json5';

const MODULE_NAME = 'twilioserverless';

/** cosmiconfig 8's synchronous search places for the module name, in its order. */
const SEARCH_PLACES: readonly string[] = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.ts`,
  `.${MODULE_NAME}rc.cjs`,
  `.config/${MODULE_NAME}rc`,
  `.config/${MODULE_NAME}rc.json`,
  `.config/${MODULE_NAME}rc.yaml`,
  `.config/${MODULE_NAME}rc.yml`,
  `.config/${MODULE_NAME}rc.js`,
  `.config/${MODULE_NAME}rc.ts`,
  `.config/${MODULE_NAME}rc.cjs`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.ts`,
  `${MODULE_NAME}.config.cjs`,
];

/** twilio-run gives cosmiconfig a JSON5 loader for these; the others load as YAML or as code. */
const JSON5_EXTENSIONS: readonly string[] = ['', '.json', '.json5'];

export interface ServerlessConfigFile {
  /** The file read; undefined when there is none (the configuration is then empty). */
  readonly path?: string;
  readonly content: Readonly<Record<string, unknown>>;
}

export class ServerlessConfigFileError extends Error {
  constructor(
    readonly code: 'ERR_CONFIG_FILE_UNREADABLE' | 'ERR_CONFIG_FILE_FORMAT' | 'ERR_CONFIG_FILE_NOT_OBJECT',
    message: string,
  ) {
    super(message);
  }
}

/**
 * @example readServerlessConfigFile({ cwd: process.cwd() }).content // { functionsFolder: 'dist/functions', … }
 */
export function readServerlessConfigFile(options: {
  readonly cwd: string;
  /** --config FILE, relative to cwd. */
  readonly configFile?: string | undefined;
  /** Where the search upwards stops (default the home folder, as cosmiconfig). */
  readonly stopDir?: string;
}): ServerlessConfigFile {
  if (options.configFile !== undefined) {
    const path = resolve(options.cwd, options.configFile);
    const text = readText(path);
    if (text === undefined)
      throw new ServerlessConfigFileError('ERR_CONFIG_FILE_UNREADABLE', `--config ${options.configFile}: there is no file ${path}`);
    // twilio-run fails on an empty named file (it has no configuration to read); say so plainly.
    if (text.trim() === '')
      throw new ServerlessConfigFileError('ERR_CONFIG_FILE_FORMAT', `--config ${options.configFile}: ${path} is empty`);
    const content = parseConfigText(path, text);
    return content === null ? { path, content: {} } : { path, content: asObject(path, content) };
  }
  const stopDir = resolve(options.stopDir ?? homedir());
  for (let dir = resolve(options.cwd); ; dir = dirname(dir)) {
    if (isDirectory(dir)) {
      for (const place of SEARCH_PLACES) {
        const path = join(dir, place);
        const text = readText(path);
        // cosmiconfig skips missing and empty places, and a package.json without the `twilioserverless` key.
        if (text === undefined || text.trim() === '') continue;
        const content = parseConfigText(path, text);
        if (content !== null) return { path, content: asObject(path, content) };
      }
    }
    if (dir === stopDir || dir === dirname(dir)) return { content: {} };
  }
}

/** The file's configuration, or null where cosmiconfig finds none (a package.json without the key, a JSON5 `null`). */
function parseConfigText(path: string, text: string): unknown {
  try {
    if (basename(path) === 'package.json') return (JSON.parse(text) as Record<string, unknown>)[MODULE_NAME] ?? null;
    if (JSON5_EXTENSIONS.includes(extname(path))) return JSON5.parse(text) as unknown;
  } catch (error) {
    throw new ServerlessConfigFileError(
      'ERR_CONFIG_FILE_FORMAT',
      `${path} cannot be read as ${basename(path) === 'package.json' ? 'JSON' : 'JSON5'}: ${(error as Error).message}`,
    );
  }
  throw new ServerlessConfigFileError(
    'ERR_CONFIG_FILE_FORMAT',
    `${path} is a config file twilio-run would read, but npm run deploy reads only JSON5 ones: write its settings to .twilioserverlessrc (JSON5) instead`,
  );
}

function asObject(path: string, content: unknown): Record<string, unknown> {
  if (typeof content === 'object' && content !== null && !Array.isArray(content)) return content as Record<string, unknown>;
  throw new ServerlessConfigFileError('ERR_CONFIG_FILE_NOT_OBJECT', `${path} must hold an object of settings ({ "runtime": "node22", … })`);
}

/** The file's text; undefined when it is missing or is a folder (cosmiconfig's ENOENT, EISDIR, ENOTDIR). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw new ServerlessConfigFileError('ERR_CONFIG_FILE_UNREADABLE', `${path} cannot be read: ${(error as Error).message}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
